"""Everything that happens because time passed: resumes, scheduled actions, inactivity.

`next_action` is the single answer to "when must the workflow wake up next, and why"; the
workflow sleeps until then (or until an event), so no polling and no cron.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from definitions.durations import format_duration
from definitions.model import JourneyDefinition, SendStep
from workflows.actions import fire, run_actions, send_content
from workflows.contract import NextAction
from workflows.decay import decay_due_at
from workflows.sales import sales_deadlines
from workflows.state import JourneyState
from workflows.turn import Turn

Item = TypeVar("Item")


def resume_if_due(turn: Turn) -> None:
    state = turn.state
    if state.paused_until is None or state.paused_until > turn.now:
        return
    state.paused_until = None
    if state.status == "paused":
        state.status = "active"
    turn.decide("resumed", "pause ended; the journey continues where it stopped")
    deferred, state.deferred_sends = state.deferred_sends, []
    for item in deferred:
        send_content(turn, item.content_id, f"{item.reason} (deferred by the pause)", item.rule_id)


def release_due_holds(turn: Turn) -> bool:
    """Held e-mails whose moment came are decided again: sent, or held once more."""
    state = turn.state
    if turn.is_paused or state.is_terminal:
        return False
    due, state.held_sends = _split_due(state.held_sends, turn, when=lambda held: held.until)
    if not due:
        return False
    for held in due:
        send_content(
            turn, held.content_id, f"{held.reason} (was held: {held.held_because})", held.rule_id
        )
    return True


def run_due_scheduled(turn: Turn) -> bool:
    """Run scheduled rule actions that are due; while paused they wait for the resume."""
    state = turn.state
    if turn.is_paused or state.is_terminal:
        return False
    due, state.scheduled = _split_due(state.scheduled, turn, when=lambda item: item.due_at)
    if not due:
        return False
    for item in sorted(due, key=lambda scheduled: scheduled.due_at):
        rule = turn.definition.rule(item.rule_id)
        late = "" if item.due_at == turn.now else f" (due {item.due_at:%Y-%m-%d %H:%M} UTC)"
        run_actions(turn, rule, f"rule {rule.id!r}{late}, scheduled after {item.cause}")
    return True


def _split_due(
    items: list[Item], turn: Turn, *, when: Callable[[Item], datetime]
) -> tuple[list[Item], list[Item]]:
    """(the items due by now, the ones still to come), each in its original order."""
    due = [item for item in items if when(item) <= turn.now]
    return due, [item for item in items if when(item) > turn.now]


def run_due_inactivity(turn: Turn) -> bool:
    state = turn.state
    if turn.is_paused or state.is_terminal:
        return False
    fired_any = False
    for rule in turn.definition.rules:
        if rule.when.inactive_for is None:
            continue
        deadline = state.last_activity_at + rule.when.inactive_for
        if deadline > turn.now or state.inactivity_fired.get(rule.id) == state.last_activity_at:
            continue
        # Remember the activity time it fired for: it fires again only after new activity.
        state.inactivity_fired[rule.id] = state.last_activity_at
        quiet = format_duration(rule.when.inactive_for)
        fired_any |= fire(turn, rule, f"no activity for {quiet}")
    return fired_any


def next_action(definition: JourneyDefinition, state: JourneyState) -> NextAction | None:
    """When the journey must next wake up on its own, and what for; None when it never will."""
    if state.is_terminal:
        return None
    # SLA clocks run whatever the prospect does; sales works while the prospect is away.
    candidates: list[NextAction] = sales_deadlines(definition, state)
    if state.paused_until is not None:
        # Everything else waits for the resume, so the resume is the next thing to happen.
        candidates.append(NextAction(at=state.paused_until, description="resume after the pause"))
        return min(candidates, key=lambda action: action.at)
    cursor = state.cursor
    if cursor is not None and state.status == "active":
        candidates.append(
            NextAction(at=cursor.due_at, description=_describe_step(definition, state))
        )
    candidates.extend(
        NextAction(at=item.due_at, description=f"scheduled actions of rule {item.rule_id!r}")
        for item in state.scheduled
    )
    candidates.extend(
        NextAction(at=held.until, description=f"send the held {held.content_id!r}")
        for held in state.held_sends
    )
    decays_at = decay_due_at(definition, state)
    if decays_at is not None:
        candidates.append(NextAction(at=decays_at, description="score decay"))
    for rule in definition.rules:
        quiet = rule.when.inactive_for
        if quiet is None or state.inactivity_fired.get(rule.id) == state.last_activity_at:
            continue
        if rule.fires_once and rule.id in state.fired_once:
            continue
        candidates.append(
            NextAction(
                at=state.last_activity_at + quiet,
                description=f"check rule {rule.id!r} ({format_duration(quiet)} without activity)",
            )
        )
    return min(candidates, key=lambda action: action.at, default=None)


def _describe_step(definition: JourneyDefinition, state: JourneyState) -> str:
    cursor = state.cursor
    assert cursor is not None
    steps = definition.sequences[cursor.stage].steps
    if cursor.waiting_until is not None:
        return f"{cursor.stage} step {cursor.step + 1}: stop waiting for the awaited event"
    if cursor.step >= len(steps):
        return f"end of the {cursor.stage} sequence"
    step = steps[cursor.step]
    if isinstance(step, SendStep):
        return f"{cursor.stage} step {cursor.step + 1}: send {step.send!r}"
    return f"{cursor.stage} step {cursor.step + 1}"
