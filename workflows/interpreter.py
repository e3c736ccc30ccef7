"""The journey interpreter: (definition, state, input, now) -> (new state, commands, decisions).

Pure: no I/O, no clock, no Temporal. The workflow feeds it enrolments, events and timer
wake-ups; simulations and tests call it directly. Each entry point runs one turn to quiescence:
everything that follows at this instant (rules firing rules, sequence steps that are due) is
done before it returns.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from definitions.durations import format_duration
from definitions.model import JourneyDefinition
from workflows.actions import (
    add_points,
    end_journey,
    fire,
    fire_rules,
    hold_send,
    pause_until,
    stop_sequence,
)
from workflows.commands import Outcome, SendEmail
from workflows.contract import SendResult
from workflows.decay import run_due_decay
from workflows.events import (
    ACTIVITY_EVENT_TYPES,
    EmailBounced,
    OutOfOffice,
    ProspectEvent,
    SalesOutcome,
    TaskReassigned,
)
from workflows.goals import check_event_goals, check_state_goals
from workflows.local_time import local_resume_time
from workflows.matching import Happening
from workflows.sales import (
    apply_outcome,
    apply_reassignment,
    run_due_escalations,
    run_due_resurface,
)
from workflows.sequences import match_waiting_step, run_due_steps
from workflows.state import (
    APPLIED_EVENT_IDS_KEPT,
    Cursor,
    JourneyState,
    Prospect,
    StageVisit,
)
from workflows.timing import (
    release_due_holds,
    resume_if_due,
    run_due_inactivity,
    run_due_scheduled,
)
from workflows.turn import Turn

MAX_SETTLE_ROUNDS = 50


def enroll(
    definition: JourneyDefinition, prospect: Prospect, now: datetime, *, decisions_before: int = 0
) -> tuple[JourneyState, Outcome]:
    """Start a journey. A re-entry numbers its decisions on from the earlier entries' last one,
    so the audit trail of one workflow id never has two decisions with the same number."""
    first = definition.first_stage
    state = JourneyState(
        prospect=prospect,
        journey_id=definition.journey,
        version=definition.version or 0,
        enrolled_at=now,
        stage=first,
        last_activity_at=now,
        stage_history=[StageVisit(stage=first, entered_at=now, reason="enrolled")],
        cursor=Cursor(stage=first, due_at=now) if first in definition.sequences else None,
        decision_count=decisions_before,
    )
    turn = Turn.begin(definition, state, now)
    turn.decide("enrolled", f"enrolled in {definition.journey} v{state.version} at stage {first}")
    fire_rules(turn, Happening(type="stage_entered", stage=first))
    _settle(turn, score_before=0)
    return turn.outcome()


def apply_event(
    definition: JourneyDefinition, state: JourneyState, event: ProspectEvent, now: datetime
) -> tuple[JourneyState, Outcome]:
    """Apply one prospect event. The same event id twice changes nothing the second time."""
    if event.id in state.applied_event_ids or state.is_terminal:
        return state, Outcome()
    turn = Turn.begin(definition, state, now)
    turn.event = event
    turn.state.applied_event_ids = [*state.applied_event_ids, event.id][-APPLIED_EVENT_IDS_KEPT:]
    occurred_at = event.occurred_at or now
    if event.type in ACTIVITY_EVENT_TYPES and occurred_at > turn.state.last_activity_at:
        turn.state.last_activity_at = min(occurred_at, now)
    happening = _happening(definition, event)
    turn.decide("event_applied", f"received {happening.describe()}", event_id=event.id)
    score_before = turn.state.score
    rules_apply = _BUILT_IN[event.type](turn, event) is not False
    if rules_apply and not turn.state.is_terminal:
        check_event_goals(turn, happening)
    if rules_apply and not turn.state.is_terminal:
        match_waiting_step(turn, happening)
        fire_rules(turn, happening)
    _settle(turn, score_before=score_before)
    return turn.outcome()


def advance(
    definition: JourneyDefinition, state: JourneyState, now: datetime
) -> tuple[JourneyState, Outcome]:
    """Do whatever has become due by `now`: resumes, scheduled actions, inactivity, steps."""
    if state.is_terminal:
        return state, Outcome()
    turn = Turn.begin(definition, state, now)
    score_before = turn.state.score
    resume_if_due(turn)
    run_due_escalations(turn)
    run_due_resurface(turn)
    release_due_holds(turn)
    run_due_scheduled(turn)
    run_due_inactivity(turn)
    run_due_decay(turn)
    _settle(turn, score_before=score_before)
    return turn.outcome()


def _settle(turn: Turn, *, score_before: int) -> None:
    for _ in range(MAX_SETTLE_ROUNDS):
        # Goals first: a prospect who reached one gets nothing a rule would do at this instant.
        if check_state_goals(turn) and turn.state.is_terminal:
            return
        fired = _run_score_rules(turn, score_before)
        stepped = run_due_steps(turn)
        if not (fired or stepped):
            return


def _run_score_rules(turn: Turn, score_before: int) -> bool:
    """A score rule fires when the score reaches its threshold (by default once ever)."""
    fired = False
    for rule in turn.definition.rules:
        threshold = rule.when.score_at_least
        if threshold is None or turn.state.score < threshold:
            continue
        if not rule.fires_once and score_before >= threshold:
            continue  # repeatable rules fire on crossing, not on every turn above the line
        fired |= fire(turn, rule, f"score {turn.state.score} reached {threshold}")
    return fired


def _happening(definition: JourneyDefinition, event: ProspectEvent) -> Happening:
    data = event.data
    content_id = getattr(data, "content_id", None)
    item = definition.find_content(content_id)
    return Happening(
        type=event.type,
        event_id=event.id,
        content_id=content_id,
        content_stage=item.stage if item else None,
        form_id=getattr(data, "form_id", None),
        channel=getattr(data, "channel", None),
        outcome=getattr(data, "outcome", None),
        alternate_contact=getattr(data, "alternate_contact", None) is not None,
    )


def _on_content_consumed(turn: Turn, event: ProspectEvent) -> None:
    content_id = getattr(event.data, "content_id", "")
    item = turn.definition.find_content(content_id)
    if item is None:
        turn.decide(
            "event_ignored",
            f"no points: {content_id!r} is not in this journey's catalogue",
            event_id=event.id,
        )
        return
    if content_id in turn.state.consumed:
        turn.decide(
            "event_ignored", f"no points: {content_id!r} was already consumed", event_id=event.id
        )
        return
    turn.state.consumed[content_id] = event.occurred_at or turn.now
    add_points(turn, item.points, f"consumed {content_id!r}, a {item.stage}-stage item")


def _on_stopping_event(turn: Turn, event: ProspectEvent) -> None:
    stop_sequence(turn, f"the prospect got in touch ({event.type.replace('_', ' ')})")


def _on_out_of_office(turn: Turn, event: ProspectEvent) -> None:
    assert isinstance(event, OutOfOffice)
    defaults = turn.definition.defaults
    contact = event.data.alternate_contact
    if contact is not None:
        turn.state.prospect.attributes["alternate_contact"] = contact.model_dump(mode="json")
        named = ", ".join(part for part in (contact.name, contact.email, contact.phone) if part)
        turn.decide("marked", f"recorded the alternate contact the autoreply names: {named}")
    return_date = event.data.return_date
    if return_date is not None:
        until = local_resume_time(
            turn.state, return_date, hour=defaults.resume_hour, default_zone=defaults.timezone
        )
        reason = f"out of office until {return_date.isoformat()}"
    else:
        until = turn.now + defaults.out_of_office_pause
        length = format_duration(defaults.out_of_office_pause)
        reason = f"out of office with no return date (default pause {length})"
    pause_until(turn, until, reason)


def _on_unsubscribed(turn: Turn, event: ProspectEvent) -> None:
    end_journey(turn, "unsubscribed", "the prospect unsubscribed; nothing more will be sent")


def _on_bounced(turn: Turn, event: ProspectEvent) -> bool:
    assert isinstance(event, EmailBounced)
    data = event.data
    why = " ".join(part for part in (data.status, data.diagnostic) if part) or "no reason given"
    if not data.permanent:
        turn.decide("event_ignored", f"delivery delayed, the server keeps trying: {why}")
        return False
    state = turn.state
    if not state.undeliverable:
        state.undeliverable = True
        state.undeliverable_reason = f"bounced: {why}"
        turn.decide("status", f"address marked undeliverable, nothing more will be sent: {why}")
        stop_sequence(turn, "the address is undeliverable")
    return True


def _on_sales_outcome(turn: Turn, event: ProspectEvent) -> bool:
    assert isinstance(event, SalesOutcome)
    return apply_outcome(turn, event)


def _on_task_reassigned(turn: Turn, event: ProspectEvent) -> bool:
    assert isinstance(event, TaskReassigned)
    return apply_reassignment(turn, event)


def _no_built_in(turn: Turn, event: ProspectEvent) -> None:
    """Forms mean what the definition's rules say they mean."""


# A built-in returning False stops the event there: no rule and no waiting step sees it.
_BUILT_IN: dict[str, Callable[[Turn, ProspectEvent], bool | None]] = {
    "content_consumed": _on_content_consumed,
    "form_submitted": _no_built_in,
    "email_replied": _on_stopping_event,
    "channel_contact": _on_stopping_event,
    "out_of_office": _on_out_of_office,
    "unsubscribed": _on_unsubscribed,
    "email_bounced": _on_bounced,
    "sales_outcome": _on_sales_outcome,
    "task_reassigned": _on_task_reassigned,
}


def record_send_failure(
    definition: JourneyDefinition,
    state: JourneyState,
    *,
    content_id: str,
    reason: str,
    address_rejected: bool,
    now: datetime,
) -> tuple[JourneyState, Outcome]:
    """A send that can never succeed; a rejected address stops all further sending."""
    turn = Turn.begin(definition, state, now)
    turn.decide("send_failed", f"{content_id!r} was not delivered: {reason}")
    if address_rejected and not turn.state.undeliverable:
        turn.state.undeliverable = True
        turn.state.undeliverable_reason = reason
        stop_sequence(turn, "the address is undeliverable")
    return turn.outcome()


def apply_send_result(
    definition: JourneyDefinition,
    state: JourneyState,
    *,
    command: SendEmail,
    result: SendResult,
    now: datetime,
) -> tuple[JourneyState, Outcome]:
    """The sending policy held an e-mail back: it was not sent; defer or drop it, as told.

    An e-mail sent with an uncertain fate is recorded as such, so the timeline says it may
    not have arrived."""
    if result.status == "sent":
        if not result.uncertain:
            return state, Outcome()
        turn = Turn.begin(definition, state, now)
        turn.decide("send", f"{command.content_id!r} may not have arrived: {result.reason}")
        return turn.outcome()
    turn = Turn.begin(definition, state, now)
    turn.state.sent = [message for message in turn.state.sent if message.key != command.key]
    because = result.reason or "the sending policy"
    if result.status == "dropped" or result.until is None:
        turn.decide("send_skipped", f"not sent {command.content_id!r}: {because} (dropped)")
    else:
        hold_send(
            turn,
            command.content_id,
            command.reason,
            until=result.until,
            because=because,
            rule_id=command.rule_id,
        )
    return turn.outcome()
