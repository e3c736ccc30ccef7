"""The reports page's filters, read from its query string as people type them.

Dates are calendar days in UTC, both ends included as people mean them ("1 to 31 March"): the
reports' window is [since 00:00, the day after until 00:00). A value that cannot be read is
named in `problems` and left out, so the page still shows the rest instead of a 422.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode

from analytics.content import DEFAULT_WINDOW_DAYS
from analytics.periods import Period, as_period
from api.reports import MAX_PERIODS_SPAN, MAX_WINDOW_DAYS

DEFAULT_PERIOD: Period = "week"


@dataclass(frozen=True)
class ReportFilters:
    journey_id: str | None
    since: date | None = None
    until: date | None = None
    window_days: int = DEFAULT_WINDOW_DAYS
    period: Period = DEFAULT_PERIOD
    problems: list[str] = field(default_factory=list)

    @property
    def since_at(self) -> datetime | None:
        return datetime.combine(self.since, time(), UTC) if self.since else None

    @property
    def until_at(self) -> datetime | None:
        """The moment after the last day: the reports' window excludes its end."""
        return datetime.combine(self.until + timedelta(days=1), time(), UTC) if self.until else None

    def csv_link(self, report: str) -> str:
        """The API's CSV of `report` (funnel, content, handoffs) for the same filters."""
        params: list[tuple[str, str]] = []
        if self.journey_id is not None:
            params.append(("journey_id", self.journey_id))
        if self.since_at is not None:
            params.append(("since", self.since_at.isoformat()))
        if self.until_at is not None:
            params.append(("until", self.until_at.isoformat()))
        if report == "content":
            params.append(("window_days", str(self.window_days)))
        if report == "handoffs":
            params.append(("period", self.period))
        params.append(("format", "csv"))
        return f"/reports/{report}?{urlencode(params)}"


def _day(raw: str, what: str, problems: list[str]) -> date | None:
    if not raw.strip():
        return None
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        problems.append(f"The {what} date “{raw}” is not a date like 2026-03-31; it was ignored.")
        return None


def _window_days(raw: str, problems: list[str]) -> int:
    if not raw.strip():
        return DEFAULT_WINDOW_DAYS
    try:
        days = int(raw)
    except ValueError:
        days = 0
    if not 1 <= days <= MAX_WINDOW_DAYS:
        problems.append(
            f"The content window must be 1 to {MAX_WINDOW_DAYS} days, not “{raw}”; "
            f"{DEFAULT_WINDOW_DAYS} days are used."
        )
        return DEFAULT_WINDOW_DAYS
    return days


def _period(raw: str, problems: list[str]) -> Period:
    try:
        return as_period(raw.strip() or None) or DEFAULT_PERIOD
    except ValueError:
        problems.append(f"Hand-offs can be counted per week or month, not “{raw}”.")
        return DEFAULT_PERIOD


def read_filters(
    *,
    journey: str,
    since: str,
    until: str,
    window: str,
    period: str,
    journeys: Sequence[str],
    today: date | None = None,
) -> ReportFilters:
    """The filters; without a journey, the first of `journeys` (None when there is none)."""
    problems: list[str] = []
    journey_id: str | None = journey.strip() or (journeys[0] if journeys else None)
    if journey_id is not None and journey_id not in journeys:
        problems.append(f"There is no journey “{journey_id}”.")
        journey_id = None
    first, last = _day(since, "from", problems), _day(until, "to", problems)
    if first is not None and last is not None and last < first:
        problems.append("The “to” date is before the “from” date; it was ignored.")
        last = None
    first = _within_periods_span(first, last, today or datetime.now(UTC).date(), problems)
    return ReportFilters(
        journey_id=journey_id,
        since=first,
        until=last,
        window_days=_window_days(window, problems),
        period=_period(period, problems),
        problems=problems,
    )


def _within_periods_span(
    first: date | None, last: date | None, today: date, problems: list[str]
) -> date | None:
    """The "from" date, moved up to ten years before the end: hand-offs are counted per week or
    month, and the API refuses more periods than that (a typo like year 202 would ask for
    95,000 weeks)."""
    if first is None:
        return None
    end = min(last, today) if last is not None else today
    earliest = end - MAX_PERIODS_SPAN + timedelta(days=1)
    if first >= earliest:
        return first
    problems.append(
        f"Hand-offs are counted over at most 10 years; they start from {earliest.isoformat()}, "
        f"not {first.isoformat()}."
    )
    return earliest
