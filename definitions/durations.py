"""Human durations ("3d", "2h30m", "1w") as marketers write them in journey files."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

_UNIT_SECONDS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}
_PART = re.compile(r"(\d+)\s*([wdhms])")
_WHOLE = re.compile(r"^\s*(\d+\s*[wdhms]\s*)+$")


# Longer waits are typing errors: and a date that far ahead no longer fits a datetime, so one
# let in would fail the journey (or the request) where it is added to "now", not here.
MAX_DURATION = timedelta(days=100 * 366)
_OUT_OF_RANGE = "{value!r} is not a duration between 0 and 100 years"


def parse_duration(value: Any) -> timedelta:
    """Accept "3d", "1w 2d", "90m", a number of seconds, or a timedelta (0 to 100 years)."""
    if isinstance(value, timedelta):
        return _bounded(value, value)
    if isinstance(value, bool):
        raise ValueError("a duration is text such as '3d' or '12h', not true/false")
    if isinstance(value, int | float):
        return _bounded(value, _seconds(value, value))
    if isinstance(value, str) and _WHOLE.match(value):
        seconds = sum(int(n) * _UNIT_SECONDS[unit] for n, unit in _PART.findall(value))
        return _bounded(value, _seconds(value, seconds))
    raise ValueError(
        f"{value!r} is not a duration: write a number with a unit, "
        "w (weeks), d (days), h (hours), m (minutes) or s (seconds), e.g. '3d' or '2h30m'"
    )


def _seconds(value: Any, seconds: float) -> timedelta:
    try:
        return timedelta(seconds=seconds)
    except (OverflowError, ValueError) as error:  # beyond timedelta's range, or NaN
        raise ValueError(_OUT_OF_RANGE.format(value=value)) from error


def _bounded(value: Any, duration: timedelta) -> timedelta:
    if not timedelta(0) <= duration <= MAX_DURATION:
        raise ValueError(_OUT_OF_RANGE.format(value=value))
    return duration


def format_duration(value: timedelta) -> str:
    """Back to the form a marketer writes: "60d" rather than "8w4d", "2w" for 14 days."""
    remaining = int(value.total_seconds())
    if remaining == 0:
        return "0s"
    days, rest = divmod(remaining, 86400)
    if rest == 0:
        return f"{days // 7}w" if days % 7 == 0 else f"{days}d"
    parts = [f"{days}d"] if days else []
    for unit in ("h", "m", "s"):
        count, rest = divmod(rest, _UNIT_SECONDS[unit])
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


Duration = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^(\d+[wdhms])+$", "examples": ["3d", "12h"]}),
]
