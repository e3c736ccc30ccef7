"""The sales side of a journey: outcomes flowing back, SLA clocks and re-surfacing.

Article 004: a lead handed to sales must be contacted within the agreed time, and what sales
learns goes back to marketing — a rejected lead returns to nurturing, not to the bin. The
engine does the bookkeeping here (which task, whose clock, whether the prospect is back with
marketing); what follows an outcome is the definition's rules, as for any other event.
"""

from __future__ import annotations

from datetime import datetime

from definitions.durations import format_duration
from definitions.model import JourneyDefinition
from definitions.vocabulary import PROGRESS_OUTCOMES
from workflows import commands
from workflows.actions import fire_rules
from workflows.contract import NextAction
from workflows.events import SalesOutcome, TaskReassigned
from workflows.local_time import local_resume_time
from workflows.matching import Happening
from workflows.state import JourneyState, TaskRef
from workflows.turn import Turn


def apply_outcome(turn: Turn, event: SalesOutcome) -> bool:
    """Record the outcome on its task; False when it must change nothing (task closed)."""
    data, state = event.data, turn.state
    task = state.task(data.task_id)
    if data.task_id is not None and task is None:
        # Another journey's task: that journey's workflow applies it (a prospect may be in
        # several journeys, and an outcome must not act in all of them).
        turn.decide(
            "event_ignored",
            f"outcome {data.outcome} is for task {data.task_id}, not one of this journey's",
            event_id=event.id,
        )
        return False
    if task is not None and task.status == "closed":
        turn.decide(
            "event_ignored",
            f"outcome {data.outcome} ignored: task {task.id} was already closed ({task.outcome})",
            event_id=event.id,
        )
        return False
    if task is not None:
        task.status = "in_progress" if data.outcome in PROGRESS_OUTCOMES else "closed"
        task.outcome = data.outcome
    detail = "; ".join(
        part
        for part in (data.reason, data.note, data.until and f"until {data.until.isoformat()}")
        if part
    )
    on_task = f" on task {task.title!r}" if task else ""
    turn.decide(
        "outcome",
        f"sales outcome {data.outcome}{on_task}" + (f": {detail}" if detail else ""),
        event_id=event.id,
    )
    if data.bant is not None:
        known = {key: value for key, value in data.bant.model_dump().items() if value}
        state.prospect.attributes["bant"] = {**state.prospect.attributes.get("bant", {}), **known}
    if data.new_contact is not None:
        state.prospect.attributes["right_contact"] = data.new_contact.model_dump(mode="json")
    if data.outcome == "not_now" and data.until is not None:
        defaults = turn.definition.defaults
        state.resurface_at = local_resume_time(
            state, data.until, hour=defaults.resume_hour, default_zone=defaults.timezone
        )
        turn.decide(
            "scheduled",
            f"re-surfaces on {data.until.isoformat()}: sales said not now",
            event_id=event.id,
        )
    _return_to_marketing_if_released(turn, data.outcome)
    return True


def _return_to_marketing_if_released(turn: Turn, outcome: str) -> None:
    state = turn.state
    if state.status != "handed_off" or outcome in PROGRESS_OUTCOMES:
        return
    if any(task.kind == "handoff" and task.status != "closed" for task in state.tasks):
        return
    state.status = "paused" if turn.is_paused else "active"
    turn.decide("status", f"back with marketing: sales closed the hand-off ({outcome})")


def apply_reassignment(turn: Turn, event: TaskReassigned) -> bool:
    """A person passed the task on: the new assignee gets the full SLA from now."""
    task = turn.state.task(event.data.task_id)
    if task is None or task.status == "closed":
        why = "is not this journey's" if task is None else "is closed"
        turn.decide(
            "event_ignored",
            f"reassignment ignored: task {event.data.task_id} {why}",
            event_id=event.id,
        )
        return False
    sla = task.due_at - task.at if task.due_at is not None else None
    task.assignee = event.data.assignee
    task.at = turn.now
    task.due_at = turn.now + sla if sla is not None else None
    task.escalations_done = 0
    reason = f"task {task.title!r} reassigned to {task.assignee}" + (
        f": {event.data.note}" if event.data.note else ""
    )
    turn.commands.append(
        commands.NotifyReassigned(
            key=turn.next_key("reassigned"),
            task_id=task.id,
            assignee=task.assignee,
            reason=reason,
        )
    )
    turn.decide("task", reason, event_id=event.id)
    return False


def record_assignee(state: JourneyState, task_id: str, assignee: str | None) -> JourneyState:
    """The activity picked the salesperson (round robin needs the database); remember who."""
    task = state.task(task_id)
    if task is None or assignee is None or task.assignee == assignee:
        return state
    updated = state.model_copy(deep=True)
    updated_task = updated.task(task_id)
    assert updated_task is not None
    updated_task.assignee = assignee
    return updated


def run_due_escalations(turn: Turn) -> bool:
    """Overdue tasks take their queue's next escalation step; a pause does not stop the clock."""
    escalated = False
    for task in turn.state.tasks:
        step = _next_step(turn.definition, task)
        if step is None or step[0] > turn.now:
            continue
        action = step[1]
        task.escalations_done += 1
        overdue = format_duration(turn.now - task.due_at) if task.due_at else "?"
        reason = f"task {task.title!r} not acted on {overdue} after its deadline"
        turn.commands.append(
            commands.EscalateTask(
                key=turn.next_key("escalate"), task_id=task.id, action=action, reason=reason
            )
        )
        turn.decide("escalated", f"{action.replace('_', ' ')}: {reason}")
        escalated = True
    return escalated


def run_due_resurface(turn: Turn) -> bool:
    state = turn.state
    if state.resurface_at is None or state.resurface_at > turn.now:
        return False
    state.resurface_at = None
    turn.decide("resurfaced", "the date sales gave with 'not now' has come")
    fire_rules(turn, Happening(type="resurfaced"))
    return True


def sales_deadlines(definition: JourneyDefinition, state: JourneyState) -> list[NextAction]:
    actions = [
        NextAction(at=at, description=f"{action.replace('_', ' ')} about task {task.title!r}")
        for task in state.tasks
        if (step := _next_step(definition, task)) is not None
        for at, action in [step]
    ]
    if state.resurface_at is not None:
        actions.append(NextAction(at=state.resurface_at, description="re-surface after not now"))
    return actions


def _next_step(definition: JourneyDefinition, task: TaskRef) -> tuple[datetime, str] | None:
    if not task.awaits_action or task.due_at is None:
        return None
    queue = definition.sales.queue(task.queue)
    if queue is None or task.escalations_done >= len(queue.escalation):
        return None
    step = queue.escalation[task.escalations_done]
    return task.due_at + step.after, step.do
