"""Every way a date is written in a Polish, English or German absence notice, found in text.

A mention is only what the words say ("15 września", "Monday 3rd", "1-14.08", "tomorrow"); it
becomes a calendar date later, relative to when the notice was sent. Numeric dates are read
day first, as everywhere in Europe, except ISO 2026-09-15. One regular expression holds all
shapes, most specific first, so "1-14.08" is read as a range before "1-14" could be misread
as a day and a month.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache

from inbound.vocabulary import (
    day_offsets,
    month_names,
    month_pattern,
    next_week_names,
    relative_pattern,
    weekday_names,
    weekday_pattern,
)


@dataclass(frozen=True)
class CalendarDay:
    """A day and month as written, with the year only when the text gives one."""

    day: int
    month: int
    year: int | None


@dataclass(frozen=True)
class NumberedDay:
    """A day of the month without its month: "the 15th", "Monday 3rd"."""

    day: int


@dataclass(frozen=True)
class Weekday:
    weekday: int  # Monday is 0


@dataclass(frozen=True)
class DaysAhead:
    """A fixed number of days ahead: "tomorrow" is 1, "übermorgen" is 2."""

    days: int


@dataclass(frozen=True)
class NextWeek:
    pass


When = CalendarDay | NumberedDay | Weekday | DaysAhead | NextWeek


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    when: When
    # Set when the words themselves are a range ("1-14.08", "August 1-14"); `when` is its end.
    range_start: CalendarDay | None = None


_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
_MONTH_NUMBER = r"(?:0?[1-9]|1[0-2])"
_YEAR4 = r"(?:19|20)\d\d"
_YEAR = r"(?:(?:19|20)\d\d|\d\d)"
_ORDINAL = r"(?:st|nd|rd|th|-go|-ego|\.)?"
_NOT_LETTER_BEFORE = r"(?<![^\W\d_])"
_NOT_LETTER_AFTER = r"(?![^\W\d_])"
# A clock time is no date: "bis 15.30 Uhr", "do 12.00", "until 10.15 am".
_NOT_TIME = r"(?!\s*(?:uhr|h\b|godz|am\b|pm\b|[:]\d))"
# Hyphen, en dash and em dash: all three separate the days of a range.
DASH = "[-\u2013\u2014]"
_RANGE_WORD = (
    rf"(?:{DASH}|to|till|until|through|thru|do|bis(?:\s+(?:zum|einschließlich))?|and|und|i)"
)


@cache
def _pattern() -> re.Pattern[str]:
    month = rf"{_NOT_LETTER_BEFORE}(?:{month_pattern()}){_NOT_LETTER_AFTER}\.?"
    weekday = rf"{_NOT_LETTER_BEFORE}(?:{weekday_pattern()}){_NOT_LETTER_AFTER}\.?"
    # "Monday, 15 September", "Montag, den 15.09.", "poniedziałek 15 września".
    weekday_prefix = rf"(?:{weekday},?\s+(?:the\s+|den\s+|dem\s+)?)?"
    shapes = [
        # 1-14.08 / 1.-14.8.2026: one month shared by both days.
        rf"(?<![\d.])(?P<nr_a>{_DAY})\.?\s*{DASH}\s*(?P<nr_d>{_DAY})[./](?P<nr_m>{_MONTH_NUMBER})"
        rf"(?:[./](?P<nr_y>{_YEAR})(?!\d))?(?![\d])\.?",
        rf"(?<![\d.])(?P<iso_y>{_YEAR4})-(?P<iso_m>{_MONTH_NUMBER})-(?P<iso_d>{_DAY})(?!\d)",
        rf"(?<![\d.]){weekday_prefix}(?P<n_d>{_DAY})(?P<n_sep>[./-])(?P<n_m>{_MONTH_NUMBER})"
        rf"(?:(?P=n_sep)(?P<n_y>{_YEAR})(?!\d))?(?!\d){_NOT_TIME}\.?",
        # 1-14 August / od 1 do 14 sierpnia / vom 1. bis 14. August.
        rf"(?<![\d.])(?P<wr_a>{_DAY}){_ORDINAL}\s*{_RANGE_WORD}\s*(?:the\s+)?"
        rf"(?P<wr_d>{_DAY}){_ORDINAL}\s*(?:of\s+)?(?P<wr_m>{month})"
        rf"(?:,?\s*(?P<wr_y>{_YEAR4})(?!\d))?",
        rf"(?<![\d.]){weekday_prefix}(?:the\s+)?(?P<dm_d>{_DAY}){_ORDINAL}\s*(?:of\s+)?"
        rf"(?P<dm_m>{month})(?:,?\s*(?P<dm_y>{_YEAR4})(?!\d))?",
        rf"{weekday_prefix}(?P<md_m>{month})\s*(?:the\s+)?(?P<md_d>{_DAY})(?:st|nd|rd|th)?(?!\d)"
        rf"(?:\s*{DASH}\s*(?P<md_d2>{_DAY})(?:st|nd|rd|th)?(?!\d))?"
        rf"(?:,?\s*(?P<md_y>{_YEAR4})(?!\d))?{_NOT_TIME}",
        # "Monday 3rd", "Montag, den 3.": the day decides, the weekday only confirms it.
        rf"{weekday},?\s+(?:the\s+|den\s+)?(?P<wn_d>{_DAY})(?:st|nd|rd|th|\.)(?!\d)",
        rf"(?P<wd>{weekday})",
        rf"(?<![\w.])(?:the\s+)?(?P<od>{_DAY})(?:st|nd|rd|th){_NOT_LETTER_AFTER}",
        rf"{_NOT_LETTER_BEFORE}(?P<rel>{relative_pattern()}){_NOT_LETTER_AFTER}",
    ]
    return re.compile("|".join(f"(?:{shape})" for shape in shapes), re.IGNORECASE)


def find_mentions(text: str) -> list[Mention]:
    mentions = []
    for match in _pattern().finditer(text):
        mention = _mention(match)
        if mention is not None:
            mentions.append(mention)
    return mentions


def _mention(match: re.Match[str]) -> Mention | None:
    groups = {name: value for name, value in match.groupdict().items() if value is not None}
    start, end = match.span()
    if "nr_d" in groups:
        return _range(
            start, end, groups["nr_a"], groups["nr_d"], groups["nr_m"], groups.get("nr_y")
        )
    if "wr_d" in groups:
        month = str(month_names()[_name_key(groups["wr_m"])])
        return _range(start, end, groups["wr_a"], groups["wr_d"], month, groups.get("wr_y"))
    if "md_d2" in groups:
        month = str(month_names()[_name_key(groups["md_m"])])
        return _range(start, end, groups["md_d"], groups["md_d2"], month, groups.get("md_y"))
    when = _when(groups)
    return Mention(start, end, when) if when is not None else None


def _when(groups: dict[str, str]) -> When | None:
    if "iso_d" in groups:
        return _calendar(groups["iso_d"], groups["iso_m"], groups["iso_y"])
    if "n_d" in groups:
        return _calendar(groups["n_d"], groups["n_m"], groups.get("n_y"))
    if "dm_d" in groups:
        month = str(month_names()[_name_key(groups["dm_m"])])
        return _calendar(groups["dm_d"], month, groups.get("dm_y"))
    if "md_d" in groups:
        month = str(month_names()[_name_key(groups["md_m"])])
        return _calendar(groups["md_d"], month, groups.get("md_y"))
    if "wn_d" in groups:
        return NumberedDay(int(groups["wn_d"]))
    if "wd" in groups:
        return Weekday(weekday_names()[_name_key(groups["wd"])])
    if "od" in groups:
        return NumberedDay(int(groups["od"]))
    if "rel" in groups:
        words = " ".join(groups["rel"].lower().split())
        if words in next_week_names():
            return NextWeek()
        return DaysAhead(day_offsets()[words])
    return None


def _range(
    start: int, end: int, first_day: str, last_day: str, month: str, year: str | None
) -> Mention | None:
    first = _calendar(first_day, month, year)
    last = _calendar(last_day, month, year)
    if first is None or last is None or first.day > last.day:
        return None
    return Mention(start, end, last, range_start=first)


def _calendar(day: str, month: str, year: str | None) -> CalendarDay | None:
    full_year = None if year is None else int(year) + (2000 if len(year) == 2 else 0)
    try:
        # A leap year accepts 29 February when the text gives no year.
        date(full_year or 2000, int(month), int(day))
    except ValueError:
        return None
    return CalendarDay(int(day), int(month), full_year)


def _name_key(name: str) -> str:
    """A matched name as the vocabulary spells it: lowercased, no trailing dot or comma."""
    return name.lower().rstrip(".,").strip()
