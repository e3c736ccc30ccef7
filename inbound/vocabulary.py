"""Month and weekday names in Polish, English and German, from dateparser's locale data.

dateparser already knows the inflected Polish month forms (września, wrześniu, wrz) and the
German variants (Jänner, Mrz), which is exactly the part that is tedious and error-prone to
write by hand. We add the forms it lacks (Polish weekdays after "od"/"w", "Maerz") and leave
out the short weekday abbreviations that are also ordinary words ("do", "nie", "mit", "so").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from typing import Any

from dateparser.languages.loader import LocaleDataLoader

LANGUAGES = ("pl", "en", "de")
_MONTH_KEYS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_WEEKDAY_KEYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_EXTRA_MONTHS = {"maerz": 3, "paźdz": 10, "pazdz": 10}
# Polish weekdays change with the preposition: "w piątek", "od piątku", "do środy".
_EXTRA_WEEKDAYS = {
    "poniedziałku": 0,
    "poniedzialku": 0,
    "wtorku": 1,
    "środę": 2,
    "srode": 2,
    "środy": 2,
    "srody": 2,
    "czwartku": 3,
    "piątku": 4,
    "piatku": 4,
    "soboty": 5,
    "sobotę": 5,
    "niedzieli": 6,
    "niedzielę": 6,
    "montags": 0,
    "dienstags": 1,
    "mittwochs": 2,
    "donnerstags": 3,
    "freitags": 4,
    "samstags": 5,
    "sonntags": 6,
}
_EXTRA_DAY_OFFSETS = {"pojutrze": 2}
# Inflected forms: "ab nächster Woche", "in der kommenden Woche", "w następnym tygodniu".
_EXTRA_NEXT_WEEK = frozenset(
    {"nächster woche", "nächsten woche", "kommende woche", "kommenden woche", "kommender woche"}
    | {"w następnym tygodniu", "przyszłym tygodniu", "przyszły tydzień", "next week's"}
)
# A weekday abbreviation this short is too often an ordinary word to be read as a date.
_MIN_WEEKDAY_LENGTH = 5


@cache
def month_names() -> dict[str, int]:
    """Every known spelling of a month, lowercased, to its number."""
    names = _names(_MONTH_KEYS, first=1, min_length=3)
    names.update(_EXTRA_MONTHS)
    return names


@cache
def weekday_names() -> dict[str, int]:
    """Every known spelling of a weekday, lowercased, to its number (Monday = 0)."""
    names = _names(_WEEKDAY_KEYS, first=0, min_length=_MIN_WEEKDAY_LENGTH)
    names.update(_EXTRA_WEEKDAYS)
    return names


@cache
def day_offsets() -> dict[str, int]:
    """Words for a day a fixed distance ahead: "tomorrow" is 1, "übermorgen" is 2."""
    offsets: dict[str, int] = {}
    for language in LANGUAGES:
        relative = _info(language).get("relative-type", {})
        for days in (1, 2):
            for name in relative.get(f"in {days} day", []):
                offsets.setdefault(name.lower(), days)
    offsets.update(_EXTRA_DAY_OFFSETS)
    return offsets


@cache
def next_week_names() -> frozenset[str]:
    names = {
        name.lower()
        for language in LANGUAGES
        for name in _info(language).get("relative-type", {}).get("in 1 week", [])
    }
    return frozenset(names | _EXTRA_NEXT_WEEK)


@cache
def month_pattern() -> str:
    return _alternation(month_names())


@cache
def weekday_pattern() -> str:
    return _alternation(weekday_names())


@cache
def relative_pattern() -> str:
    return _alternation([*day_offsets(), *next_week_names()])


@cache
def _info(language: str) -> dict[str, Any]:
    info: dict[str, Any] = LocaleDataLoader().get_locale(language).info
    return info


def _names(keys: tuple[str, ...], *, first: int, min_length: int) -> dict[str, int]:
    names: dict[str, int] = {}
    for language in LANGUAGES:
        info = _info(language)
        for number, key in enumerate(keys, start=first):
            for name in info.get(key, []):
                if len(name) >= min_length:
                    names.setdefault(name.lower(), number)
    return names


def _alternation(names: Iterable[str]) -> str:
    # Longest first, so "września" is not read as "wrz" followed by stray letters.
    # Words of a phrase may be separated by any whitespace, line breaks included.
    escaped = (
        re.escape(name).replace(r"\ ", r"\s+") for name in sorted(names, key=len, reverse=True)
    )
    return "|".join(escaped)
