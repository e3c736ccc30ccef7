"""The A/B report: for each split of a journey, how the prospects of each variant fared.

Counted from the projected journey states (`state.variants` says which branch each split put a
prospect in), so it covers every version of the journey and needs no table of its own. Pure:
the route reads the rows, this counts them.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, Field


class VariantOutcome(BaseModel):
    split_id: str
    variant: str
    prospects: int
    handed_off: int = Field(description="Prospects handed to sales at least once.")
    completed: int
    unsubscribed: int
    stages: dict[str, int] = Field(description="Where the prospects are now, by stage.")


class SplitReport(BaseModel):
    journey_id: str
    variants: list[VariantOutcome]


def split_report(*, journey_id: str, states: Iterable[Mapping[str, Any]]) -> SplitReport:
    """One line per split and variant, in split then variant order."""
    counts: dict[tuple[str, str], _Tally] = {}
    for state in states:
        for split_id, variant in (state.get("variants") or {}).items():
            counts.setdefault((split_id, variant), _Tally()).add(state)
    return SplitReport(
        journey_id=journey_id,
        variants=[tally.outcome(*key) for key, tally in sorted(counts.items())],
    )


def split_csv(report: SplitReport) -> str:
    """One row per variant, one column per stage: ready to compare side by side."""
    stages = sorted({stage for line in report.variants for stage in line.stages})
    out = io.StringIO()
    writer = csv.writer(out)
    measures = ["prospects", "handed_off", "completed", "unsubscribed"]
    writer.writerow(["split_id", "variant", *measures, *(f"stage:{stage}" for stage in stages)])
    for line in report.variants:
        writer.writerow(
            [
                line.split_id,
                line.variant,
                *(getattr(line, measure) for measure in measures),
                *(line.stages.get(stage, 0) for stage in stages),
            ]
        )
    return out.getvalue()


class _Tally:
    def __init__(self) -> None:
        self.prospects = 0
        self.handed_off = 0
        self.statuses: Counter[str] = Counter()
        self.stages: Counter[str] = Counter()

    def add(self, state: Mapping[str, Any]) -> None:
        self.prospects += 1
        tasks = state.get("tasks") or []
        self.handed_off += any(task.get("kind") == "handoff" for task in tasks)
        self.statuses[str(state.get("status"))] += 1
        self.stages[str(state.get("stage"))] += 1

    def outcome(self, split_id: str, variant: str) -> VariantOutcome:
        return VariantOutcome(
            split_id=split_id,
            variant=variant,
            prospects=self.prospects,
            handed_off=self.handed_off,
            completed=self.statuses["completed"],
            unsubscribed=self.statuses["unsubscribed"],
            stages=dict(sorted(self.stages.items())),
        )
