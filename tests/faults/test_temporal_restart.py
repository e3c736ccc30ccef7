"""The Temporal dev server is stopped and started again on the same database file while every
journey waits in a timer and events keep arriving.

While it is down the API cannot signal a journey. Its Temporal client retries a call for up to
10 s, so a request made late in the outage waits and is accepted after the restart; one made
earlier must be answered 503 (send it again): never accepted undelivered, never dropped. The
client sends again on 503, as a real integration does. After the restart the timers that fell
due during the outage fire, and every event is applied once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from sqlmodel import col, select

from nurture.tables import Enrollment
from tests.faults.harness import FaultStack
from tests.faults.journey import DEMO_FORM, consumed, form
from tests.faults.steps import Run, assert_complete, start_run
from tests.integration.api_driver import eventually

pytestmark = pytest.mark.timeout(120)

PROSPECTS = 5
# Longer than the Temporal client's own retries of a call (10 s), so some posts are refused.
DOWN_SECONDS = 12.0


async def all_waiting(run: Run) -> bool:
    """Every journey has recorded its first e-mail and sleeps until the next: no activity runs."""
    async with run.stack.db.session() as session:
        rows = list(
            await session.exec(
                select(Enrollment).where(
                    col(Enrollment.workflow_id).in_(list(run.workflows.values()))
                )
            )
        )
    return len(rows) == PROSPECTS and all(
        len(row.state.get("sent", [])) == 1 and row.next_action_at is not None for row in rows
    )


async def test_events_survive_a_temporal_restart_and_timers_fire_after_it(
    stack: FaultStack, record_property: Callable[[str, object], None]
) -> None:
    run = await start_run(stack, prospects=PROSPECTS, wait="6s")
    await run.wait_for_mail("one", within=30)
    await eventually(lambda: all_waiting(run), within=30)

    await stack.stop_temporal()
    events = [consumed(pid, "one") for pid in run.prospects]
    events += [form(pid, DEMO_FORM) for pid in run.prospects[:2]]
    posting = asyncio.create_task(run.post(events))
    await asyncio.sleep(DOWN_SECONDS)
    accepted_while_down = len(stack.api.posting.accepted)
    await stack.restart_temporal()
    await posting

    await run.wait_for_mail("three", within=60)
    states = await run.finish(within=30)

    tally = await run.tally()
    tally.report(f"Temporal down {DOWN_SECONDS:.0f} s", record_property)
    assert accepted_while_down == 0
    tally.assert_events_resent_until_accepted(refused_at_least=1)
    tally.assert_nothing_lost_or_doubled()
    assert_complete(states, run)
