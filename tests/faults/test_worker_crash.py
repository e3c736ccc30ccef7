"""The worker is SIGKILLed in the middle of a send; a new worker takes over.

(a) The SMTP server has stored the message and not yet answered DATA when the worker dies: the
    message arrived, but nobody knows. The outbox row is `sending`; the new worker's attempt
    finds it so, marks it `uncertain` and, by the default policy (`assume_sent`), does not send
    it again.
(b) The worker dies at RCPT, before DATA: nothing arrived and the row is still `pending`; the new
    worker sends the message, once.

The send activity heartbeats (timeout 10 s), so the dead worker's attempt is retried within
seconds, not after its two-minute start-to-close timeout.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.faults.harness import FaultStack
from tests.faults.journey import DEMO_FORM, consumed, form
from tests.faults.sink import Stall
from tests.faults.steps import assert_complete, start_run

pytestmark = pytest.mark.timeout(120)


@pytest.mark.parametrize(
    ("stall", "outbox"),
    [("data", {"uncertain": 1, "sent": 3}), ("rcpt", {"sent": 4})],
    ids=["killed-after-the-message-was-stored", "killed-before-data"],
)
async def test_a_worker_killed_mid_send_neither_doubles_nor_loses_the_email(
    stack: FaultStack,
    record_property: Callable[[str, object], None],
    stall: Stall,
    outbox: dict[str, int],
) -> None:
    stack.sink.stall_once(stall)
    run = await start_run(stack, prospects=1, wait="2s")
    [prospect] = run.prospects
    await stack.sink.wait_until_stalled(within=30)
    stored_before_the_kill = len(stack.sink.arrived)

    await stack.kill_worker()
    stack.sink.release()
    await stack.start_worker()
    await run.post([form(prospect, DEMO_FORM), consumed(prospect, "one")])
    await run.wait_for_mail("three", within=60)
    states = await run.finish(within=30)

    tally = await run.tally()
    tally.report(f"worker killed at {stall}", record_property)
    assert stored_before_the_kill == (1 if stall == "data" else 0)
    assert tally.emails_expected == 4  # three e-mails and the demo task's notice
    tally.assert_nothing_lost_or_doubled()
    assert_complete(states, run)
    # The first e-mail's fate as the outbox knows it; the rest went out normally.
    assert tally.outbox == outbox
