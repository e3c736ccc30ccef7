"""A hypothesis state machine over one prospect's lifecycle, against a real database and SMTP.

Each example enrols a prospect in the demo journey and then, step by step, lets time pass, has
the prospect act (read, fill in forms, reply, go on vacation, unsubscribe, complain, bounce),
has sales report outcomes, and carries out the journey's e-mails — some of them through a
fault: the worker dies during DATA, the activity runs twice (one after the other or
overlapping), the SMTP server refuses the recipient with 550 5.1.1 — while an unsubscribe or a
bounce may overtake a send already decided on. After every step the invariants are checked
against what the SMTP servers actually received: nothing to a suppressed address, at most one
e-mail per step key (and none answered as sent missing), and a journey state that is always
valid.

100 examples take about 15 s. A longer search (about 0.2 s an example):
`NURTURE_MACHINE_EXAMPLES=1000 pytest --timeout 0 tests/integration/test_lifecycle_machine.py`.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar, get_args

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from definitions.loader import load_file
from definitions.vocabulary import SALES_OUTCOMES
from nurture.settings import Settings
from nurture.smtp_sink import MailSink
from tests.fixtures.database import settings_for
from tests.integration.lifecycle_shell import PROSPECT, JourneyShell, SendFault, Sinks
from workflows.events import PROSPECT_EVENT
from workflows.state import JourneyState, Status
from workflows.timing import next_action

DEMO = load_file(Path(__file__).parents[2] / "definitions" / "b2b_funnel.yaml")
CONTENT_IDS = [item.id for item in DEMO.content] + ["not-in-the-catalogue"]
FORM_IDS = ["ebook-download", "contract-request", "contract-signed", "order-delivered", "survey"]

MACHINE_SETTINGS = settings(
    max_examples=int(os.environ.get("NURTURE_MACHINE_EXAMPLES", "100")),
    stateful_step_count=25,
    # The same examples on every run, so CI fails (or passes) the same way each time.
    derandomize=True,
    database=None,
    deadline=None,
    # Each example builds a database and talks SMTP: slower than hypothesis expects.
    suppress_health_check=[HealthCheck.too_slow],
)

# A step either finds the workflow idle (waiting for time or an event) or waiting for a send it
# started. While idle, time passes, the prospect acts, sales reports; while a send is in flight,
# the send completes (perhaps with a fault) or an event overtakes it. Events for an ended journey
# change nothing and would use up the example's steps; a webhook delivered again still reaches it.
when_idle = precondition(lambda self: not self.shell.in_flight)
when_idle_and_running = precondition(
    lambda self: not self.shell.in_flight and not self.shell.state.is_terminal
)
when_sending = precondition(lambda self: bool(self.shell.in_flight))

# Events that change whether the e-mail in flight may still go: they reach the API (and the
# suppression list) while the workflow waits for the send it already decided on.
OVERTAKING_EVENTS: list[tuple[str, dict[str, Any]]] = [
    ("unsubscribed", {}),
    ("unsubscribed", {"reason": "complaint"}),
    ("email_bounced", {"recipient": PROSPECT.email, "status": "5.1.1", "permanent": True}),
    ("email_bounced", {"recipient": PROSPECT.email, "status": "4.2.2", "permanent": False}),
    ("email_replied", {"text": "Stop for now, I will call you."}),
    ("out_of_office", {"text": "Away until further notice."}),
]

DURATIONS = st.one_of(
    st.integers(1, 59).map(lambda minutes: timedelta(minutes=minutes)),
    st.integers(1, 23).map(lambda hours: timedelta(hours=hours)),
    st.integers(1, 6).map(lambda days: timedelta(days=days)),
    st.integers(1, 4).map(lambda weeks: timedelta(weeks=weeks)),
)


class LifecycleMachine(RuleBasedStateMachine):
    # Set per test by `machine_for`: the sinks run once per test, not once per example.
    sinks: ClassVar[Sinks]
    base_settings: ClassVar[Settings]

    def __init__(self) -> None:
        super().__init__()
        self.sinks.clear()
        self.folder = Path(tempfile.mkdtemp(prefix="lifecycle-machine-"))
        self.shell = JourneyShell(
            definition=DEMO, settings=self.base_settings, sinks=self.sinks, folder=self.folder
        )
        self.events_sent = 0

    def teardown(self) -> None:
        self.shell.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _event(self, kind: str, **data: Any) -> None:
        self.events_sent += 1
        self.shell.receive(
            PROSPECT_EVENT.validate_python(
                {"id": f"e-{self.events_sent}", "prospect_id": PROSPECT.id, "type": kind}
                | {"data": data}
            )
        )

    # ------------------------------------------------------------------ time

    @when_idle
    @rule(duration=DURATIONS)
    def time_passes(self, duration: timedelta) -> None:
        self.shell.pass_time(duration)

    @when_idle
    @rule()
    def the_next_wake_up_comes(self) -> None:
        # Most drawn durations end before anything is due; this reaches the next thing that is.
        self.shell.pass_time(None)

    # ------------------------------------------------------------------ the prospect and sales

    @when_idle_and_running
    @rule(content_id=st.sampled_from(CONTENT_IDS))
    def content_consumed(self, content_id: str) -> None:
        self._event("content_consumed", content_id=content_id)

    @when_idle_and_running
    @rule(form_id=st.sampled_from(FORM_IDS))
    def form_submitted(self, form_id: str) -> None:
        self._event("form_submitted", form_id=form_id)

    @when_idle_and_running
    @rule()
    def replied(self) -> None:
        self._event("email_replied", text="Can we talk on Thursday?")

    @when_idle_and_running
    @rule(days_away=st.none() | st.integers(0, 45))
    def out_of_office(self, days_away: int | None) -> None:
        if days_away is None:
            self._event("out_of_office", text="I am away with limited access to e-mail.")
        else:
            back = self.shell.now.date() + timedelta(days=days_away)
            self._event("out_of_office", return_date=back.isoformat())

    @when_idle_and_running
    @rule(channel=st.sampled_from(["phone", "linkedin"]))
    def contacted_through_another_channel(self, channel: str) -> None:
        self._event("channel_contact", channel=channel)

    @when_idle_and_running
    @rule(reason=st.sampled_from([None, "complaint", "too many e-mails"]))
    def unsubscribed(self, reason: str | None) -> None:
        self._event("unsubscribed", reason=reason)

    @when_idle_and_running
    @rule(permanent=st.booleans())
    def bounced(self, permanent: bool) -> None:
        status = "5.1.1" if permanent else "4.2.2"
        self._event("email_bounced", recipient=PROSPECT.email, status=status, permanent=permanent)

    @when_idle_and_running
    @precondition(lambda self: any(task.status != "closed" for task in self.shell.state.tasks))
    @rule(data=st.data())
    def sales_reports_an_outcome(self, data: st.DataObject) -> None:
        open_tasks = [task.id for task in self.shell.state.tasks if task.status != "closed"]
        task_id = data.draw(st.sampled_from(open_tasks), label="task")
        outcome = data.draw(st.sampled_from(SALES_OUTCOMES), label="outcome")
        until = self.shell.now.date() + timedelta(days=data.draw(st.integers(1, 60)))
        self._event("sales_outcome", task_id=task_id, outcome=outcome, until=until.isoformat())

    @when_idle
    @precondition(lambda self: bool(self.shell.received))
    @rule(data=st.data())
    def a_webhook_is_delivered_again(self, data: st.DataObject) -> None:
        self.shell.receive(data.draw(st.sampled_from(self.shell.received), label="again"))

    # ------------------------------------------------------------------ the journey's e-mails

    @when_sending
    @rule(event=st.sampled_from(OVERTAKING_EVENTS))
    def an_event_overtakes_the_send(self, event: tuple[str, dict[str, Any]]) -> None:
        kind, data = event
        self._event(kind, **data)

    @when_sending
    @rule()
    def send(self) -> None:
        self.shell.carry_out_next_send("none")

    @when_sending
    @rule()
    def the_worker_dies_during_data(self) -> None:
        self.shell.carry_out_next_send("worker_died_during_data")

    @when_sending
    @rule(overlapping=st.booleans())
    def the_activity_runs_twice(self, overlapping: bool) -> None:
        fault: SendFault = "ran_twice_overlapping" if overlapping else "ran_twice"
        self.shell.carry_out_next_send(fault)

    @when_sending
    @rule()
    def smtp_refuses_the_recipient(self) -> None:
        self.shell.carry_out_next_send("recipient_refused")

    # ------------------------------------------------------------------ invariants

    @invariant()
    def nothing_went_to_a_suppressed_address(self) -> None:
        received = self.sinks.received()
        # Every message the sink holds came from a send of this machine, so each is judged.
        assert len(self.shell.deliveries) == len(received)
        to_suppressed = [d for d in self.shell.deliveries if d.suppressed_before]
        assert to_suppressed == [], f"sent after the address was suppressed: {to_suppressed}"

    @invariant()
    def at_most_one_email_per_step_key(self) -> None:
        copies = Counter(str(caught.message["Message-ID"]) for caught in self.sinks.received())
        duplicates = {
            self.shell.issued.get(message_id, message_id): count
            for message_id, count in copies.items()
            if count > 1
        }
        assert duplicates == {}, f"step keys delivered more than once: {duplicates}"
        assert set(copies) <= set(self.shell.issued), "a message from no step key arrived"
        # And none lost: every send the activity answered as sent is in the sink.
        assert self.shell.answered_sent <= set(copies)

    @invariant()
    def the_journey_state_is_valid(self) -> None:
        state = self.shell.state
        assert JourneyState.model_validate(state.model_dump()) == state
        assert state.status in get_args(Status)
        assert self.shell.commands_not_allowed == [], (
            "commands from an ended or undeliverable journey"
        )
        after_undeliverable = [d for d in self.shell.deliveries if d.undeliverable_before]
        assert after_undeliverable == [], "sent to a prospect known to be undeliverable"
        if not self.shell.in_flight:
            # A wake-up due now would have been done; one in the past would spin the workflow.
            upcoming = next_action(DEMO, state)
            assert upcoming is None or upcoming.at > self.shell.now, upcoming


def machine_for(*, sinks: Sinks, base_settings: Settings) -> type[LifecycleMachine]:
    return type(
        "ProspectLifecycle", (LifecycleMachine,), {"sinks": sinks, "base_settings": base_settings}
    )


def test_the_prospect_lifecycle_keeps_its_promises(
    smtp_sink: MailSink, refusing_sink: MailSink, hesitant_sink: MailSink
) -> None:
    # A plain function: the machine runs its coroutines on loops of its own.
    machine = machine_for(
        sinks=Sinks(accepting=smtp_sink, refusing=refusing_sink, hesitant=hesitant_sink),
        # Each example gets a database of its own; the shell puts its URL in.
        base_settings=settings_for(database_url="sqlite+aiosqlite://", smtp_port=smtp_sink.port),
    )
    run_state_machine_as_test(machine, settings=MACHINE_SETTINGS)
