"""A prospect's audit timeline and full-record export, read from the workflows' history."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, status

from api.deps import SessionDep, SettingsDep, TemporalDep
from audit.export import prospect_export
from audit.service import UnknownProspect, prospect_timeline
from audit.timeline import ProspectTimeline

router = APIRouter(prefix="/prospects", tags=["audit"])

_UNKNOWN: dict[int | str, dict[str, Any]] = {404: {"description": "Unknown prospect."}}


@router.get("/{prospect_id}/timeline", responses=_UNKNOWN)
async def get_timeline(
    prospect_id: str, session: SessionDep, settings: SettingsDep, temporal: TemporalDep
) -> ProspectTimeline:
    """Every event received, decision (with its reason, version and rule), e-mail sent, task,
    and run start and end, in order, built from the Temporal history of every journey run."""
    try:
        return await prospect_timeline(
            client=temporal, session=session, settings=settings, prospect_id=prospect_id
        )
    except UnknownProspect as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from error


@router.get("/{prospect_id}/export", responses=_UNKNOWN)
async def get_export(
    prospect_id: str, session: SessionDep, settings: SettingsDep, temporal: TemporalDep
) -> dict[str, Any]:
    """The prospect's full record (for a data-subject request): contact data, journeys with
    their state, events, e-mails sent, tasks, e-mails they sent back, decisions, timeline."""
    try:
        return await prospect_export(
            client=temporal, session=session, settings=settings, prospect_id=prospect_id
        )
    except UnknownProspect as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from error
