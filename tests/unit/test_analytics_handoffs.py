"""The hand-off report: outcomes, reasons and SLA, in total and per week or month."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from analytics.csv_export import handoff_csv
from analytics.handoffs import HandoffReport, build_handoff_report
from analytics.periods import Period, Window, as_period, period_start

HOUR = timedelta(hours=1)
NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)


@dataclass
class Task:
    created_at: datetime
    kind: str = "handoff"
    due_at: datetime | None = None
    first_action_at: datetime | None = None
    sla_breached: bool = False
    outcome: str | None = None
    outcome_reason: str | None = None
    status: str = "open"


def day(month: int, number: int, hour: int = 9) -> datetime:
    return datetime(2026, month, number, hour, tzinfo=UTC)


TASKS = [
    # Monday 2 March: acted on within its SLA, then disqualified.
    Task(
        day(3, 2),
        due_at=day(3, 3),
        first_action_at=day(3, 2, 13),
        outcome="disqualified",
        outcome_reason="no budget",
    ),
    # Tuesday 3 March: the SLA was breached, then a meeting.
    Task(
        day(3, 3),
        due_at=day(3, 4),
        first_action_at=day(3, 5),
        sla_breached=True,
        outcome="meeting_booked",
    ),
    # Tuesday 17 March: a plain task nobody touched, past due.
    Task(day(3, 17), kind="task", due_at=day(3, 18)),
]


def report(
    tasks: list[Task] = TASKS,
    period: Period | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> HandoffReport:
    return build_handoff_report(
        tasks=tasks, journey_id="j", since=since, until=until, period=period, now=NOW
    )


def test_totals_count_outcomes_reasons_and_the_sla() -> None:
    totals = report()

    assert (totals.handoffs, totals.tasks) == (2, 3)
    assert totals.by_outcome == {"disqualified": 1, "meeting_booked": 1, "none yet": 1}
    assert [(r.outcome, r.reason, r.count) for r in totals.reasons] == [
        ("disqualified", "no budget", 1)
    ]
    assert (totals.sla_kept, totals.sla_breached, totals.open_overdue) == (1, 1, 1)
    assert totals.median_hours_to_first_action == 26.0  # 4 h and 48 h
    assert (totals.period, totals.periods) == (None, [])


def test_per_week_lists_every_week_from_the_first_task_to_the_last_empty_ones_included() -> None:
    weeks = report(period="week").periods

    assert [(w.start, w.end, w.handoffs, w.tasks) for w in weeks] == [
        (date(2026, 3, 2), date(2026, 3, 9), 2, 2),
        (date(2026, 3, 9), date(2026, 3, 16), 0, 0),
        (date(2026, 3, 16), date(2026, 3, 23), 0, 1),
    ]
    assert [(w.sla_kept, w.sla_breached, w.open_overdue) for w in weeks] == [
        (1, 1, 0),
        (0, 0, 0),
        (0, 0, 1),
    ]
    assert weeks[0].reasons[0].reason == "no budget"
    assert weeks[1].median_hours_to_first_action is None


def test_per_month_runs_from_since_to_until_but_not_into_the_future() -> None:
    tasks = [Task(day(1, 31)), Task(day(3, 1))]

    months = report(tasks, period="month", since=day(1, 15), until=day(6, 1)).periods

    # Until 1 June, but "now" is 20 March: April and May are not listed.
    assert [(m.start, m.tasks) for m in months] == [
        (date(2026, 1, 1), 1),
        (date(2026, 2, 1), 0),
        (date(2026, 3, 1), 1),
    ]
    assert months[-1].end == date(2026, 4, 1)


def test_december_rolls_over_into_january() -> None:
    tasks = [Task(datetime(2025, 12, 31, 23, tzinfo=UTC)), Task(day(1, 1, 0))]

    months = report(tasks, period="month").periods

    assert [(m.start, m.end, m.tasks) for m in months] == [
        (date(2025, 12, 1), date(2026, 1, 1), 1),
        (date(2026, 1, 1), date(2026, 2, 1), 1),
    ]


def test_no_tasks_and_an_open_window_list_no_periods() -> None:
    assert report([], period="week").periods == []
    assert report([], period="week", since=day(3, 2)).periods == []
    assert [
        w.tasks for w in report([], period="week", since=day(3, 2), until=day(3, 9, 0)).periods
    ] == [0]


def test_the_csv_has_the_totals_then_each_periods_measures() -> None:
    rows = handoff_csv(report(period="week")).splitlines()

    assert rows[0] == "measure,outcome,reason,value,period"
    assert rows[1:3] == ["handoffs,,,2,", "tasks,,,3,"]
    assert "reason,disqualified,no budget,1," in rows
    assert "median_hours_to_first_action,,,26.0," in rows
    assert "handoffs,,,2,2026-03-02" in rows
    assert "tasks,,,0,2026-03-09" in rows
    assert "open_overdue,,,1,2026-03-16" in rows
    assert "median_hours_to_first_action,,,,2026-03-09" in rows


def test_periods_are_calendar_weeks_from_monday_and_months_in_utc() -> None:
    monday_early_in_warsaw = datetime(2026, 3, 9, 0, 30, tzinfo=timezone(HOUR))  # Sunday in UTC

    assert period_start(datetime(2026, 3, 8, 23, 59, tzinfo=UTC), "week") == date(2026, 3, 2)
    assert period_start(datetime(2026, 3, 9, 0, 0, tzinfo=UTC), "week") == date(2026, 3, 9)
    assert period_start(monday_early_in_warsaw, "week") == date(2026, 3, 2)
    assert period_start(day(3, 31), "month") == date(2026, 3, 1)
    assert (as_period("week"), as_period("month"), as_period(None)) == ("week", "month", None)
    with pytest.raises(ValueError, match="quarter"):
        as_period("quarter")


def test_a_window_includes_since_and_excludes_until() -> None:
    window = Window(since=day(3, 2), until=day(3, 3))

    assert window.contains(day(3, 2))
    assert not window.contains(day(3, 3))
    assert not window.contains(day(3, 2) - timedelta(microseconds=1))
    assert Window().contains(day(1, 1))


def test_a_task_closed_without_anyone_acting_is_not_open_and_overdue() -> None:
    # What the erasure of its prospect leaves: closed, no first action, past due.
    closed = Task(day(3, 17), kind="task", due_at=day(3, 18), status="closed")

    totals = report([closed])

    assert (totals.sla_kept, totals.sla_breached, totals.open_overdue) == (0, 0, 0)
    assert totals.by_outcome == {"none yet": 1}
