"""The application database is PostgreSQL and its server stops for a while: open connections
are cut, new ones refused, then it starts again on the same files and port.

As in the SQLite test, the outage begins at the worst moment: the SMTP server has stored an
e-mail and not yet answered, so the send that learns of its success next cannot record it.
Events posted during the outage must be refused with 503 (send again), never dropped, and be
applied once when the server is back; the pooled connections the outage cut must not keep
failing requests after it.

It found two bugs: asyncpg reports a refused connection as a bare `ConnectionRefusedError`,
which SQLAlchemy does not wrap, so `POST /events` answered 500 (and a sender retrying on 503
dropped the events), and the send that could not record `sent` gave up at once instead of
trying again, leaving a delivered e-mail `uncertain`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import pytest_asyncio

from tests.faults.harness import FaultStack, fault_stack, postgres_cluster
from tests.faults.journey import DEMO_FORM, consumed, form
from tests.faults.steps import assert_complete, start_run_with_a_send_stalled_in_data

pytestmark = pytest.mark.timeout(150)

PROSPECTS = 3
OUTAGE_SECONDS = 12.0


@pytest_asyncio.fixture
async def postgres_stack(tmp_path: Path) -> AsyncIterator[FaultStack]:
    async with postgres_cluster() as cluster, fault_stack(tmp_path, cluster) as running:
        yield running
        running.check_alive()


async def test_nothing_is_lost_or_doubled_while_postgres_is_down(
    postgres_stack: FaultStack, record_property: Callable[[str, object], None]
) -> None:
    stack = postgres_stack
    run = await start_run_with_a_send_stalled_in_data(stack, prospects=PROSPECTS)

    async with stack.database_stopped():
        # The stalled e-mail is answered 250 now, while nothing can be written.
        stack.sink.release()
        posting = asyncio.create_task(run.post(consumed(pid, "one") for pid in run.prospects))
        await asyncio.sleep(OUTAGE_SECONDS / 2)
        assert not posting.done(), ("answered during the outage", stack.api.posting)
        late = asyncio.create_task(run.post(form(pid, DEMO_FORM) for pid in run.prospects[:2]))
        await asyncio.sleep(OUTAGE_SECONDS / 2)
    await asyncio.gather(posting, late)

    await run.wait_for_mail("three", within=60)
    states = await run.finish(within=30)

    tally = await run.tally()
    tally.report(f"PostgreSQL down {OUTAGE_SECONDS:.0f} s", record_property)
    # Every event posted in the outage.
    tally.assert_events_resent_until_accepted(refused_at_least=PROSPECTS + 2)
    tally.assert_nothing_lost_or_doubled()
    # The stalled e-mail is recorded `sent` once the server is back, not left `uncertain`.
    assert tally.outbox == {"sent": 3 * PROSPECTS + 2}
    assert_complete(states, run)
