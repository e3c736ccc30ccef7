"""The sales inbox: my open tasks by deadline, the queue's unassigned ones, and one task with the
prospect's history beside it and the outcome buttons.

"Me" is the logged-in salesperson's user (their key's `user`): they see their own tasks only,
as through the API. A manager or an admin picks "me" among the assignees seen in the tasks
table, in the page header, kept in a cookie (`?assignee=` picks too), and sees the queues. An
outcome goes through `tasks.record_task_outcome`, the code behind `POST /tasks/{id}/outcome`,
so the journey hears of it exactly as from the API.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api import publishing
from api import tasks as tasks_api
from api.deps import DatabaseDep, SessionDep, SettingsDep, TemporalDep
from api.task_history import prospect_history
from api.ui.forms import read_form
from api.ui.guard import ViewerDep
from api.ui.outcome_form import CHOICES, OutcomeFormError, choice_of, outcome_from_form
from api.ui.rendering import UI_PATH, Flash, error_page, page, redirect, sentence
from nurture.tables import Enrollment, ProspectRecord, SalesTask

router = APIRouter()
NAV = "inbox"
ME_COOKIE = "nurture_me"
RECENT_LIMIT = 5
LIST_LIMIT = 200


async def _assignees(session: AsyncSession) -> list[str]:
    rows = await session.exec(
        select(SalesTask.assignee)
        .where(col(SalesTask.assignee).is_not(None))
        .distinct()
        .order_by(col(SalesTask.assignee))
    )
    return [assignee for assignee in rows if assignee]


async def _tasks(session: AsyncSession, *, assignee: str | None, closed: bool) -> list[SalesTask]:
    """Open (or recently closed) tasks of `assignee`, or unassigned ones when it is None."""
    statement = select(SalesTask).where(
        col(SalesTask.assignee).is_(None) if assignee is None else SalesTask.assignee == assignee
    )
    if closed:
        statement = (
            statement.where(SalesTask.status == "closed")
            .order_by(col(SalesTask.closed_at).desc())
            .limit(RECENT_LIMIT)
        )
    else:
        # Soonest deadline first, so overdue tasks lead; tasks without a deadline last.
        statement = (
            statement.where(SalesTask.status != "closed")
            .order_by(col(SalesTask.due_at).asc().nulls_last(), col(SalesTask.created_at))
            .limit(LIST_LIMIT)
        )
    return list(await session.exec(statement))


async def _prospects(
    session: AsyncSession, tasks: Iterable[SalesTask]
) -> dict[str, ProspectRecord]:
    ids = {task.prospect_id for task in tasks}
    if not ids:
        return {}
    rows = await session.exec(select(ProspectRecord).where(col(ProspectRecord.id).in_(ids)))
    return {prospect.id: prospect for prospect in rows}


@router.get("/inbox")
async def inbox_page(
    request: Request, session: SessionDep, viewer: ViewerDep, assignee: str | None = None
) -> Response:
    can_pick = viewer.sees_all_tasks
    if can_pick:
        me = (assignee if assignee is not None else request.cookies.get(ME_COOKIE)) or None
    else:
        me = viewer.user
    mine = await _tasks(session, assignee=me, closed=False) if me else []
    recent = await _tasks(session, assignee=me, closed=True) if me else []
    # Unassigned tasks are nobody's own: only those who see every task see the queues.
    queue = await _tasks(session, assignee=None, closed=False) if can_pick else []
    response = page(
        request,
        "inbox.html",
        nav=NAV,
        me=me,
        can_pick=can_pick,
        assignees=await _assignees(session) if can_pick else [],
        mine=mine,
        queue=queue,
        recent=recent,
        prospects=await _prospects(session, [*mine, *queue, *recent]),
        choices={choice.kind: choice for choice in CHOICES},
    )
    if can_pick and assignee:
        response.set_cookie(ME_COOKIE, assignee, path=UI_PATH, max_age=365 * 86400, samesite="lax")
    elif can_pick and assignee == "":
        response.delete_cookie(ME_COOKIE, path=UI_PATH)
    return response


@router.get("/inbox/tasks/{task_id}")
async def task_page(
    request: Request, task_id: str, session: SessionDep, settings: SettingsDep, viewer: ViewerDep
) -> Response:
    task = await session.get(SalesTask, task_id)
    if task is None or not viewer.may_see_task(task.assignee):
        return error_page(request, status_code=404, message=f"unknown task {task_id!r}", nav=NAV)
    history, scores = await prospect_history(
        session, prospect_id=task.prospect_id, workflow_id=task.workflow_id
    )
    journey = await publishing.latest_version(session, task.journey_id)
    temporal_link = (
        f"{settings.temporal_ui_url.rstrip('/')}/namespaces/{quote(settings.temporal_namespace)}"
        f"/workflows/{quote(task.workflow_id, safe='')}"
    )
    return page(
        request,
        "task.html",
        nav=NAV,
        task=task,
        prospect=await session.get(ProspectRecord, task.prospect_id),
        enrollment=await session.get(Enrollment, task.workflow_id),
        journey_name=journey.name if journey is not None else task.journey_id,
        # Newest first, what just happened matters most: the history is oldest first, one
        # instant's decisions in the order they were made, so reversed they read back from the
        # outcome to its cause, as the rest of the page does.
        history=list(reversed(history)),
        score=scores[-1].score if scores else None,
        choices=CHOICES,
        outcome_choice=choice_of(task.outcome or ""),
        temporal_link=temporal_link,
    )


@router.post("/inbox/tasks/{task_id}/outcome")
async def record_outcome(
    request: Request, task_id: str, db: DatabaseDep, temporal: TemporalDep, viewer: ViewerDep
) -> Response:
    here = f"/ui/inbox/tasks/{quote(task_id, safe='')}"
    form = await read_form(request)
    try:
        body = outcome_from_form(form)
    except OutcomeFormError as problem:
        return redirect(here, flash=Flash("error", sentence(str(problem))))
    try:
        answer = await tasks_api.record_task_outcome(
            db, temporal, task_id=task_id, body=body, seen_by=viewer
        )
    except HTTPException as refused:
        return redirect(here, flash=Flash("error", sentence(str(refused.detail))))
    choice = choice_of(body.outcome)
    label = choice.label if choice is not None else body.outcome
    again = " (it had been recorded already)" if answer.duplicate else ""
    text = f"Recorded “{label}” for “{answer.task.title}”{again}"
    # A closed task leaves the list: back to the inbox for the next one.
    target = here if answer.task.status != "closed" else "/ui/inbox"
    return redirect(target, flash=Flash("success", text))
