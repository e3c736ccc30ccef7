"""A burst of duplicate and out-of-order events, posted concurrently: each applied once.

20 prospects, 10 distinct events each (their three content items read, six forms, a demo
request), every event posted two or three times, all shuffled, with `occurred_at` stamps
that do not follow the order of arrival. Once the sequences are done, so the e-mails do not
depend on when a click arrived.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from tests.faults.harness import FaultStack
from tests.faults.journey import (
    CONTENT_POINTS,
    DEMO_FORM,
    FORM_POINTS,
    Event,
    consumed,
    form,
)
from tests.faults.steps import assert_complete, start_run

pytestmark = pytest.mark.timeout(120)

PROSPECTS = 20
FORMS = (*(f"form-{number}" for number in range(1, 7)), DEMO_FORM)


def prospect_events(prospect_id: str, *, now: datetime, chance: random.Random) -> list[Event]:
    """Ten events stamped at random moments of the last minute, whatever order they come in."""

    def moment() -> datetime:
        return now - timedelta(seconds=chance.uniform(1, 60))

    reads = [consumed(prospect_id, item, at=moment()) for item in CONTENT_POINTS]
    forms = [form(prospect_id, form_id, at=moment()) for form_id in FORMS]
    return reads + forms


async def test_duplicated_shuffled_events_are_each_applied_once(
    stack: FaultStack, record_property: Callable[[str, object], None]
) -> None:
    chance = random.Random(8)
    run = await start_run(stack, prospects=PROSPECTS, wait="1s")
    await run.wait_for_mail("three", within=60)

    now = datetime.now(UTC)
    events = [e for pid in run.prospects for e in prospect_events(pid, now=now, chance=chance)]
    copies = [event for event in events for _ in range(chance.choice((2, 3)))]
    chance.shuffle(copies)
    await run.post(copies, concurrency=20)
    states = await run.finish(within=60)

    tally = await run.tally()
    tally.report(f"burst: {len(copies)} posts of {len(events)} events", record_property)
    assert len(events) == 200
    assert tally.events_posted == 200 + PROSPECTS  # and one finishing event each
    tally.assert_nothing_lost_or_doubled()
    assert_complete(states, run)
    by_id = {event.id: event for event in events}
    for pid, state in states.items():
        # Points once per item read and once per form: an event applied twice would show here.
        assert state.score == sum(CONTENT_POINTS.values()) + FORM_POINTS * len(FORMS), pid
        # Each read is dated when it happened, not when it arrived.
        for item, at in state.consumed.items():
            assert at == by_id[f"{pid}-read-{item}"].occurred_at, (pid, item)
