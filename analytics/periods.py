"""The time filters every report shares: a half-open window and calendar periods.

A window is [since, until): `since` included, `until` excluded, either side open when None, so
consecutive windows (this week, next week) never count the same moment twice. Periods are
calendar weeks (starting Monday) and months, in UTC, the only zone the database stores.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal, get_args

Period = Literal["week", "month"]
PERIODS: tuple[str, ...] = get_args(Period)


@dataclass(frozen=True)
class Window:
    since: datetime | None = None
    until: datetime | None = None

    def contains(self, moment: datetime) -> bool:
        if self.since is not None and moment < self.since:
            return False
        return self.until is None or moment < self.until


def as_period(name: str | None) -> Period | None:
    """The period named by a caller (`week`, `month` or None); anything else is a ValueError."""
    if name is None:
        return None
    if name == "week":
        return "week"
    if name == "month":
        return "month"
    raise ValueError(f"unknown period {name!r}; expected one of {', '.join(PERIODS)}")


def period_start(moment: datetime, period: Period) -> date:
    """The first day of the week (Monday) or month that holds `moment`, on the UTC calendar."""
    day = moment.astimezone(UTC).date()
    if period == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def next_period_start(start: date, period: Period) -> date:
    if period == "week":
        return start + timedelta(days=7)
    if start.month == 12:
        return date(start.year + 1, 1, 1)
    return date(start.year, start.month + 1, 1)


def period_starts(first: datetime, last: datetime, period: Period) -> Iterator[date]:
    """Every period from the one holding `first` to the one holding `last`, gaps included."""
    start, end = period_start(first, period), period_start(last, period)
    while start <= end:
        yield start
        start = next_period_start(start, period)
