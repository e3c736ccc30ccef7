"""A definition's source with its problems beside the lines they name: what the publish page shows.

Pure: the text and the problems the API reports (path, message, line) in; excerpts of numbered
lines out, the offending lines marked and their messages attached, a few lines of context
around each, overlapping excerpts merged. Problems without a line are returned apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


class LocatedProblem(Protocol):
    @property
    def path(self) -> str: ...
    @property
    def message(self) -> str: ...
    @property
    def line(self) -> int | None: ...


@dataclass(frozen=True)
class LineProblem:
    path: str
    message: str


@dataclass(frozen=True)
class SourceLine:
    number: int
    text: str
    problems: tuple[LineProblem, ...] = ()


@dataclass(frozen=True)
class Annotated:
    excerpts: list[list[SourceLine]]
    unplaced: list[str]  # problems that name no line (an unreadable body, a missing document)
    lines_with_problems: list[int]


def problem_text(problem: LocatedProblem) -> str:
    return f"{problem.path}: {problem.message}" if problem.path else problem.message


def annotate(source: str, problems: Sequence[LocatedProblem], *, context: int = 2) -> Annotated:
    lines = source.splitlines() or [""]
    by_line: dict[int, list[LineProblem]] = {}
    unplaced: list[str] = []
    for problem in problems:
        if problem.line is None:
            unplaced.append(problem_text(problem))
        else:
            # A line past the end (a missing key reported at the end) is shown on the last line.
            number = min(max(problem.line, 1), len(lines))
            by_line.setdefault(number, []).append(LineProblem(problem.path, problem.message))
    ranges: list[tuple[int, int]] = []
    for number in sorted(by_line):
        low, high = max(1, number - context), min(len(lines), number + context)
        if ranges and low <= ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], high)
        else:
            ranges.append((low, high))
    excerpts = [
        [
            SourceLine(number, lines[number - 1], tuple(by_line.get(number, ())))
            for number in range(low, high + 1)
        ]
        for low, high in ranges
    ]
    return Annotated(excerpts, unplaced, sorted(by_line))
