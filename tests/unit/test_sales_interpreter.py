"""Outcomes, SLA escalation and re-surfacing in the pure interpreter."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import cache

from definitions.loader import load_file
from definitions.model import JourneyDefinition
from tests.unit.journey_helpers import DATA, PROSPECT, START, event
from workflows import interpreter
from workflows.commands import CreateTask, EnrollContact, EscalateTask, NotifyReassigned
from workflows.events import ProspectEvent
from workflows.state import JourneyState
from workflows.timing import next_action

DAY = timedelta(days=1)


@cache
def journey() -> JourneyDefinition:
    return load_file(DATA / "sales_journey.yaml")


def handed_off() -> tuple[JourneyState, CreateTask]:
    state, _ = interpreter.enroll(journey(), PROSPECT, START)
    state, outcome = interpreter.apply_event(
        journey(), state, event("read-o1", "content_consumed", content_id="o1"), START + DAY
    )
    [task] = [c for c in outcome.commands if isinstance(c, CreateTask)]
    return state, task


def test_a_hand_off_starts_an_sla_clock_and_says_when_it_runs_out() -> None:
    state, task = handed_off()

    assert state.status == "handed_off"
    assert task.task_id and task.due_at == START + 3 * DAY
    upcoming = next_action(journey(), state)
    assert upcoming is not None and upcoming.at == START + 3 * DAY
    assert "remind" in upcoming.description


def test_an_untouched_task_escalates_step_by_step_on_its_queue_ladder() -> None:
    state, _ = handed_off()
    actions = []
    for days in (3, 4, 5, 6):
        state, outcome = interpreter.advance(journey(), state, START + days * DAY)
        actions += [c.action for c in outcome.commands if isinstance(c, EscalateTask)]

    assert actions == ["remind", "notify_manager", "reassign"]
    assert state.tasks[0].escalations_done == 3


def test_a_progress_outcome_stops_the_clock_but_keeps_the_task_open() -> None:
    state, task = handed_off()
    state, _ = interpreter.apply_event(
        journey(), state, outcome_event("o-1", task.task_id, "contacted"), START + 2 * DAY
    )
    state, outcome = interpreter.advance(journey(), state, START + 10 * DAY)

    assert state.tasks[0].status == "in_progress"
    assert state.status == "handed_off"
    assert not [c for c in outcome.commands if isinstance(c, EscalateTask)]


def test_not_now_returns_the_prospect_to_nurture_and_resurfaces_on_the_date() -> None:
    state, task = handed_off()
    state, _ = interpreter.apply_event(
        journey(),
        state,
        outcome_event("o-1", task.task_id, "not_now", until="2026-11-02", note="budget in Q4"),
        START + 2 * DAY,
    )
    assert (state.stage, state.status, state.lifecycle) == ("nurture", "active", "lead")
    resurface = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)  # 09:00 in Warsaw (CET)
    assert state.resurface_at == resurface

    early, outcome = interpreter.advance(journey(), state, resurface - timedelta(minutes=1))
    assert not [c for c in outcome.commands if isinstance(c, CreateTask)]
    later, outcome = interpreter.advance(journey(), early, resurface)
    assert [c.title for c in outcome.commands if isinstance(c, CreateTask)] == ["Try again"]
    assert later.status == "handed_off"


def test_a_duplicate_outcome_is_applied_once_and_a_closed_task_takes_no_other() -> None:
    state, task = handed_off()
    won = outcome_event("o-1", task.task_id, "won")
    state, _ = interpreter.apply_event(journey(), state, won, START + 2 * DAY)
    again, outcome = interpreter.apply_event(journey(), state, won, START + 3 * DAY)
    assert again == state and outcome.decisions == []

    lost, outcome = interpreter.apply_event(
        journey(), state, outcome_event("o-2", task.task_id, "lost"), START + 3 * DAY
    )
    assert lost.stage == "customer" and lost.tasks[0].outcome == "won"
    assert [d.kind for d in outcome.decisions] == ["event_applied", "event_ignored"]


def test_wrong_person_enrols_the_right_contact() -> None:
    state, task = handed_off()
    right = {"email": "boss@client.test", "first_name": "Bea"}
    state, outcome = interpreter.apply_event(
        journey(),
        state,
        outcome_event("o-1", task.task_id, "wrong_person", new_contact=right),
        START + 2 * DAY,
    )
    [enrol] = [c for c in outcome.commands if isinstance(c, EnrollContact)]
    assert (enrol.email, enrol.journey_id, enrol.referred_by) == (
        "boss@client.test",
        "sales-test",
        PROSPECT.id,
    )
    assert state.status == "completed"
    assert state.prospect.attributes["right_contact"]["email"] == "boss@client.test"


def test_reassignment_restarts_the_sla_for_the_new_assignee() -> None:
    state, task = handed_off()
    moved_at = START + 2 * DAY
    state, outcome = interpreter.apply_event(
        journey(),
        state,
        event("r-1", "task_reassigned", task_id=task.task_id, assignee="bo@acme.test"),
        moved_at,
    )
    [notice] = [c for c in outcome.commands if isinstance(c, NotifyReassigned)]
    assert notice.assignee == "bo@acme.test"
    assert state.tasks[0].due_at == moved_at + 2 * DAY
    assert state.tasks[0].assignee == "bo@acme.test"


def test_bant_answers_are_kept_on_the_prospect() -> None:
    state, task = handed_off()
    state, _ = interpreter.apply_event(
        journey(),
        state,
        outcome_event("o-1", task.task_id, "qualified", bant={"budget": "50k", "need": "yes"}),
        START + 2 * DAY,
    )
    assert state.prospect.attributes["bant"] == {"budget": "50k", "need": "yes"}
    assert state.lifecycle == "lead"  # the definition has no rule for qualified here


def test_a_permanent_bounce_marks_the_address_undeliverable_and_stops_sending() -> None:
    state, _ = interpreter.enroll(journey(), PROSPECT, START)
    state, _ = interpreter.apply_event(
        journey(),
        state,
        event("b-1", "email_bounced", status="5.1.1", diagnostic="user unknown"),
        START + DAY,
    )
    assert state.undeliverable and state.cursor is None
    assert state.undeliverable_reason == "bounced: 5.1.1 user unknown"
    _, outcome = interpreter.apply_event(
        journey(), state, event("c-1", "content_consumed", content_id="o1"), START + 2 * DAY
    )
    assert not [c for c in outcome.commands if c.kind == "send_email"]


def test_a_delay_notice_changes_nothing() -> None:
    state, _ = interpreter.enroll(journey(), PROSPECT, START)
    after, _ = interpreter.apply_event(
        journey(), state, event("b-1", "email_bounced", status="4.4.7", permanent=False), START
    )
    assert not after.undeliverable and after.cursor == state.cursor


def test_an_autoreply_naming_a_colleague_records_them_and_fires_its_rule() -> None:
    state, _ = interpreter.enroll(journey(), PROSPECT, START)
    colleague = {"name": "Jan Nowak", "email": "jan@client.test"}
    state, outcome = interpreter.apply_event(
        journey(),
        state,
        event("ooo-1", "out_of_office", return_date="2026-09-20", alternate_contact=colleague),
        START,
    )
    assert state.prospect.attributes["alternate_contact"]["email"] == "jan@client.test"
    titles = [c.title for c in outcome.commands if isinstance(c, CreateTask)]
    assert titles == ["Write to the colleague they named"]
    assert state.paused_until is not None and state.paused_until.date() == date(2026, 9, 20)


def test_a_replys_words_travel_with_the_task() -> None:
    state, _ = interpreter.enroll(journey(), PROSPECT, START)
    _, outcome = interpreter.apply_event(
        journey(), state, event("r-1", "email_replied", text="Call me on Tuesday"), START
    )
    [task] = [c for c in outcome.commands if isinstance(c, CreateTask)]
    assert task.message == "Call me on Tuesday"


def outcome_event(event_id: str, task_id: str, outcome: str, **data: object) -> ProspectEvent:
    return event(event_id, "sales_outcome", task_id=task_id, outcome=outcome, **data)
