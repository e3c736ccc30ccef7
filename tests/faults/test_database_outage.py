"""The application database is unavailable for a while: the test holds SQLite's write lock
(BEGIN EXCLUSIVE) for longer than the product's busy timeout (30 s), so writers wait and then
fail with "database is locked".

It is taken at the worst moment: the SMTP server has stored an e-mail and not yet answered,
so the send that learns of its success next cannot record it. Activities fail and are retried,
and that e-mail is not sent a second time. Events posted as the lock is taken wait out the busy
timeout and must be refused with 503 (send again); events posted later wait less and are
accepted once the lock goes. None is dropped or applied twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from tests.faults.harness import FaultStack
from tests.faults.journey import DEMO_FORM, consumed, form
from tests.faults.steps import assert_complete, start_run_with_a_send_stalled_in_data

pytestmark = pytest.mark.timeout(150)

PROSPECTS = 3
LOCK_SECONDS = 35.0
# Posted this long after the lock was taken, a request's 30 s of waiting outlast the lock.
LATE_POST_SECONDS = 10.0


async def test_nothing_is_lost_or_doubled_while_the_database_is_locked(
    stack: FaultStack, record_property: Callable[[str, object], None]
) -> None:
    run = await start_run_with_a_send_stalled_in_data(stack, prospects=PROSPECTS)

    async with stack.database_locked():
        # The stalled e-mail is answered 250 now, while nothing can be written.
        stack.sink.release()
        early = asyncio.create_task(run.post(consumed(pid, "one") for pid in run.prospects))
        await asyncio.sleep(LATE_POST_SECONDS)
        late = asyncio.create_task(run.post(form(pid, DEMO_FORM) for pid in run.prospects[:2]))
        await asyncio.sleep(LOCK_SECONDS - LATE_POST_SECONDS)
    await asyncio.gather(early, late)

    await run.wait_for_mail("three", within=60)
    states = await run.finish(within=30)

    tally = await run.tally()
    tally.report(f"database locked {LOCK_SECONDS:.0f} s", record_property)
    # The early ones, each refused at least once.
    tally.assert_events_resent_until_accepted(refused_at_least=PROSPECTS)
    tally.assert_nothing_lost_or_doubled()
    assert_complete(states, run)
