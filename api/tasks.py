"""Sales tasks: the salesperson's list, one task with the prospect's history, outcomes, passing on.

An outcome or a reassignment is recorded on the task row first (so the lists are right at once)
and then applied to the journey that created the task as an event, where the definition's
rules decide what follows. Both are idempotent: a retried request is applied once.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.exceptions import RequestValidationError
from sqlmodel import col, false, select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client

from api.auth import Principal, PrincipalDep
from api.delivery import Delivery, UnknownProspects, deliver_events
from api.deps import DatabaseDep, SessionDep, TemporalDep
from api.task_history import prospect_history
from api.task_schemas import OutcomeIn, ReassignIn, TaskActionOut, TaskDetailOut, TaskOut
from definitions.vocabulary import PROGRESS_OUTCOMES
from nurture.db import Database
from nurture.personal_data import PSEUDONYM_PREFIX
from nurture.tables import EventRecord, SalesTask
from workflows.commands import stable_digest
from workflows.events import PROSPECT_EVENT

router = APIRouter(prefix="/tasks", tags=["tasks"])
_UNKNOWN: dict[int | str, dict[str, Any]] = {404: {"description": "Unknown task."}}
_CLOSED: dict[int | str, dict[str, Any]] = {
    409: {"description": "The task is closed; its outcome was recorded before."}
}


def task_out(task: SalesTask) -> TaskOut:
    return TaskOut.model_validate(task.model_dump(exclude={"key", "context", "notices"}))


@router.get("")
async def list_tasks(
    session: SessionDep,
    principal: PrincipalDep,
    assignee: str | None = None,
    status_: str | None = Query(
        default=None, alias="status", description="open, in_progress or closed"
    ),
    queue: str | None = None,
    prospect_id: str | None = None,
    order: str = Query(
        default="newest", pattern="^(newest|deadline)$", description="newest or deadline"
    ),
    limit: int = Query(default=100, ge=1, le=1000),
) -> list[TaskOut]:
    """Tasks, filtered; a salesperson's key lists only their own (a manager's, all)."""
    statement = select(SalesTask)
    if not principal.sees_all_tasks:
        mine = SalesTask.assignee == principal.user if principal.user else false()
        statement = statement.where(mine)
    for column, value in (
        (SalesTask.assignee, assignee),
        (SalesTask.status, status_),
        (SalesTask.queue, queue),
        (SalesTask.prospect_id, prospect_id),
    ):
        if value is not None:
            statement = statement.where(column == value)
    if order == "deadline":
        statement = statement.order_by(col(SalesTask.due_at).asc().nulls_last())
    statement = statement.order_by(col(SalesTask.created_at).desc(), col(SalesTask.id)).limit(limit)
    return [task_out(task) for task in await session.exec(statement)]


@router.get("/{task_id}", responses=_UNKNOWN)
async def get_task(task_id: str, session: SessionDep, principal: PrincipalDep) -> TaskDetailOut:
    """One task with the prospect's full history, the BANT fields and the allowed outcomes."""
    task = await _task(session, task_id, seen_by=principal)
    history, scores = await prospect_history(
        session, prospect_id=task.prospect_id, workflow_id=task.workflow_id
    )
    return TaskDetailOut.model_validate(
        {
            **task_out(task).model_dump(),
            "context": task.context,
            "history": history,
            "score_over_time": scores,
        }
    )


@router.post("/{task_id}/outcome", responses={**_UNKNOWN, **_CLOSED})
async def record_outcome(
    task_id: str, body: OutcomeIn, db: DatabaseDep, temporal: TemporalDep, principal: PrincipalDep
) -> TaskActionOut:
    """Record what happened; the journey that created the task decides what follows."""
    return await record_task_outcome(db, temporal, task_id=task_id, body=body, seen_by=principal)


async def record_task_outcome(
    db: Database, temporal: Client, *, task_id: str, body: OutcomeIn, seen_by: Principal
) -> TaskActionOut:
    """The one way an outcome is recorded, for the API and the UI's outcome buttons alike.

    On the task row first, then as a `sales_outcome` event to the journey. Raises HTTPException
    404 (also for a task `seen_by` may not see), 409 (closed), 422 (a date in the past) or 503
    (recorded, not yet applied).
    """
    now = datetime.now(UTC)
    until = body.until or (now.date() + _whole_days(body.after) if body.after else None)
    if until is not None and until < now.date():
        # The shape of every other invalid field (the OpenAPI document promises it for 422).
        raise RequestValidationError(
            [
                {
                    "type": "value_error",
                    "loc": ("body", "until" if body.until else "after"),
                    "msg": f"`until` {until} lies in the past",
                    "input": str(body.until or body.after),
                }
            ]
        )
    data = body.model_dump(mode="json", exclude={"id", "after"}, exclude_none=True)
    data.update(task_id=task_id, **({"until": until.isoformat()} if until else {}))
    event_id = body.id or f"outcome:{task_id}:{_digest(data)}"
    async with db.session() as session:
        task = await _task(session, task_id, seen_by=seen_by)
        duplicate = await session.get(EventRecord, event_id) is not None
        if not duplicate:
            if task.status == "closed":
                raise HTTPException(status.HTTP_409_CONFLICT, _why_closed(task))
            _apply_outcome(task, body, now)
            session.add(task)
            await session.commit()
            await session.refresh(task)
    delivery = await _deliver(db, temporal, task, event_id, "sales_outcome", data)
    return _answer(task, delivery)


@router.post("/{task_id}/reassign", responses={**_UNKNOWN, **_CLOSED})
async def reassign(
    task_id: str, body: ReassignIn, db: DatabaseDep, temporal: TemporalDep, principal: PrincipalDep
) -> TaskActionOut:
    """Pass the task to someone else; they are e-mailed and get the full SLA from now."""
    async with db.session() as session:
        task = await _task(session, task_id, seen_by=principal)
        if task.status == "closed":
            raise HTTPException(status.HTTP_409_CONFLICT, _why_closed(task))
        if task.assignee == body.assignee:
            # Already theirs: a retried request, or nothing to do. Either way nothing changes.
            return TaskActionOut(task=task_out(task), event_id="", duplicate=True, delivered_to=[])
        task.assignee = body.assignee
        session.add(task)
        await session.commit()
        await session.refresh(task)
    data = {"task_id": task_id, "assignee": body.assignee, "note": body.note}
    delivery = await _deliver(
        db, temporal, task, f"reassign:{task_id}:{uuid.uuid4().hex}", "task_reassigned", data
    )
    return _answer(task, delivery)


async def _task(session: AsyncSession, task_id: str, *, seen_by: Principal) -> SalesTask:
    task = await session.get(SalesTask, task_id)
    # Another salesperson's task is "unknown" too: a 403 would confirm that it exists.
    if task is None or not seen_by.may_see_task(task.assignee):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"unknown task {task_id!r}")
    return task


def _why_closed(task: SalesTask) -> str:
    closed = f"{task.closed_at:%Y-%m-%d %H:%M} UTC" if task.closed_at else "earlier"
    if task.outcome is None and task.prospect_id.startswith(PSEUDONYM_PREFIX):
        return f"task {task.id} was closed {closed}, when its prospect was erased"
    return f"task {task.id} is closed: its outcome {task.outcome!r} was recorded {closed}"


def _apply_outcome(task: SalesTask, body: OutcomeIn, now: datetime) -> None:
    task.first_action_at = task.first_action_at or now
    if task.due_at is not None and task.first_action_at > task.due_at:
        task.sla_breached = True
    task.outcome = body.outcome
    task.outcome_note = body.note or task.outcome_note
    task.outcome_reason = body.reason or task.outcome_reason
    if body.bant is not None:
        answers = body.bant.model_dump(exclude_none=True)
        task.bant = {**task.bant, **answers}
    if body.outcome in PROGRESS_OUTCOMES:
        task.status = "in_progress"
    else:
        task.status = "closed"
        task.closed_at = now


async def _deliver(
    db: Database,
    temporal: Client,
    task: SalesTask,
    event_id: str,
    event_type: str,
    data: Mapping[str, object],
) -> Delivery | None:
    if not task.workflow_id:
        # A review task (an inbound e-mail for a person to read) belongs to no journey: its
        # outcome or new assignee is recorded on the task alone.
        return None
    event = PROSPECT_EVENT.validate_python(
        {"id": event_id, "prospect_id": task.prospect_id, "type": event_type, "data": data}
    )
    try:
        [delivery] = await deliver_events(db, temporal, [event], only_workflow=task.workflow_id)
    except UnknownProspects:
        # The prospect was erased (the task is kept, pseudonymised, for the reports).
        return None
    if delivery.failed:
        # Recorded, not applied: the same request again re-delivers it (same event id).
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            f"recorded but not yet applied to the journey, send the request again: {delivery.note}",
            headers={"Retry-After": "5"},
        )
    return delivery


def _answer(task: SalesTask, delivery: Delivery | None) -> TaskActionOut:
    if delivery is None:
        return TaskActionOut(task=task_out(task), event_id="", duplicate=False, delivered_to=[])
    return TaskActionOut(
        task=task_out(task),
        event_id=delivery.event.id,
        duplicate=delivery.duplicate,
        delivered_to=delivery.delivered_to,
        note=delivery.note,
    )


def _digest(data: Mapping[str, object]) -> str:
    return stable_digest(json.dumps(data, sort_keys=True))[:16]


def _whole_days(length: timedelta) -> timedelta:
    return timedelta(days=max(1, round(length.total_seconds() / 86400)))
