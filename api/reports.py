"""Reports for marketing: the funnel, which content converts, what sales did with the leads.

Every report takes `journey_id`, `since` and `until` (a window [since, until): since included,
until excluded; UTC when no zone is given) and `format=json|csv`. The counting is in
`analytics`, the loading in `api.report_queries`; docs/reports.md describes every column.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.exceptions import RequestValidationError
from fastapi.responses import PlainTextResponse
from sqlmodel import select

from analytics.content import DEFAULT_WINDOW_DAYS, ContentReport
from analytics.csv_export import content_csv, funnel_csv, handoff_csv
from analytics.funnel import FunnelReport
from analytics.handoffs import HandoffReport
from analytics.periods import Period, Window
from api import report_queries
from api.deps import SessionDep
from api.schemas import as_utc
from api.split_report import SplitReport, split_csv, split_report
from nurture.tables import Enrollment

router = APIRouter(prefix="/reports", tags=["reports"])

MAX_WINDOW_DAYS = 365

Format = Annotated[Literal["json", "csv"], Query(description="`csv` for a spreadsheet.")]


def _window(
    since: Annotated[datetime | None, Query(description="Counted from (included).")] = None,
    until: Annotated[datetime | None, Query(description="Counted up to (excluded).")] = None,
) -> Window:
    window = Window(
        since=as_utc(since) if since is not None else None,
        until=as_utc(until) if until is not None else None,
    )
    if window.since is not None and window.until is not None and window.until <= window.since:
        raise RequestValidationError(
            [
                {
                    "type": "value_error",
                    "loc": ("query", "until"),
                    "msg": "`until` must be later than `since`",
                    "input": window.until.isoformat(),
                }
            ]
        )
    return window


WindowDep = Annotated[Window, Depends(_window)]


def _csv(text: str) -> PlainTextResponse:
    return PlainTextResponse(text, media_type="text/csv")


@router.get("/funnel", response_model=None, responses={404: {"description": "Unknown journey."}})
async def funnel(
    session: SessionDep, journey_id: str, window: WindowDep, format: Format = "json"
) -> FunnelReport | PlainTextResponse:
    """Per stage of the newest version: prospects who entered, moved forward, skipped it, went
    back, left; conversion to the next stage, median days in the stage; overall conversion."""
    report = await report_queries.funnel_report(
        session, journey_id=journey_id, since=window.since, until=window.until
    )
    return _csv(funnel_csv(report)) if format == "csv" else report


@router.get("/content", response_model=None, responses={404: {"description": "Unknown journey."}})
async def content(
    session: SessionDep,
    journey_id: str,
    window: WindowDep,
    window_days: Annotated[
        int, Query(ge=1, le=MAX_WINDOW_DAYS, description="Days a send has to move the prospect.")
    ] = DEFAULT_WINDOW_DAYS,
    format: Format = "json",
) -> ContentReport | PlainTextResponse:
    """Per content item: sends, tracked-link clicks, sends followed by a move forward within
    `window_days` days, and that rate against the stage's baseline."""
    report = await report_queries.content_report(
        session,
        journey_id=journey_id,
        since=window.since,
        until=window.until,
        window_days=window_days,
    )
    return _csv(content_csv(report)) if format == "csv" else report


@router.get("/handoffs", response_model=None)
async def handoffs(
    session: SessionDep,
    window: WindowDep,
    journey_id: str | None = None,
    period: Annotated[
        Period | None, Query(description="Also count per `week` or `month` (UTC).")
    ] = None,
    format: Format = "json",
) -> HandoffReport | PlainTextResponse:
    """Lead-quality feedback: hand-offs and tasks, outcomes and reasons, SLA kept or breached;
    with `period`, the same per week or month."""
    report = await report_queries.handoff_report(
        session, journey_id=journey_id, since=window.since, until=window.until, period=period
    )
    return _csv(handoff_csv(report)) if format == "csv" else report


@router.get("/splits", response_model=None)
async def splits(
    session: SessionDep,
    journey_id: str,
    format: Format = "json",
) -> SplitReport | PlainTextResponse:
    """A/B splits: per split and variant, prospects, hand-offs, completions, unsubscribes and
    where they are now (every version of the journey)."""
    rows = await session.exec(select(Enrollment).where(Enrollment.journey_id == journey_id))
    report = split_report(journey_id=journey_id, states=[row.state for row in rows])
    return _csv(split_csv(report)) if format == "csv" else report
