"""Journey pages: the list of published journeys, and one journey drawn with its rules in words."""

from __future__ import annotations

from collections import Counter

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response
from markupsafe import Markup
from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api import journeys as journeys_api
from api import publishing
from api.deps import SessionDep
from api.ui.diagram import journey_svg
from api.ui.rendering import error_page, page, redirect
from api.ui.rule_words import Words
from nurture.tables import Enrollment, JourneyVersion

router = APIRouter()
NAV = "journeys"


@router.get("/")
async def home() -> Response:
    return redirect("/ui/journeys")


async def _prospect_counts(session: AsyncSession) -> dict[str, Counter[str]]:
    """Per journey, how many prospects are in each status (from the projections)."""
    rows = await session.exec(
        select(Enrollment.journey_id, Enrollment.status, func.count()).group_by(
            col(Enrollment.journey_id), col(Enrollment.status)
        )
    )
    counts: dict[str, Counter[str]] = {}
    for journey_id, status, count in rows:
        counts.setdefault(journey_id, Counter())[status] = count
    return counts


@router.get("/journeys")
async def journeys_page(request: Request, session: SessionDep) -> Response:
    summaries = await journeys_api.list_journeys(session)
    cards = []
    for summary in summaries:
        row = await publishing.find_version(session, summary.id, summary.version)
        stages = publishing.definition_of(row).stages if row is not None else []
        cards.append({"summary": summary, "stages": stages})
    return page(
        request,
        "journeys.html",
        nav=NAV,
        cards=cards,
        counts=await _prospect_counts(session),
    )


@router.get("/journeys/{journey_id}")
async def journey_page(
    request: Request,
    journey_id: str,
    session: SessionDep,
    version: int | None = Query(default=None, ge=1),
) -> Response:
    try:
        row = await publishing.version_or_404(session, journey_id, version)
    except HTTPException as error:
        return error_page(request, status_code=404, message=str(error.detail), nav=NAV)
    definition = publishing.definition_of(row)
    versions = list(
        await session.exec(
            select(JourneyVersion.version, JourneyVersion.published_at)
            .where(JourneyVersion.journey_id == journey_id)
            .order_by(col(JourneyVersion.version).desc())
        )
    )
    words = Words(definition)
    return page(
        request,
        "journey.html",
        nav=NAV,
        definition=definition,
        row=row,
        versions=versions,
        latest=versions[0][0],
        diagram=Markup(journey_svg(definition)),  # built from escaped text only
        rules=[words.rule(rule) for rule in definition.rules],
        goals=[words.goal(goal) for goal in definition.goals],
        words=words,
    )
