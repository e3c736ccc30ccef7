"""Prospect pages: search, and one prospect with the state of each journey and the timeline.

The state comes from `api.prospects.get_prospect` (the running workflow's own answer, the
projection when it has ended or does not answer), the timeline from
`audit.service.prospect_timeline` (the workflows' history): the page shows what the API says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.service import RPCError

from api import journeys as journeys_api
from api import prospects as prospects_api
from api import publishing
from api.deps import SessionDep, SettingsDep, TemporalDep
from api.schemas import ProspectJourneyOut
from api.ui.prospect_search import search_prospects
from api.ui.rendering import error_page, page
from api.ui.timeline_view import by_day, kind_counts
from audit.service import prospect_timeline
from audit.timeline import ProspectTimeline, RunRef
from definitions.model import Stage
from nurture.tables import SalesTask

router = APIRouter()
NAV = "prospects"


@dataclass(frozen=True)
class JourneyCard:
    """One journey of the prospect: its state and what the page shows around it."""

    state: ProspectJourneyOut
    name: str
    stages: list[Stage] = field(default_factory=list)
    open_tasks: list[SalesTask] = field(default_factory=list)
    runs: list[RunRef] = field(default_factory=list)

    @property
    def stage_name(self) -> str:
        named = {stage.id: stage.name or stage.id for stage in self.stages}
        return named.get(self.state.stage, self.state.stage)


async def _journey_names(session: AsyncSession) -> dict[str, str]:
    return {summary.id: summary.name for summary in await journeys_api.list_journeys(session)}


@router.get("/prospects")
async def prospects_page(
    request: Request,
    session: SessionDep,
    q: str = "",
    page_number: int = Query(default=1, alias="page"),
) -> Response:
    result = await search_prospects(session, query=q, page=page_number)
    return page(
        request,
        "prospects.html",
        nav=NAV,
        result=result,
        journey_names=await _journey_names(session),
    )


async def _open_tasks(session: AsyncSession, prospect_id: str) -> list[SalesTask]:
    rows = await session.exec(
        select(SalesTask)
        .where(SalesTask.prospect_id == prospect_id)
        .where(SalesTask.status != "closed")
        .order_by(col(SalesTask.due_at).asc().nulls_last(), col(SalesTask.created_at))
    )
    return list(rows)


async def _card(
    session: AsyncSession,
    state: ProspectJourneyOut,
    *,
    tasks: list[SalesTask],
    timeline: ProspectTimeline | None,
) -> JourneyCard:
    row = await publishing.find_version(session, state.journey_id, state.version)
    definition = publishing.definition_of(row) if row is not None else None
    return JourneyCard(
        state=state,
        name=definition.name if definition is not None else state.journey_id,
        stages=list(definition.stages) if definition is not None else [],
        open_tasks=[task for task in tasks if task.workflow_id == state.workflow_id],
        # Newest run first: the one still running is the one to open.
        runs=sorted(
            (
                run
                for run in (timeline.runs if timeline else [])
                if run.workflow_id == state.workflow_id
            ),
            key=lambda run: run.started_at,
            reverse=True,
        ),
    )


@router.get("/prospects/{prospect_id}")
async def prospect_page(
    request: Request,
    prospect_id: str,
    session: SessionDep,
    settings: SettingsDep,
    temporal: TemporalDep,
) -> Response:
    try:
        prospect = await prospects_api.get_prospect(prospect_id, session, temporal)
    except HTTPException as error:
        return error_page(
            request, status_code=error.status_code, message=str(error.detail), nav=NAV
        )
    problems: list[str] = []
    timeline: ProspectTimeline | None = None
    try:
        timeline = await prospect_timeline(
            client=temporal, session=session, settings=settings, prospect_id=prospect_id
        )
        problems += timeline.warnings
    except RPCError as error:
        problems.append(f"The timeline could not be read from Temporal ({error.message}).")
    tasks = await _open_tasks(session, prospect_id)
    cards = [
        await _card(session, state, tasks=tasks, timeline=timeline) for state in prospect.journeys
    ]
    items = timeline.items if timeline else []
    return page(
        request,
        "prospect.html",
        nav=NAV,
        prospect=prospect,
        cards=cards,
        days=by_day(items, now=datetime.now(UTC)),
        kinds=kind_counts(items),
        item_count=len(items),
        problems=problems,
    )
