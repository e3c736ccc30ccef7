"""Rules firing and their actions, one small handler per action kind.

Every change records a decision with its reason, so the audit trail can answer "why did this
prospect get this e-mail?" without reconstructing anything.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Literal

from definitions.durations import format_duration
from definitions.model import (
    Action,
    AddPoints,
    Complete,
    CreateTask,
    EnrollNewContact,
    HandOff,
    MarkAction,
    MoveTo,
    Pause,
    Rule,
    SendAction,
    Split,
    SplitSpec,
    StopSequence,
    TaskSpec,
)
from workflows import commands
from workflows.matching import Happening, guard_holds, trigger_matches
from workflows.send_window import describe as describe_window
from workflows.send_window import next_opening
from workflows.splits import choose_branch
from workflows.state import (
    MAX_SCORE,
    Cursor,
    DeferredSend,
    HeldSend,
    ScheduledActions,
    SentMessage,
    StageVisit,
    TaskRef,
)
from workflows.turn import MAX_RULE_FIRINGS_PER_TURN, Turn


def fire_rules(turn: Turn, happening: Happening) -> None:
    """Run (or schedule, with `after:`) every rule whose trigger matches, in file order."""
    for rule in turn.definition.rules:
        if rule.when.event is not None and trigger_matches(rule.when, happening):
            fire(turn, rule, f"{happening.describe()} happened", event_id=happening.event_id)


def fire(turn: Turn, rule: Rule, cause: str, *, event_id: str | None = None) -> bool:
    """Fire one rule if it may fire now; returns whether it did."""
    state = turn.state
    if state.is_terminal or (rule.fires_once and rule.id in state.fired_once):
        return False
    if not guard_holds(rule.if_, state):
        return False
    if turn.rule_firings >= MAX_RULE_FIRINGS_PER_TURN:
        turn.decide(
            "event_ignored",
            f"rule {rule.id!r} not fired: more than {MAX_RULE_FIRINGS_PER_TURN} rules fired in "
            "one instant, which means rules trigger each other in a loop",
            rule_id=rule.id,
        )
        return False
    turn.rule_firings += 1
    if rule.fires_once:
        state.fired_once.append(rule.id)
    if rule.after is not None:
        state.scheduled.append(
            ScheduledActions(
                key=turn.next_key("scheduled"),
                rule_id=rule.id,
                due_at=turn.now + rule.after,
                cause=cause,
            )
        )
        turn.decide(
            "scheduled",
            f"rule {rule.id!r} will act in {format_duration(rule.after)}: {cause}",
            rule_id=rule.id,
            event_id=event_id,
        )
        return True
    run_actions(turn, rule, f"rule {rule.id!r}: {cause}")
    return True


def run_actions(turn: Turn, rule: Rule, reason: str) -> None:
    run_action_list(turn, rule.do, reason, rule.id)


def run_action_list(
    turn: Turn, actions: Sequence[Action], reason: str, rule_id: str | None
) -> None:
    for action in actions:
        if turn.state.is_terminal:
            break
        _HANDLERS[type(action)](turn, action, reason, rule_id)


def run_split(turn: Turn, spec: SplitSpec, reason: str, rule_id: str | None = None) -> None:
    """Put the prospect in one branch (always the same one) and run what that branch does."""
    state = turn.state
    branch = choose_branch(spec, journey_id=state.journey_id, prospect_id=state.prospect.id)
    state.variants[spec.id] = branch.variant
    turn.decide(
        "split",
        f"split {spec.id!r}: variant {branch.variant!r} ({branch.percent}% of prospects): {reason}",
        rule_id=rule_id,
    )
    run_action_list(turn, branch.do, f"{reason}, variant {branch.variant!r}", rule_id)


def add_points(turn: Turn, points: int, reason: str, rule_id: str | None = None) -> None:
    # Bounded to what the database's score column holds: a projection that cannot be written
    # would stop the journey's reports, and no real score comes near two billion.
    turn.state.score = max(-MAX_SCORE, min(MAX_SCORE, turn.state.score + points))
    turn.decide(
        "points", f"{points:+d} points (score {turn.state.score}): {reason}", rule_id=rule_id
    )


def move_to(turn: Turn, stage: str, reason: str, rule_id: str | None = None) -> None:
    state, definition = turn.state, turn.definition
    before = state.stage
    distance = definition.stage_index(stage) - definition.stage_index(before)
    if distance == 0:
        direction = "restarted"
    elif distance == 1:
        direction = "forward"
    elif distance > 1:
        direction = f"forward, skipping {distance - 1} stage(s)"
    else:
        direction = f"back {-distance} stage(s)"
    state.stage = stage
    state.stage_history.append(StageVisit(stage=stage, entered_at=turn.now, reason=reason))
    state.cursor = Cursor(stage=stage, due_at=turn.now) if stage in definition.sequences else None
    turn.decide(
        "stage_moved", f"moved from {before} to {stage} ({direction}): {reason}", rule_id=rule_id
    )
    fire_rules(turn, Happening(type="stage_entered", stage=stage))


def send_content(turn: Turn, content_id: str, reason: str, rule_id: str | None = None) -> None:
    blocker = turn.send_blocker()
    if blocker is not None and turn.is_paused and not turn.state.undeliverable:
        # Pausing is not cancelling: the e-mail goes out when the prospect is back.
        turn.state.deferred_sends.append(
            DeferredSend(content_id=content_id, reason=reason, rule_id=rule_id)
        )
        turn.decide("send_skipped", f"{content_id!r} deferred: {blocker}", rule_id=rule_id)
        return
    if blocker is not None:
        turn.decide("send_skipped", f"not sent {content_id!r}: {blocker}", rule_id=rule_id)
        return
    opening = window_opening(turn)
    if opening is not None:
        window = turn.definition.sending.window
        assert window is not None  # an opening exists only for a window
        because = f"outside the send window ({describe_window(window, turn.zone)})"
        hold_send(turn, content_id, reason, until=opening, because=because, rule_id=rule_id)
        return
    key = turn.next_key("send")
    item = turn.definition.content_item(content_id)
    turn.commands.append(
        commands.SendEmail(key=key, content_id=content_id, reason=reason, rule_id=rule_id)
    )
    turn.state.sent.append(SentMessage(key=key, content_id=content_id, at=turn.now))
    turn.decide("send", f"send {content_id!r} ({item.stage} content): {reason}", rule_id=rule_id)
    fire_rules(
        turn, Happening(type="content_sent", content_id=content_id, content_stage=item.stage)
    )


def window_opening(turn: Turn) -> datetime | None:
    """None while the journey's send window is open; otherwise when it next opens."""
    window = turn.definition.sending.window
    if window is None:
        return None
    opening = next_opening(window, turn.zone, turn.now)
    return None if opening == turn.now else opening


def hold_send(
    turn: Turn,
    content_id: str,
    reason: str,
    *,
    until: datetime,
    because: str,
    rule_id: str | None = None,
) -> None:
    """Keep an e-mail back until `until`; it is decided again then (window, pause, policy)."""
    turn.state.held_sends.append(
        HeldSend(
            content_id=content_id, reason=reason, until=until, held_because=because, rule_id=rule_id
        )
    )
    turn.decide(
        "send_deferred",
        f"{content_id!r} held until {until:%Y-%m-%d %H:%M} UTC: {because}",
        rule_id=rule_id,
    )


def stop_sequence(turn: Turn, reason: str, rule_id: str | None = None) -> None:
    state = turn.state
    # The sequence's own e-mails still held back (by the window or the policy) stop with it.
    dropped = [held for held in state.held_sends if held.rule_id is None]
    state.held_sends = [held for held in state.held_sends if held.rule_id is not None]
    for held in dropped:
        turn.decide("send_skipped", f"not sent the held {held.content_id!r}: the sequence stopped")
    if state.cursor is None:
        return
    state.cursor = None
    turn.decide("sequence_stopped", f"sequence stopped: {reason}", rule_id=rule_id)


def pause_until(turn: Turn, until: datetime, reason: str, rule_id: str | None = None) -> None:
    state = turn.state
    if until <= turn.now:
        turn.decide("event_ignored", f"no pause: {reason} lies in the past", rule_id=rule_id)
        return
    state.paused_until = until
    if state.status == "active":
        state.status = "paused"
    turn.decide("paused", f"paused until {until:%Y-%m-%d %H:%M} UTC: {reason}", rule_id=rule_id)


def end_journey(turn: Turn, status: str, reason: str, rule_id: str | None = None) -> None:
    state = turn.state
    state.status = "completed" if status == "completed" else "unsubscribed"
    state.cursor = None
    state.scheduled = []
    state.deferred_sends = []
    state.held_sends = []
    state.paused_until = None
    state.ended_reason = reason
    turn.decide("completed", f"journey {state.status}: {reason}", rule_id=rule_id)


def _task(
    turn: Turn,
    spec: TaskSpec,
    task_kind: Literal["handoff", "task"],
    reason: str,
    rule_id: str | None,
) -> None:
    key = turn.next_key(task_kind)
    task_id = commands.task_id_for(key)
    due_at = turn.now + spec.sla if spec.sla else None
    turn.commands.append(
        commands.CreateTask(
            key=key,
            task_id=task_id,
            task_kind=task_kind,
            title=spec.title,
            description=spec.description,
            queue=spec.queue,
            assignee=spec.assignee,
            sla=spec.sla,
            due_at=due_at,
            reason=reason,
            message=_prospect_words(turn),
        )
    )
    turn.state.tasks.append(
        TaskRef(
            key=key,
            id=task_id,
            title=spec.title,
            kind=task_kind,
            at=turn.now,
            queue=spec.queue,
            assignee=spec.assignee,
            due_at=due_at,
        )
    )
    who = spec.assignee or (f"queue {spec.queue}" if spec.queue else "the sales inbox")
    turn.decide("task", f"{task_kind} to {who}: {spec.title!r} ({reason})", rule_id=rule_id)


def _prospect_words(turn: Turn) -> str | None:
    """What the prospect wrote, when this turn applies a reply or an autoreply."""
    if turn.event is None:
        return None
    text = getattr(turn.event.data, "text", None)
    return text if isinstance(text, str) and text.strip() else None


def _on_add_points(turn: Turn, action: AddPoints, reason: str, rule_id: str | None) -> None:
    add_points(turn, action.add_points, reason, rule_id)


def _on_move_to(turn: Turn, action: MoveTo, reason: str, rule_id: str | None) -> None:
    move_to(turn, action.move_to, reason, rule_id)


def _on_mark(turn: Turn, action: MarkAction, reason: str, rule_id: str | None) -> None:
    changes = []
    if action.mark.lifecycle and action.mark.lifecycle != turn.state.lifecycle:
        turn.state.lifecycle = action.mark.lifecycle
        changes.append(f"lifecycle {action.mark.lifecycle}")
    if action.mark.temperature and action.mark.temperature != turn.state.temperature:
        turn.state.temperature = action.mark.temperature
        changes.append(f"temperature {action.mark.temperature}")
    if changes:
        turn.decide("marked", f"marked {', '.join(changes)}: {reason}", rule_id=rule_id)


def _on_handoff(turn: Turn, action: HandOff, reason: str, rule_id: str | None) -> None:
    _task(turn, action.handoff, "handoff", reason, rule_id)
    stop_sequence(turn, "handed off to sales", rule_id)
    if turn.state.status in ("active", "paused"):
        turn.state.status = "handed_off"
        turn.decide("status", f"handed off to sales: {reason}", rule_id=rule_id)


def _on_task(turn: Turn, action: CreateTask, reason: str, rule_id: str | None) -> None:
    _task(turn, action.task, "task", reason, rule_id)


def _on_send(turn: Turn, action: SendAction, reason: str, rule_id: str | None) -> None:
    send_content(turn, action.send, reason, rule_id)


def _on_stop_sequence(turn: Turn, action: StopSequence, reason: str, rule_id: str | None) -> None:
    stop_sequence(turn, reason, rule_id)


def _on_pause(turn: Turn, action: Pause, reason: str, rule_id: str | None) -> None:
    length = format_duration(action.pause)
    pause_until(turn, turn.now + action.pause, f"{length} pause, {reason}", rule_id)


def _on_complete(turn: Turn, action: Complete, reason: str, rule_id: str | None) -> None:
    end_journey(turn, "completed", f"{action.complete} ({reason})", rule_id)


def _on_enroll_new_contact(
    turn: Turn, action: EnrollNewContact, reason: str, rule_id: str | None
) -> None:
    contact = getattr(turn.event.data, "new_contact", None) if turn.event else None
    if contact is None:
        turn.decide(
            "event_ignored", "no new contact enrolled: the outcome names nobody", rule_id=rule_id
        )
        return
    journey_id = action.enroll_new_contact.journey or turn.definition.journey
    turn.commands.append(
        commands.EnrollContact(
            key=turn.next_key("enroll"),
            journey_id=journey_id,
            email=contact.email,
            first_name=contact.first_name,
            company=contact.company or turn.state.prospect.company,
            timezone=contact.timezone or turn.state.prospect.timezone,
            referred_by=turn.state.prospect.id,
            reason=reason,
        )
    )
    turn.decide(
        "task",
        f"enrol {contact.email} in {journey_id}: the right person ({reason})",
        rule_id=rule_id,
    )


def _on_split(turn: Turn, action: Split, reason: str, rule_id: str | None) -> None:
    run_split(turn, action.split, reason, rule_id)


_HANDLERS: dict[type, Callable[[Turn, Any, str, str | None], None]] = {
    AddPoints: _on_add_points,
    MoveTo: _on_move_to,
    MarkAction: _on_mark,
    HandOff: _on_handoff,
    CreateTask: _on_task,
    SendAction: _on_send,
    StopSequence: _on_stop_sequence,
    Pause: _on_pause,
    Complete: _on_complete,
    EnrollNewContact: _on_enroll_new_contact,
    Split: _on_split,
}
