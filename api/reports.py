"""Reports for marketing: what sales did with the leads it was given, and why.

Article 004: the outcome of every hand-off goes back to marketing. Counted from the task rows,
where sales records outcomes and reasons; CSV for a spreadsheet, JSON for everything else.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import UTC, datetime
from statistics import median
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel
from sqlmodel import col, select

from api.deps import SessionDep
from api.schemas import as_utc
from api.split_report import SplitReport, split_csv, split_report
from nurture.tables import Enrollment, SalesTask

router = APIRouter(prefix="/reports", tags=["reports"])


class ReasonCount(BaseModel):
    outcome: str
    reason: str
    count: int


class HandoffReport(BaseModel):
    journey_id: str | None
    since: datetime | None
    until: datetime | None
    handoffs: int
    tasks: int
    by_outcome: dict[str, int]
    reasons: list[ReasonCount]
    sla_kept: int
    sla_breached: int
    open_overdue: int
    median_hours_to_first_action: float | None


@router.get("/handoffs", response_model=None)
async def handoffs(
    session: SessionDep,
    journey_id: str | None = None,
    since: Annotated[datetime | None, Query(description="Tasks created at or after.")] = None,
    until: Annotated[datetime | None, Query(description="Tasks created before.")] = None,
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
) -> HandoffReport | PlainTextResponse:
    statement = select(SalesTask)
    if journey_id is not None:
        statement = statement.where(SalesTask.journey_id == journey_id)
    if since is not None:
        statement = statement.where(col(SalesTask.created_at) >= as_utc(since))
    if until is not None:
        statement = statement.where(col(SalesTask.created_at) < as_utc(until))
    tasks = list(await session.exec(statement))
    report = _report(tasks, journey_id=journey_id, since=since, until=until)
    if format == "csv":
        return PlainTextResponse(_csv(report), media_type="text/csv")
    return report


@router.get("/splits", response_model=None)
async def splits(
    session: SessionDep,
    journey_id: str,
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
) -> SplitReport | PlainTextResponse:
    """A/B splits: per split and variant, prospects, hand-offs, completions, unsubscribes and
    where they are now (every version of the journey)."""
    rows = await session.exec(select(Enrollment).where(Enrollment.journey_id == journey_id))
    report = split_report(journey_id=journey_id, states=[row.state for row in rows])
    if format == "csv":
        return PlainTextResponse(split_csv(report), media_type="text/csv")
    return report


def _report(
    tasks: list[SalesTask],
    *,
    journey_id: str | None,
    since: datetime | None,
    until: datetime | None,
) -> HandoffReport:
    now = datetime.now(UTC)
    reasons = Counter(
        (task.outcome, task.outcome_reason)
        for task in tasks
        if task.outcome and task.outcome_reason
    )
    kept = breached = overdue = 0
    waits = []
    for task in tasks:
        if task.first_action_at is not None:
            waits.append((task.first_action_at - task.created_at).total_seconds() / 3600)
        if task.due_at is None:
            continue
        if task.sla_breached:
            breached += 1
        elif task.first_action_at is not None:
            kept += 1
        elif task.due_at < now:
            overdue += 1
    return HandoffReport(
        journey_id=journey_id,
        since=since,
        until=until,
        handoffs=sum(task.kind == "handoff" for task in tasks),
        tasks=len(tasks),
        by_outcome=dict(Counter(task.outcome or "none yet" for task in tasks)),
        reasons=[
            ReasonCount(outcome=outcome, reason=reason, count=count)
            for (outcome, reason), count in reasons.most_common()
            if outcome and reason
        ],
        sla_kept=kept,
        sla_breached=breached,
        open_overdue=overdue,
        median_hours_to_first_action=round(median(waits), 2) if waits else None,
    )


def _csv(report: HandoffReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["measure", "outcome", "reason", "value"])
    writer.writerow(["handoffs", "", "", report.handoffs])
    writer.writerow(["tasks", "", "", report.tasks])
    for outcome, count in sorted(report.by_outcome.items()):
        writer.writerow(["outcome", outcome, "", count])
    for item in report.reasons:
        writer.writerow(["reason", item.outcome, item.reason, item.count])
    writer.writerow(["sla_kept", "", "", report.sla_kept])
    writer.writerow(["sla_breached", "", "", report.sla_breached])
    writer.writerow(["open_overdue", "", "", report.open_overdue])
    writer.writerow(["median_hours_to_first_action", "", "", report.median_hours_to_first_action])
    return out.getvalue()
