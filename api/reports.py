"""Reports for marketing: the funnel, which content converts, what sales did with the leads.

Every report takes `journey_id`, `since` and `until` (a window [since, until): since included,
until excluded; UTC when no zone is given) and `format=json|csv`. The counting is in
`analytics`, the loading in `api.report_queries`; docs/reports.md describes every column.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.exceptions import RequestValidationError
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel
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
# Per week, a `since` in year 202 asks for some 95,000 periods: the request would hold the
# API for minutes. Ten years is 522 weeks or 120 months.
MAX_PERIODS_SPAN = timedelta(days=3653)

Format = Annotated[Literal["json", "csv"], Query(description="`csv` for a spreadsheet.")]


def _window(
    since: Annotated[datetime | None, Query(description="Counted from (included).")] = None,
    until: Annotated[datetime | None, Query(description="Counted up to (excluded).")] = None,
) -> Window:
    window = Window(since=_utc(since, "since"), until=_utc(until, "until"))
    if window.since is not None and window.until is not None and window.until <= window.since:
        raise _invalid("until", window.until, "`until` must be later than `since`")
    return window


def _utc(moment: datetime | None, parameter: str) -> datetime | None:
    if moment is None:
        return None
    try:
        return as_utc(moment)
    except ValueError as error:
        raise _invalid(parameter, moment, str(error)) from error


def _invalid(parameter: str, value: datetime, message: str) -> RequestValidationError:
    """The 422 of any invalid query parameter, naming this one."""
    return RequestValidationError(
        [
            {
                "type": "value_error",
                "loc": ("query", parameter),
                "msg": message,
                "input": value.isoformat(),
            }
        ]
    )


WindowDep = Annotated[Window, Depends(_window)]


def _csv(text: str) -> PlainTextResponse:
    return PlainTextResponse(text, media_type="text/csv")


def _answers(report: type[BaseModel], *, per_journey: bool) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI answers of a report: the model as JSON or, with `format=csv`, CSV text
    (`response_model=None` lets a route return either, so the document is told both)."""
    answers: dict[int | str, dict[str, Any]] = {
        200: {
            "model": report,
            "description": "The report; CSV with `format=csv`.",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    }
    if per_journey:
        answers[404] = {"description": "Unknown journey."}
    return answers


@router.get("/funnel", response_model=None, responses=_answers(FunnelReport, per_journey=True))
async def funnel(
    session: SessionDep, journey_id: str, window: WindowDep, format: Format = "json"
) -> FunnelReport | PlainTextResponse:
    """Per stage of the newest version: prospects who entered, moved forward, skipped it, went
    back, left; conversion to the next stage, median days in the stage; overall conversion."""
    report = await report_queries.funnel_report(
        session, journey_id=journey_id, since=window.since, until=window.until
    )
    return _csv(funnel_csv(report)) if format == "csv" else report


@router.get("/content", response_model=None, responses=_answers(ContentReport, per_journey=True))
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


@router.get("/handoffs", response_model=None, responses=_answers(HandoffReport, per_journey=False))
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
    with `period`, the same per week or month (over at most ten years)."""
    if period is not None and window.since is not None:
        end = min(window.until or datetime.now(UTC), datetime.now(UTC))
        if end - window.since > MAX_PERIODS_SPAN:
            raise _invalid("since", window.since, "per period, a report covers at most 10 years")
    report = await report_queries.handoff_report(
        session, journey_id=journey_id, since=window.since, until=window.until, period=period
    )
    return _csv(handoff_csv(report)) if format == "csv" else report


@router.get("/splits", response_model=None, responses=_answers(SplitReport, per_journey=False))
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
