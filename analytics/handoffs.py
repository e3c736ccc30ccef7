"""What sales did with the leads it was given, and why: article 004's feedback to marketing.

Counted from the task rows, where sales records outcomes and reasons. A task counts when it was
created in the window [since, until); with a period (`week`, `month`) the same counts are also
given per calendar period of the task's creation, every period between the first and the last
listed, empty ones included, so a chart shows the gaps.

SLA, for tasks that have a due time: kept when sales acted (first action recorded) without the
SLA being breached; breached when the escalation marked it so; open and overdue when nobody has
acted, the task is not closed (the erasure of its prospect closes it) and the due time has
passed `now`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Protocol

from pydantic import BaseModel, Field

from analytics.periods import Period, next_period_start, period_start, period_starts
from analytics.rates import median_or_none

NO_OUTCOME = "none yet"


class HandoffTask(Protocol):
    """What the report reads from a task (`nurture.tables.SalesTask` has all of it)."""

    @property
    def kind(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def due_at(self) -> datetime | None: ...
    @property
    def first_action_at(self) -> datetime | None: ...
    @property
    def sla_breached(self) -> bool: ...
    @property
    def status(self) -> str: ...
    @property
    def outcome(self) -> str | None: ...
    @property
    def outcome_reason(self) -> str | None: ...


class ReasonCount(BaseModel):
    outcome: str
    reason: str
    count: int


class HandoffCounts(BaseModel):
    handoffs: int = Field(description="Tasks that handed a prospect to sales.")
    tasks: int = Field(description="All tasks, hand-offs included.")
    by_outcome: dict[str, int]
    reasons: list[ReasonCount]
    sla_kept: int
    sla_breached: int
    open_overdue: int
    median_hours_to_first_action: float | None


class HandoffPeriod(HandoffCounts):
    start: date = Field(description="First day of the period (UTC).")
    end: date = Field(description="First day of the next period.")


class HandoffReport(HandoffCounts):
    journey_id: str | None
    since: datetime | None
    until: datetime | None
    period: Period | None = None
    periods: list[HandoffPeriod] = Field(
        default_factory=list, description="The same counts per period; empty without a period."
    )


def build_handoff_report(
    *,
    tasks: Sequence[HandoffTask],
    journey_id: str | None,
    since: datetime | None,
    until: datetime | None,
    period: Period | None,
    now: datetime,
) -> HandoffReport:
    """The counts over `tasks` (already narrowed to the journey and window by the caller)."""
    periods: list[HandoffPeriod] = []
    if period is not None:
        by_start: dict[date, list[HandoffTask]] = {}
        for task in tasks:
            by_start.setdefault(period_start(task.created_at, period), []).append(task)
        periods = [
            HandoffPeriod(
                start=start,
                end=next_period_start(start, period),
                **_counts(by_start.get(start, []), now=now).model_dump(),
            )
            for start in _listed_periods(tasks, since=since, until=until, period=period, now=now)
        ]
    return HandoffReport(
        journey_id=journey_id,
        since=since,
        until=until,
        period=period,
        periods=periods,
        **_counts(tasks, now=now).model_dump(),
    )


def _listed_periods(
    tasks: Sequence[HandoffTask],
    *,
    since: datetime | None,
    until: datetime | None,
    period: Period,
    now: datetime,
) -> list[date]:
    """From the period of `since` (else the first task's) to the period of the last moment
    before `until` (else the last task's), but not past `now`: an open window lists no future."""
    created = [task.created_at for task in tasks]
    starts = [since] if since is not None else []
    ends = [min(until - timedelta(microseconds=1), now)] if until is not None else []
    if not (created or (starts and ends)):
        return []
    first = min(starts + created)
    last = max(ends + created)
    return list(period_starts(first, last, period))


def _counts(tasks: Sequence[HandoffTask], *, now: datetime) -> HandoffCounts:
    reasons = Counter(
        (task.outcome, task.outcome_reason)
        for task in tasks
        if task.outcome and task.outcome_reason
    )
    kept = breached = overdue = 0
    waits: list[float] = []
    for task in tasks:
        if task.first_action_at is not None:
            waits.append((task.first_action_at - task.created_at) / timedelta(hours=1))
        if task.due_at is None:
            continue
        if task.sla_breached:
            breached += 1
        elif task.first_action_at is not None:
            kept += 1
        elif task.due_at < now and task.status != "closed":
            overdue += 1
    return HandoffCounts(
        handoffs=sum(task.kind == "handoff" for task in tasks),
        tasks=len(tasks),
        by_outcome=dict(Counter(task.outcome or NO_OUTCOME for task in tasks)),
        reasons=[
            ReasonCount(outcome=outcome, reason=reason, count=count)
            for (outcome, reason), count in reasons.most_common()
            if outcome and reason
        ],
        sla_kept=kept,
        sla_breached=breached,
        open_overdue=overdue,
        median_hours_to_first_action=median_or_none(waits),
    )
