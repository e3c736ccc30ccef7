"""The SMTP server is down for longer than a few retries, then comes back.

Sends fail with "connection refused" and are retried with backoff (2 s, 4 s, 8 s ...); the
outbox rows stay `pending`, since nothing reached DATA. Once the server is back every e-mail,
task notices included, arrives exactly once, and the sequences carry on from there.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from tests.faults.harness import FaultStack
from tests.faults.journey import DEMO_FORM, form
from tests.faults.steps import Run, assert_complete, start_run

pytestmark = pytest.mark.timeout(120)

PROSPECTS = 5
# Attempts at about 0, 2 and 6 s fail; the one at about 14 s finds the server back.
DOWN_SECONDS = 12.0


async def send_attempts(run: Run) -> list[int]:
    """The attempt number of each journey's send that is waiting for its next try."""
    attempts = []
    for pid in run.prospects:
        description = await run.handle(pid).describe()
        attempts += [pending.attempt for pending in description.raw_description.pending_activities]
    return attempts


async def test_every_email_arrives_once_after_the_smtp_server_comes_back(
    stack: FaultStack, record_property: Callable[[str, object], None]
) -> None:
    stack.sink.stop()
    run = await start_run(stack, prospects=PROSPECTS, wait="2s")
    await run.post(form(pid, DEMO_FORM) for pid in run.prospects[:2])
    await asyncio.sleep(DOWN_SECONDS)
    attempts = await send_attempts(run)
    nothing_yet = len(stack.sink.arrived)
    stack.sink.start()

    await run.wait_for_mail("three", within=60)
    states = await run.finish(within=30)

    tally = await run.tally()
    tally.report(f"SMTP down {DOWN_SECONDS:.0f} s", record_property)
    print(f"  {'attempts made while down':<40} {attempts}")
    record_property("attempts made while down", attempts)
    assert nothing_yet == 0
    # Every journey was stuck on its first e-mail (the demo requests wait their turn behind
    # it), on the third attempt or later: at least two had failed.
    assert len(attempts) == PROSPECTS
    assert min(attempts) >= 3
    assert tally.emails_expected == 3 * PROSPECTS + 2
    tally.assert_nothing_lost_or_doubled()
    assert_complete(states, run)
    assert tally.outbox == {"sent": 3 * PROSPECTS + 2}
