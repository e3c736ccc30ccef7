"""A journey's own tests: the scenarios kept beside it, run by `nurture validate`.

`definitions/b2b_funnel.yaml` keeps its scenarios in `definitions/b2b_funnel.scenarios/*.yaml`.
Each must play without error and, where it records `expect:`, follow exactly that path.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from definitions.model import JourneyDefinition
from simulation.documents import ScenarioInvalid
from simulation.path import ProspectPath
from simulation.runner import SimulationFailed, simulate
from simulation.scenario import load_scenario


@dataclass(frozen=True)
class ScenarioCheck:
    scenario: Path
    passed: bool
    lines: list[str]  # what to print, first line naming the file


def scenarios_beside(definition_file: Path) -> list[Path]:
    folder = definition_file.with_name(f"{definition_file.stem}.scenarios")
    return sorted(folder.glob("*.yaml")) if folder.is_dir() else []


def check_scenarios(definition_file: Path, definition: JourneyDefinition) -> list[ScenarioCheck]:
    return [check_scenario(path, definition) for path in scenarios_beside(definition_file)]


def check_scenario(path: Path, definition: JourneyDefinition) -> ScenarioCheck:
    try:
        result = simulate(definition, load_scenario(path, definition))
    except OSError as error:
        return ScenarioCheck(path, False, [f"{path}: cannot read: {error.strerror or error}"])
    except ScenarioInvalid as invalid:
        return ScenarioCheck(path, False, [str(problem) for problem in invalid.errors])
    except SimulationFailed as failure:
        return ScenarioCheck(path, False, [f"{path}: {failure}"])
    differing = [prospect for prospect in result.prospects if not prospect.matches]
    if differing:
        return ScenarioCheck(
            path, False, [line for prospect in differing for line in _difference(path, prospect)]
        )
    if not any(prospect.expected for prospect in result.prospects):
        note = "no expected path recorded (nurture simulate --update records it)"
        return ScenarioCheck(path, True, [f"{path}: path: ran, {note}"])
    return ScenarioCheck(path, True, [f"{path}: path: ok"])


def _difference(path: Path, prospect: ProspectPath) -> list[str]:
    difference = prospect.difference
    assert difference is not None
    where = f"{path}:{difference.line}" if difference.line else str(path)
    return [
        f"{where}: prospect {prospect.id}: path differs at expect[{difference.index}]",
        f"  expected: {difference.expected or '(nothing more)'}",
        f"  actual:   {difference.actual or '(nothing more)'}",
    ]
