"""When may e-mail reach the prospect: the journey's send window, in the prospect's time zone.

Wall-clock arithmetic in the prospect's zone, so "09:00" stays 09:00 on both sides of a daylight
saving change; the moment is converted to UTC only at the end.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from definitions.settings import WEEKDAYS, SendWindow

# A window opens on at least one weekday, so it reopens within a week unless holidays fill
# more than a year; past that horizon the definition is treated as never opening.
_HORIZON_DAYS = 400


class WindowNeverOpens(ValueError):
    pass


def next_opening(window: SendWindow, zone: str, at: datetime) -> datetime:
    """`at` itself when the window is open then, otherwise the moment it next opens (UTC)."""
    local_zone = ZoneInfo(zone)
    local = at.astimezone(local_zone)
    for offset in range(_HORIZON_DAYS):
        day = local.date() + timedelta(days=offset)
        if WEEKDAYS[day.weekday()] not in window.days or day in window.holidays:
            continue
        if offset == 0:
            if local.time() >= window.end:
                continue
            if local.time() >= window.start:
                return at
        return datetime.combine(day, window.start, tzinfo=local_zone).astimezone(UTC)
    raise WindowNeverOpens(f"the send window does not open within {_HORIZON_DAYS} days")


def describe(window: SendWindow, zone: str) -> str:
    days = ", ".join(window.days)
    return f"{days} {window.start:%H:%M}-{window.end:%H:%M} {zone}"
