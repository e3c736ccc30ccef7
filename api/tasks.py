"""Sales tasks created by journeys (hand-offs and follow-ups), newest first."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Query, status
from sqlmodel import col, select

from api.deps import SessionDep
from api.schemas import TaskDetailOut, TaskOut
from nurture.tables import SalesTask

router = APIRouter(prefix="/tasks", tags=["tasks"])


def _summary(task: SalesTask) -> dict[str, object]:
    return task.model_dump(exclude={"key", "context"})


@router.get("")
async def list_tasks(
    session: SessionDep,
    assignee: str | None = None,
    status_: str | None = Query(default=None, alias="status", description="e.g. open, done"),
    queue: str | None = None,
    prospect_id: str | None = None,
    limit: int = Query(default=100, ge=1, le=1000),
) -> list[TaskOut]:
    statement = select(SalesTask)
    if assignee is not None:
        statement = statement.where(SalesTask.assignee == assignee)
    if status_ is not None:
        statement = statement.where(SalesTask.status == status_)
    if queue is not None:
        statement = statement.where(SalesTask.queue == queue)
    if prospect_id is not None:
        statement = statement.where(SalesTask.prospect_id == prospect_id)
    statement = statement.order_by(col(SalesTask.created_at).desc(), col(SalesTask.id)).limit(limit)
    return [TaskOut.model_validate(_summary(task)) for task in await session.exec(statement)]


@router.get("/{task_id}", responses={404: {"description": "Unknown task."}})
async def get_task(task_id: str, session: SessionDep) -> TaskDetailOut:
    """One task with its context: the journey as it was when the task was made."""
    task = await session.get(SalesTask, task_id)
    if task is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"unknown task {task_id!r}")
    return TaskDetailOut.model_validate({**_summary(task), "context": task.context})
