"""Publishing from the browser: edit the YAML, validate it, publish it as the next version.

The page goes through the API's own code: `journeys.read_definition` (as `POST
/journeys/validate` and `POST /journeys` do) and `publishing.publish`. Problems are shown beside
the lines they name, and the text the marketer typed is always kept.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from sqlmodel.ext.asyncio.session import AsyncSession

from api import journeys as journeys_api
from api import publishing
from api.deps import DatabaseDep, SessionDep
from api.schemas import DefinitionErrorOut
from api.ui.forms import read_form
from api.ui.rendering import Flash, page, redirect
from api.ui.source_view import annotate
from api.ui.starter import STARTER_DEFINITION
from definitions.model import JourneyDefinition

router = APIRouter()
NAV = "journeys"


async def _journey_name(session: AsyncSession, journey_id: str | None) -> str | None:
    latest = await publishing.latest_version(session, journey_id) if journey_id else None
    return latest.name if latest is not None else None


def _editor(
    request: Request,
    *,
    source: str,
    journey_id: str | None,
    journey_name: str | None,
    status_code: int = 200,
    problems: list[DefinitionErrorOut] | None = None,
    error: str | None = None,
    valid: JourneyDefinition | None = None,
) -> Response:
    annotated = annotate(source, problems or [])
    context: dict[str, Any] = {
        "source": source,
        "journey_id": journey_id,
        "journey_name": journey_name,
        "problems": problems or [],
        "annotated": annotated,
        "error": error,
        "valid": valid,
        "line_count": max(1, len(source.splitlines())),
    }
    return page(request, "publish.html", nav=NAV, status_code=status_code, **context)


@router.get("/publish")
async def publish_form(
    request: Request, session: SessionDep, journey: str | None = None
) -> Response:
    """The editor: the latest source of `journey`, or a small valid journey to start from."""
    latest = await publishing.latest_version(session, journey) if journey else None
    if latest is None:
        return _editor(request, source=STARTER_DEFINITION, journey_id=None, journey_name=None)
    return _editor(request, source=latest.source, journey_id=journey, journey_name=latest.name)


@router.post("/publish")
async def publish_submit(request: Request, db: DatabaseDep, session: SessionDep) -> Response:
    form = await read_form(request)
    # Browsers send a textarea's line breaks as CRLF; the file the marketer meant has LF.
    source = form.get("source", "").replace("\r\n", "\n")
    journey_id = form.get("journey") or None
    editor = functools.partial(
        _editor,
        request,
        source=source,
        journey_id=journey_id,
        journey_name=await _journey_name(session, journey_id),
    )
    try:
        # Off the event loop, as the API does: a large definition takes seconds to check.
        definition = await asyncio.to_thread(
            journeys_api.read_definition, source.encode("utf-8"), "application/yaml"
        )
    except journeys_api.DefinitionRejected as rejected:
        return editor(status_code=422, problems=rejected.errors)
    except HTTPException as refused:
        return editor(status_code=refused.status_code, error=str(refused.detail))
    if form.get("action") != "publish":
        return editor(valid=definition)
    try:
        published = await publishing.publish(db, definition=definition, source=source)
    except publishing.PublishConflict as conflict:
        return editor(status_code=409, error=str(conflict))
    target = f"/ui/journeys/{published.journey_id}?version={published.version}"
    if published.created:
        return redirect(target, flash=Flash("success", f"Published v{published.version}"))
    return redirect(
        target, flash=Flash("info", f"Already published as v{published.version}: nothing changed")
    )
