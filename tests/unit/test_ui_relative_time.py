"""Relative times in lists: "in 3 h", "2 days overdue", with the exact time for the hover."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from api.ui.relative_time import deadline, exact, is_overdue, relative

NOW = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("offset", "words"),
    [
        (timedelta(seconds=10), "just now"),
        (timedelta(minutes=5), "in 5 min"),
        (-timedelta(minutes=1, seconds=20), "1 min ago"),
        (timedelta(hours=2, minutes=50), "in 3 h"),
        (-timedelta(days=1), "1 day ago"),
        (timedelta(days=3, hours=5), "in 3 days"),
        (-timedelta(days=21), "3 weeks ago"),
        (timedelta(days=95), "in 3 months"),
        (-timedelta(days=800), "2 years ago"),
    ],
)
def test_relative_words(offset: timedelta, words: str) -> None:
    assert relative(NOW + offset, now=NOW) == words


def test_deadlines_say_due_or_overdue() -> None:
    assert deadline(NOW + timedelta(hours=3), now=NOW) == "due in 3 h"
    assert deadline(NOW - timedelta(days=2, hours=1), now=NOW) == "2 days overdue"
    assert deadline(NOW, now=NOW) == "due now"
    assert is_overdue(NOW - timedelta(seconds=1), now=NOW)
    assert not is_overdue(NOW + timedelta(seconds=1), now=NOW)
    assert not is_overdue(None, now=NOW)


def test_naive_times_from_the_database_are_utc() -> None:
    naive = datetime(2026, 9, 1, 9, 0)

    assert relative(naive, now=NOW) == "3 h ago"
    assert exact(naive) == "2026-09-01 09:00 UTC"
    warsaw = datetime(2026, 9, 1, 13, 30, tzinfo=UTC).astimezone(ZoneInfo("Europe/Warsaw"))
    assert exact(warsaw) == "2026-09-01 13:30 UTC"
