"""How fast the pure interpreter decides: decisions and turns per second on the demo journey.

    .venv/bin/python -m bench.interpreter_speed [--prospects 500] [--json OUT]

Each imagined prospect of the B2B demo is enrolled, reads two items, sends an out-of-office,
replies, and is worked by sales, while every timer the journey asks for is run on a virtual
clock up to 60 days. Only the interpreter is timed: no Temporal, no database, no templates. The
figure bounds what one worker can decide per second of CPU, before I/O.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from definitions.loader import load_file
from definitions.model import JourneyDefinition
from workflows import interpreter
from workflows.commands import CreateTask, Outcome
from workflows.events import PROSPECT_EVENT, ProspectEvent
from workflows.state import JourneyState, Prospect
from workflows.timing import next_action

DEMO = Path(__file__).resolve().parent.parent / "definitions" / "b2b_funnel.yaml"
START = datetime(2026, 3, 2, 8, tzinfo=UTC)
HORIZON = timedelta(days=60)
DAY = timedelta(days=1)
_WIDTHS = (10, 8, 10, 8, 9, 12)


@dataclass(frozen=True)
class Result:
    prospects: int
    turns: int
    decisions: int
    seconds: float

    @property
    def decisions_per_second(self) -> float:
        return self.decisions / self.seconds

    @property
    def turns_per_second(self) -> float:
        return self.turns / self.seconds


def _event(prospect_id: str, number: int, kind: str, **data: object) -> ProspectEvent:
    return PROSPECT_EVENT.validate_python(
        {"id": f"{prospect_id}-{number}", "prospect_id": prospect_id, "type": kind, "data": data}
    )


def _script(prospect_id: str) -> list[tuple[timedelta, ProspectEvent]]:
    return [
        (2 * DAY, _event(prospect_id, 1, "content_consumed", content_id="support-hidden-costs")),
        (4 * DAY, _event(prospect_id, 2, "content_consumed", content_id="pricing-plans")),
        (5 * DAY, _event(prospect_id, 3, "out_of_office", return_date=date(2026, 3, 19))),
        (20 * DAY, _event(prospect_id, 4, "email_replied", text="Let's talk")),
    ]


def _run_until(
    definition: JourneyDefinition, state: JourneyState, until: datetime
) -> tuple[JourneyState, int, int]:
    turns = decisions = 0
    while (upcoming := next_action(definition, state)) is not None and upcoming.at <= until:
        state, outcome = interpreter.advance(definition, state, upcoming.at)
        turns, decisions = turns + 1, decisions + len(outcome.decisions)
    return state, turns, decisions


def _count(outcome: Outcome) -> int:
    return len(outcome.decisions)


def one_prospect(definition: JourneyDefinition, number: int) -> tuple[int, int]:
    prospect = Prospect(id=f"p-{number}", email=f"p{number}@example.com", timezone="Europe/Warsaw")
    state, outcome = interpreter.enroll(definition, prospect, START)
    turns, decisions = 1, _count(outcome)
    for offset, event in _script(prospect.id):
        state, more_turns, more_decisions = _run_until(definition, state, START + offset)
        state, outcome = interpreter.apply_event(definition, state, event, START + offset)
        turns += more_turns + 1
        decisions += more_decisions + _count(outcome)
        task = next((c for c in outcome.commands if isinstance(c, CreateTask)), None)
        if task is not None:
            worked = _event(
                prospect.id, 9, "sales_outcome", outcome="qualified", task_id=task.task_id
            )
            state, outcome = interpreter.apply_event(
                definition, state, worked, START + offset + DAY / 2
            )
            turns, decisions = turns + 1, decisions + _count(outcome)
    state, more_turns, more_decisions = _run_until(definition, state, START + HORIZON)
    return turns + more_turns, decisions + more_decisions


def measure(prospects: int) -> Result:
    definition = load_file(DEMO)
    began = time.perf_counter()
    turns = decisions = 0
    for number in range(prospects):
        more_turns, more_decisions = one_prospect(definition, number)
        turns, decisions = turns + more_turns, decisions + more_decisions
    return Result(prospects, turns, decisions, time.perf_counter() - began)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prospects", type=int, default=500)
    parser.add_argument("--json", type=Path, help="Also write the figures to this file.")
    options = parser.parse_args()
    result = measure(options.prospects)
    header = ("prospects", "turns", "decisions", "seconds", "turns/s", "decisions/s")
    print(" ".join(f"{name:>{width}}" for name, width in zip(header, _WIDTHS, strict=True)))
    row = (
        f"{result.prospects}",
        f"{result.turns}",
        f"{result.decisions}",
        f"{result.seconds:.2f}",
        f"{result.turns_per_second:.0f}",
        f"{result.decisions_per_second:.0f}",
    )
    print(" ".join(f"{cell:>{width}}" for cell, width in zip(row, _WIDTHS, strict=True)))
    if options.json:
        figures = {
            **asdict(result),
            "turns_per_second": result.turns_per_second,
            "decisions_per_second": result.decisions_per_second,
        }
        options.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
