"""`nurture simulate JOURNEY --script SCENARIO`: play imagined prospects through a journey.

Nothing is sent and nothing is stored: the production interpreter runs on a virtual clock
(`simulation.runner`). Like the other commands, the heavy imports wait until the command runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to `app`."""
    app.command("simulate")(simulate_command)


def simulate_command(
    definition: Annotated[Path, typer.Argument(help="The journey file (YAML or JSON).")],
    script: Annotated[
        Path, typer.Option("--script", help="The scenario: prospects and their timed events.")
    ],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON document (as the API answers).")
    ] = False,
    policy: Annotated[
        Path | None,
        typer.Option(help="A sending policy file (caps, quiet periods) to simulate under."),
    ] = None,
    update: Annotated[
        bool,
        typer.Option("--update", help="Record the simulated path as the scenario's `expect:`."),
    ] = False,
) -> None:
    """Show the path each scenario prospect takes: every decision with its day, time and reason,
    the e-mails as they would be rendered, tasks with their assignee, and where each one ends."""
    from definitions.errors import DefinitionInvalid
    from definitions.loader import load_file
    from nurture.cli_policy import PolicyFileInvalid, read_policy_file
    from simulation.expect_file import ExpectationsNotWritable, record_paths
    from simulation.report import as_json as json_report
    from simulation.report import as_text
    from simulation.runner import SimulationFailed, simulate
    from simulation.scenario import load_scenario

    if update and policy is not None:
        _fail(
            "--update records the path the scenario plays by itself; put the policy in the "
            "scenario's `policy:` instead of --policy, so `nurture validate` plays it the same"
        )
    try:
        journey = load_file(definition)
        plan = load_scenario(script, journey)
        result = simulate(journey, plan, policy=read_policy_file(policy) if policy else None)
        if update:
            record_paths(script, result)
    except OSError as error:
        _fail(f"{error.filename or script}: cannot read: {error.strerror or error}")
    except (DefinitionInvalid, PolicyFileInvalid) as invalid:
        _fail(str(invalid))
    except SimulationFailed as failure:
        _fail(f"{script}: {failure}")
    except ExpectationsNotWritable as error:
        _fail(f"{script}: cannot record the path: {error}")
    typer.echo(json_report(result) if as_json else as_text(result), nl=False)
    if update:
        count = len(result.prospects)
        typer.echo(f"recorded the path of {count} prospect(s) in {script}", err=as_json)


def _fail(message: str) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(1)
