"""The A/B report counts each split's variants from projected journey states."""

from __future__ import annotations

from typing import Any

from api.split_report import split_csv, split_report


def state(stage: str, status: str = "active", handoff: bool = False, **variants: str) -> Any:
    tasks = [{"kind": "handoff", "status": "open"}] if handoff else [{"kind": "task"}]
    return {"stage": stage, "status": status, "tasks": tasks, "variants": variants}


STATES = [
    state("offer", handoff=True, subject="short"),
    state("offer", "completed", subject="short"),
    state("intro", subject="long", timing="morning"),
    state("intro", "unsubscribed", subject="long", timing="evening"),
    state("intro"),  # enrolled before the split existed: in no variant
    {},  # a row whose journey has not reported yet
]


def test_each_variant_counts_its_prospects_outcomes_and_current_stages() -> None:
    report = split_report(journey_id="j", states=STATES)

    lines = [
        (v.split_id, v.variant, v.prospects, v.handed_off, v.completed, v.unsubscribed, v.stages)
        for v in report.variants
    ]
    assert lines == [
        ("subject", "long", 2, 0, 0, 1, {"intro": 2}),
        ("subject", "short", 2, 1, 1, 0, {"offer": 2}),
        ("timing", "evening", 1, 0, 0, 1, {"intro": 1}),
        ("timing", "morning", 1, 0, 0, 0, {"intro": 1}),
    ]


def test_the_csv_has_a_row_per_variant_and_a_column_per_stage() -> None:
    text = split_csv(split_report(journey_id="j", states=STATES[:3]))

    assert text.splitlines() == [
        "split_id,variant,prospects,handed_off,completed,unsubscribed,stage:intro,stage:offer",
        "subject,long,1,0,0,0,1,0",
        "subject,short,2,1,1,0,0,2",
        "timing,morning,1,0,0,0,1,0",
    ]
