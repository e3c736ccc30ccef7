"""Times as people read them in a list: "in 3 h", "2 days overdue", with the exact time on hover.

Pure functions of a moment and "now", so pages and tests agree on the words.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

# (upper bound in seconds, unit seconds, singular, plural); the first bound above the length wins.
_UNITS: tuple[tuple[float, int, str, str], ...] = (
    (3600, 60, "min", "min"),
    (86400, 3600, "h", "h"),
    (14 * 86400, 86400, "day", "days"),
    (60 * 86400, 7 * 86400, "week", "weeks"),
    (365 * 86400, 30 * 86400, "month", "months"),
    (float("inf"), 365 * 86400, "year", "years"),
)
_NOW = timedelta(seconds=45)


def _aware(at: datetime) -> datetime:
    # Projections written by SQLite come back naive; they are UTC by convention (UtcDateTime).
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def length_words(length: timedelta) -> str:
    """A positive length in its largest sensible unit: "1 min", "3 h", "2 days", "5 weeks"."""
    seconds = max(abs(length.total_seconds()), 60)
    for bound, unit, singular, plural in _UNITS:
        if seconds < bound:
            count = max(1, round(seconds / unit))
            return f"{count} {singular if count == 1 else plural}"
    raise AssertionError("the last unit has no bound")  # pragma: no cover


def relative(at: datetime, *, now: datetime) -> str:
    """'just now', 'in 3 h', '5 min ago'."""
    delta = _aware(at) - _aware(now)
    if abs(delta) < _NOW:
        return "just now"
    words = length_words(delta)
    return f"in {words}" if delta > timedelta(0) else f"{words} ago"


def deadline(due: datetime, *, now: datetime) -> str:
    """'due in 3 h', '2 days overdue', 'due now'."""
    delta = _aware(due) - _aware(now)
    if abs(delta) < _NOW:
        return "due now"
    words = length_words(delta)
    return f"due in {words}" if delta > timedelta(0) else f"{words} overdue"


def is_overdue(due: datetime | None, *, now: datetime) -> bool:
    return due is not None and _aware(due) < _aware(now)


def exact(at: datetime) -> str:
    """The moment in UTC, to the minute: shown on hover beside the relative words."""
    return f"{_aware(at).astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def iso(at: datetime) -> str:
    return _aware(at).isoformat()
