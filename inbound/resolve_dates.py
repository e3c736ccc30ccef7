"""A date as written ("15 września", "Monday", "tomorrow") as a calendar date, relative to
the day the notice was sent.

Notices rarely give a year, so the year is inferred: the first such date on or after the sent
date, unless that date fell at most 60 days before it, in which case the notice is stale (the
sender forgot to switch it off and is back already). A date with an explicit year that has
passed is stale too. No result is ever before the sent date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from inbound.date_mentions import CalendarDay, DaysAhead, NextWeek, NumberedDay, Weekday, When

# A date without a year this many days before the sent date belongs to a forgotten notice.
STALE_AFTER_DAYS = 60
# Enough months to find any day number, even the 31st.
_MONTHS_TO_SEARCH = 13


@dataclass(frozen=True)
class Resolution:
    date: date | None
    stale: bool = False


def resolve(when: When, *, sent: date) -> Resolution:
    if isinstance(when, CalendarDay):
        return _calendar_day(when, sent)
    if isinstance(when, Weekday):
        days = (when.weekday - sent.weekday() - 1) % 7 + 1
        return Resolution(sent + timedelta(days=days))
    if isinstance(when, NumberedDay):
        return Resolution(_next_numbered_day(when.day, sent))
    if isinstance(when, DaysAhead):
        return Resolution(sent + timedelta(days=when.days))
    if isinstance(when, NextWeek):
        return Resolution(sent + timedelta(days=7 - sent.weekday()))
    raise TypeError(f"unknown kind of date: {when!r}")


def _calendar_day(day: CalendarDay, sent: date) -> Resolution:
    if day.year is not None:
        written = _date(day.year, day.month, day.day)
        if written is None or written < sent:
            return Resolution(None, stale=True)
        return Resolution(written)
    this_year = _date(sent.year, day.month, day.day)
    if this_year is not None and this_year >= sent:
        return Resolution(this_year)
    if this_year is not None and (sent - this_year).days <= STALE_AFTER_DAYS:
        return Resolution(None, stale=True)
    # 29 February waits for the next leap year.
    for year in range(sent.year + 1, sent.year + 9):
        later = _date(year, day.month, day.day)
        if later is not None:
            return Resolution(later)
    return Resolution(None)


def _next_numbered_day(number: int, sent: date) -> date | None:
    """The first day numbered `number` strictly after the sent date."""
    year, month = sent.year, sent.month
    for _ in range(_MONTHS_TO_SEARCH):
        candidate = _date(year, month, number)
        if candidate is not None and candidate > sent:
            return candidate
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None
