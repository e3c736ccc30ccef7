"""The reports page's filters: read as people type them, problems named, CSV links built."""

from __future__ import annotations

from datetime import UTC, date, datetime
from urllib.parse import parse_qs, urlsplit

from api.ui.report_filters import ReportFilters, read_filters

JOURNEYS = ["b2b", "webinar"]


def test_without_filters_the_first_journey_over_all_time() -> None:
    filters = read_filters(journey="", since="", until="", window="", period="", journeys=JOURNEYS)

    assert (filters.journey_id, filters.since_at, filters.until_at) == ("b2b", None, None)
    assert (filters.window_days, filters.period, filters.problems) == (14, "week", [])


def test_the_last_day_is_included_and_the_csv_links_carry_the_same_window() -> None:
    filters = read_filters(
        journey="webinar",
        since="2026-03-01",
        until="2026-03-31",
        window="7",
        period="month",
        journeys=JOURNEYS,
    )

    assert filters.since_at == datetime(2026, 3, 1, tzinfo=UTC)
    assert filters.until_at == datetime(2026, 4, 1, tzinfo=UTC)
    link = urlsplit(filters.csv_link("content"))
    assert link.path == "/reports/content"
    assert parse_qs(link.query) == {
        "journey_id": ["webinar"],
        "since": ["2026-03-01T00:00:00+00:00"],
        "until": ["2026-04-01T00:00:00+00:00"],
        "window_days": ["7"],
        "format": ["csv"],
    }
    assert parse_qs(urlsplit(filters.csv_link("handoffs")).query)["period"] == ["month"]


def test_what_cannot_be_read_is_named_and_left_out() -> None:
    filters = read_filters(
        journey="nope",
        since="2026-03-10",
        until="2026-03-01",
        window="999",
        period="day",
        journeys=JOURNEYS,
    )

    assert filters.journey_id is None
    assert (filters.since, filters.until) == (date(2026, 3, 10), None)
    assert (filters.window_days, filters.period) == (14, "week")
    assert filters.problems == [
        "There is no journey “nope”.",
        "The “to” date is before the “from” date; it was ignored.",
        "The content window must be 1 to 365 days, not “999”; 14 days are used.",
        "Hand-offs can be counted per week or month, not “day”.",
    ]
    assert read_filters(
        journey="", since="March", until="", window="", period="", journeys=[]
    ).problems == ["The from date “March” is not a date like 2026-03-31; it was ignored."]


def _from_only(since: str) -> ReportFilters:
    return read_filters(
        journey="",
        since=since,
        until="",
        window="",
        period="",
        journeys=JOURNEYS,
        today=date(2026, 11, 23),
    )


def test_a_from_date_more_than_ten_years_back_is_moved_up_and_said() -> None:
    filters = _from_only("0202-03-01")

    assert filters.since == date(2016, 11, 23)
    assert filters.problems == [
        "Hand-offs are counted over at most 10 years; they start from 2016-11-23, not 0202-03-01."
    ]
    assert _from_only("2016-11-23").problems == []
