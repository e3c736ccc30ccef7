"""Loading what the reports count: the database side of `analytics` (which does the counting).

Each function reads the rows of one journey (or of all, for hand-offs), turns them into the
plain inputs of the pure report builders and returns their report. Used by the `/reports`
routes and by the web UI. Times given here are taken as UTC when they carry no zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from pydantic import TypeAdapter
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from analytics.content import (
    DEFAULT_WINDOW_DAYS,
    ContentLabel,
    ContentReport,
    ContentTouch,
    build_content_report,
)
from analytics.funnel import FunnelReport, build_funnel_report
from analytics.handoffs import HandoffReport, build_handoff_report
from analytics.paths import JourneyPath, StageEntry, StageLabel
from analytics.periods import as_period
from api.publishing import definition_of, version_or_404
from api.schemas import as_utc
from definitions.model import JourneyDefinition
from nurture.links import CLICK_EVENT_PREFIX
from nurture.tables import Enrollment, EventRecord, JourneyVersion, SalesTask, SentEmail
from workflows.state import TERMINAL_STATUSES, StageVisit

_STAGE_HISTORY = TypeAdapter(list[StageVisit])


async def funnel_report(
    session: AsyncSession, *, journey_id: str, since: datetime | None, until: datetime | None
) -> FunnelReport:
    """The journey's funnel in the newest version's stage order; 404 for an unknown journey."""
    newest = definition_of(await version_or_404(session, journey_id, None))
    return build_funnel_report(
        journey_id=journey_id,
        version=newest.version,
        stages=stage_labels(newest),
        paths=await journey_paths(session, journey_id=journey_id),
        since=_utc(since),
        until=_utc(until),
    )


async def content_report(
    session: AsyncSession,
    *,
    journey_id: str,
    since: datetime | None,
    until: datetime | None,
    window_days: int = DEFAULT_WINDOW_DAYS,
) -> ContentReport:
    """Per content item: sends, tracked clicks, moves forward within `window_days` days."""
    await version_or_404(session, journey_id, None)
    versions = [
        definition_of(row)
        for row in await session.exec(
            select(JourneyVersion)
            .where(JourneyVersion.journey_id == journey_id)
            .order_by(col(JourneyVersion.version).desc())
        )
    ]
    sends = await session.exec(select(SentEmail).where(SentEmail.journey_id == journey_id))
    return build_content_report(
        journey_id=journey_id,
        content=content_labels(versions),
        stages=stage_labels(versions[0]),
        sends=[ContentTouch(row.content_id, row.prospect_id, row.sent_at) for row in sends],
        clicks=await _tracked_clicks(session, journey_id=journey_id),
        paths=await journey_paths(session, journey_id=journey_id),
        since=_utc(since),
        until=_utc(until),
        window_days=window_days,
    )


async def handoff_report(
    session: AsyncSession,
    *,
    journey_id: str | None,
    since: datetime | None,
    until: datetime | None,
    period: str | None,
) -> HandoffReport:
    """Hand-offs and tasks created in [since, until), with `period` `week` or `month` also per
    period; any other period is a ValueError."""
    since, until = _utc(since), _utc(until)
    statement = select(SalesTask)
    if journey_id is not None:
        statement = statement.where(SalesTask.journey_id == journey_id)
    if since is not None:
        statement = statement.where(col(SalesTask.created_at) >= since)
    if until is not None:
        statement = statement.where(col(SalesTask.created_at) < until)
    tasks: list[SalesTask] = list(await session.exec(statement))
    return build_handoff_report(
        tasks=tasks,
        journey_id=journey_id,
        since=since,
        until=until,
        period=as_period(period),
        now=datetime.now(UTC),
    )


def stage_labels(definition: JourneyDefinition) -> list[StageLabel]:
    return [StageLabel(stage.id, stage.name or stage.id) for stage in definition.stages]


def content_labels(versions: Sequence[JourneyDefinition]) -> list[ContentLabel]:
    """The content of the newest version in its order, then content only older versions had
    (an e-mail sent before a migration dropped it), each labelled by the newest that has it."""
    labels: dict[str, ContentLabel] = {}
    for definition in versions:
        for item in definition.content:
            labels.setdefault(item.id, ContentLabel(item.id, item.title, item.stage))
    return list(labels.values())


async def journey_paths(session: AsyncSession, *, journey_id: str) -> list[JourneyPath]:
    rows = await session.exec(select(Enrollment).where(Enrollment.journey_id == journey_id))
    return [_path(row) for row in rows]


def _path(row: Enrollment) -> JourneyPath:
    history = _STAGE_HISTORY.validate_python(row.state.get("stage_history") or [])
    # A row the workflow has not reported on yet only knows where the prospect started.
    entries = [StageEntry(visit.stage, visit.entered_at) for visit in history] or [
        StageEntry(row.stage, row.enrolled_at)
    ]
    ended_at = (row.ended_at or row.updated_at) if row.status in TERMINAL_STATUSES else None
    return JourneyPath(prospect_id=row.prospect_id, entries=entries, ended_at=ended_at)


async def _tracked_clicks(session: AsyncSession, *, journey_id: str) -> list[ContentTouch]:
    """Clicks on tracked links by the journey's prospects (the report pairs them with sends)."""
    enrolled = select(Enrollment.prospect_id).where(Enrollment.journey_id == journey_id)
    rows = await session.exec(
        select(EventRecord)
        .where(EventRecord.type == "content_consumed")
        .where(col(EventRecord.id).startswith(CLICK_EVENT_PREFIX))
        .where(col(EventRecord.prospect_id).in_(enrolled))
    )
    return [
        ContentTouch(str(row.data["content_id"]), row.prospect_id, row.occurred_at)
        for row in rows
        if row.data.get("content_id")
    ]


def _utc(moment: datetime | None) -> datetime | None:
    return as_utc(moment) if moment is not None else None
