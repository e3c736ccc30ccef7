"""The pure part of the audit timeline: decoded history entries in, timeline items out.

The entries are built by hand around what the real interpreter decides, so the items carry the
same decisions, e-mails and tasks a running journey would put in its history.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from audit.entries import (
    ActivityCompleted,
    ActivityFailed,
    ActivityScheduled,
    HistoryEntry,
    RunClosed,
    RunStarted,
    SignalReceived,
    Unreadable,
)
from audit.timeline import RunKey, TimelineItem, in_order, run_items, temporal_ui_link
from definitions.model import JourneyDefinition
from tests.unit.journey_helpers import PROSPECT, START, event, small_journey
from workflows import interpreter
from workflows.commands import CreateTask, Outcome, SendEmail
from workflows.contract import (
    CreateTaskInput,
    JourneyInput,
    MigrateInput,
    RecordProjectionInput,
    SendEmailInput,
    SendResult,
    TaskAssignment,
)
from workflows.state import JourneyState

RUN = RunKey(journey_id="small", workflow_id="journey:small:prospect:p-1", run_id="run-1")
MS = timedelta(milliseconds=1)
REPLY_AT = START + timedelta(hours=5)


def definition(version: int = 3) -> JourneyDefinition:
    return small_journey().model_copy(update={"version": version})


def send_input(
    journey: JourneyDefinition, state: JourneyState, command: SendEmail, at: datetime
) -> SendEmailInput:
    return SendEmailInput(
        key=command.key,
        workflow_id=RUN.workflow_id,
        journey_id=journey.journey,
        journey_name=journey.name,
        version=state.version,
        stage=state.stage,
        prospect=state.prospect,
        content=journey.content_item(command.content_id),
        sender=journey.sender,
        reason=command.reason,
        at=at,
    )


def task_input(
    journey: JourneyDefinition, state: JourneyState, command: CreateTask, at: datetime
) -> CreateTaskInput:
    return CreateTaskInput(
        workflow_id=RUN.workflow_id,
        journey_id=journey.journey,
        version=state.version,
        prospect=state.prospect,
        task=command,
        state=state,
        sender=journey.sender,
        at=at,
    )


def projection(state: JourneyState, outcome: Outcome, at: datetime) -> RecordProjectionInput:
    return RecordProjectionInput(
        workflow_id=RUN.workflow_id, state=state, decisions=outcome.decisions, at=at
    )


def enrolment_entries(journey: JourneyDefinition) -> tuple[JourneyState, list[HistoryEntry]]:
    """A run's start: enrolled, the first e-mail sent, the decisions projected."""
    state, outcome = interpreter.enroll(journey, PROSPECT, START)
    [send] = outcome.commands
    assert isinstance(send, SendEmail)
    return state, [
        RunStarted(at=START - MS, journey=JourneyInput(definition=journey, prospect=PROSPECT)),
        ActivityScheduled(
            at=START + MS,
            scheduled_id=5,
            activity="send_email",
            input=send_input(journey, state, send, START),
        ),
        ActivityCompleted(
            at=START + 2 * MS,
            scheduled_id=5,
            result=SendResult(status="sent", message_id="<m-1@acme.test>", subject="A1 for Ada"),
        ),
        ActivityScheduled(
            at=START + 3 * MS,
            scheduled_id=11,
            activity="record_projection",
            input=projection(state, outcome, START),
        ),
    ]


def reply_entries(
    journey: JourneyDefinition, state: JourneyState
) -> tuple[JourneyState, list[HistoryEntry]]:
    """A reply arrives and hands the prospect to sales: a task, then the decisions projected."""
    reply = event("reply-1", "email_replied", text="Call me on Monday")
    state, outcome = interpreter.apply_event(journey, state, reply, REPLY_AT)
    [task] = outcome.commands
    assert isinstance(task, CreateTask)
    return state, [
        SignalReceived(at=REPLY_AT - MS, name="event", payload=reply),
        ActivityScheduled(
            at=REPLY_AT + MS,
            scheduled_id=20,
            activity="create_task",
            input=task_input(journey, state, task, REPLY_AT),
        ),
        ActivityCompleted(
            at=REPLY_AT + 2 * MS,
            scheduled_id=20,
            result=TaskAssignment(task_id="t-1", assignee="marta@acme.test"),
        ),
        ActivityScheduled(
            at=REPLY_AT + 3 * MS,
            scheduled_id=26,
            activity="record_projection",
            input=projection(state, outcome, REPLY_AT),
        ),
    ]


def kinds(items: list[TimelineItem]) -> list[tuple[str, str]]:
    return [(item.kind, item.type) for item in items]


def test_a_run_reads_as_its_start_events_decisions_emails_tasks_and_end() -> None:
    journey = definition(version=3)
    state, started = enrolment_entries(journey)
    state, replied = reply_entries(journey, state)
    closed = RunClosed(at=REPLY_AT + 4 * MS, status="continued_as_new", detail="run run-2")

    items = in_order([run_items(run=RUN, entries=[*started, *replied, closed])])

    assert kinds(items) == [
        ("run", "started"),
        ("decision", "enrolled"),
        ("decision", "send"),
        ("decision", "sequence_step"),
        ("email", "sent"),
        ("event", "email_replied"),
        ("decision", "event_applied"),
        ("decision", "sequence_stopped"),
        ("decision", "task"),
        ("decision", "status"),
        ("task", "handoff"),
        ("run", "continued_as_new"),
    ]
    assert {item.version for item in items} == {3}
    assert all(
        (item.journey_id, item.workflow_id, item.run_id)
        == ("small", "journey:small:prospect:p-1", "run-1")
        for item in items
    )
    assert [item.at for item in items] == sorted(item.at for item in items)


def test_decisions_keep_their_reason_rule_event_and_sequence_number() -> None:
    journey = definition()
    state, started = enrolment_entries(journey)
    _, replied = reply_entries(journey, state)

    items = run_items(run=RUN, entries=[*started, *replied])

    decisions = [item for item in items if item.kind == "decision"]
    assert [item.details["seq"] for item in decisions] == list(range(1, len(decisions) + 1))
    task = next(item for item in decisions if item.type == "task")
    assert task.rule_id == "reply"
    assert task.at == REPLY_AT
    applied = next(item for item in decisions if item.type == "event_applied")
    assert applied.event_id == "reply-1"
    assert "They replied" in task.summary
    event_item = next(item for item in items if item.kind == "event")
    assert (event_item.event_id, event_item.at) == ("reply-1", REPLY_AT - MS)
    assert event_item.summary == 'email replied: "Call me on Monday"'


def test_an_email_item_names_subject_template_and_message_id() -> None:
    journey = definition()
    _, started = enrolment_entries(journey)

    [email] = [item for item in run_items(run=RUN, entries=started) if item.kind == "email"]

    assert email.type == "sent"
    assert email.at == START
    assert email.stage == "a"
    assert email.details["message_id"] == "<m-1@acme.test>"
    assert email.details["subject"] == "A1 for Ada"
    assert email.details["subject_template"] == "A1"
    assert email.details["content_id"] == "a1"
    assert email.details["template"]["body"] == "<a href='{{ link }}'>A1</a>"
    assert email.summary.startswith('e-mail "A1 for Ada" (a1) sent, message id <m-1@acme.test>: ')


def test_a_task_item_names_its_id_assignee_and_reason() -> None:
    journey = definition()
    state, _ = enrolment_entries(journey)
    _, replied = reply_entries(journey, state)

    [task] = [item for item in run_items(run=RUN, entries=replied) if item.kind == "task"]

    assert (task.type, task.at) == ("handoff", REPLY_AT)
    assert task.details["task_id"] == "t-1"
    assert task.details["assignee"] == "marta@acme.test"
    assert task.details["title"] == "They replied"
    assert task.summary.startswith('hand-off to sales "They replied" (assignee marta@acme.test): ')


def test_held_back_failed_and_unfinished_sends_say_so() -> None:
    _, started = enrolment_entries(definition())
    scheduled = started[1]
    assert isinstance(scheduled, ActivityScheduled)
    later = START + timedelta(days=1)
    deferred = ActivityCompleted(
        at=START,
        scheduled_id=5,
        result=SendResult(status="deferred", until=later, reason="quiet period: Christmas"),
    )
    failed = ActivityFailed(at=START, scheduled_id=5, message="AddressRejected: 550 no such user")

    def email(*entries: HistoryEntry) -> TimelineItem:
        [item] = [i for i in run_items(run=RUN, entries=list(entries)) if i.kind == "email"]
        return item

    held = email(scheduled, deferred)
    assert held.type == "deferred"
    assert held.details["until"] == later.isoformat()
    assert "held back until" in held.summary and "quiet period: Christmas" in held.summary
    bounced = email(scheduled, failed)
    assert bounced.type == "failed"
    assert "AddressRejected: 550 no such user" in bounced.summary
    assert email(scheduled).type == "sending"


def test_a_continued_run_and_a_migration_follow_the_version_in_force() -> None:
    old, new = definition(version=1), definition(version=2)
    state, outcome = interpreter.enroll(old, PROSPECT, START)
    continued = JourneyInput(definition=old, prospect=PROSPECT, state=state, run_number=2)
    migrated = state.model_copy(update={"version": 2})
    later = START + timedelta(days=2)
    migrate = MigrateInput(migration_id="m-7", definition=new)
    click = event("click", "content_consumed", content_id="a1")
    entries: list[HistoryEntry] = [
        RunStarted(at=START, journey=continued, continued_from="run-0"),
        SignalReceived(at=later - MS, name="migrate", payload=migrate),
        SignalReceived(at=later, name="event", payload=click),
        ActivityScheduled(
            at=later + MS,
            scheduled_id=9,
            activity="record_projection",
            input=projection(migrated, outcome, later),
        ),
    ]

    items = run_items(run=RUN, entries=entries)

    assert kinds(items)[:3] == [
        ("run", "continued"),
        ("run", "migration_requested"),
        ("event", "content_consumed"),
    ]
    assert items[0].details == {"run_number": 2, "continued_from": "run-0"}
    assert "version 2 (m-7)" in items[1].summary
    assert [item.version for item in items[:3]] == [1, 1, 1]
    assert {item.version for item in items[3:]} == {2}


def test_runs_merge_by_time_then_start_event_decision_email_task_end_then_history() -> None:
    journey = definition()
    state, started = enrolment_entries(journey)
    _, replied = reply_entries(journey, state)
    first = run_items(run=RUN, entries=started)
    second_run = RunKey(journey_id="small", workflow_id=RUN.workflow_id, run_id="run-2")
    second = run_items(run=second_run, entries=replied)

    items = in_order([second, first])

    assert [item.run_id for item in items] == ["run-1"] * len(first) + ["run-2"] * len(second)
    same_instant = [item for item in items if item.at == START]
    assert [item.kind for item in same_instant] == ["decision", "decision", "decision", "email"]


def test_an_unreadable_payload_is_shown_not_hidden() -> None:
    entry = Unreadable(at=START, what="history event 12", error="field required: state")

    [item] = run_items(run=RUN, entries=[entry])

    assert (item.kind, item.type) == ("run", "unreadable")
    assert item.summary == "could not read history event 12: field required: state"


def test_the_temporal_ui_link_quotes_the_workflow_id() -> None:
    link = temporal_ui_link(
        ui_url="http://localhost:8233/",
        namespace="default",
        workflow_id="journey:b2b:prospect:ada/1",
        run_id="0193-ab",
    )

    assert link == (
        "http://localhost:8233/namespaces/default/workflows/"
        "journey%3Ab2b%3Aprospect%3Aada%2F1/0193-ab/history"
    )
