"""The prospect page's timeline: days newest first, and per kind what the headline and the small
print are."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from api.ui.timeline_view import by_day, entry_of, kind_counts
from audit.timeline import ItemKind, TimelineItem

NOW = datetime(2026, 3, 12, 15, 0, tzinfo=UTC)


def item(kind: ItemKind, type_: str, at: datetime, summary: str, **fields: Any) -> TimelineItem:
    return TimelineItem(
        at=at,
        journey_id="b2b",
        workflow_id="journey:b2b:prospect:ada",
        run_id="run-1",
        kind=kind,
        type=type_,
        summary=summary,
        **fields,
    )


def test_days_are_newest_first_and_an_event_stays_before_the_decisions_it_caused() -> None:
    two_days_ago = NOW - timedelta(days=2)
    items = [
        item("run", "started", two_days_ago, "journey b2b started for ada@x"),
        item("event", "content_consumed", NOW - timedelta(days=1), "content consumed (guide)"),
        item("event", "email_replied", NOW, "email replied"),
        item("decision", "status", NOW, "handed off: rule 'reply'", rule_id="reply", version=3),
    ]

    days = by_day(items, now=NOW)

    assert [day.title for day in days] == ["Today", "Yesterday", "Tuesday 10 March 2026"]
    assert [entry.type for entry in days[0].entries] == ["email_replied", "status"]
    assert days[0].entries[1].small_print == ("rule reply", "v3")
    assert days[0].entries[0].clock == "15:00"


def test_an_email_shows_its_subject_with_the_reason_and_why_it_was_held_back() -> None:
    details = {
        "subject": "The guide",
        "content_id": "guide",
        "reason": "sequence step 1 of learn",
        "until": "2026-03-13T08:00:00+00:00",
        "held_because": "quiet period",
    }
    held = item("email", "deferred", NOW, "e-mail ... held back", details=details, version=2)

    entry = entry_of(held)

    assert (entry.label, entry.headline, entry.note) == (
        "e-mail held back",
        "The guide",
        "sequence step 1 of learn",
    )
    assert entry.alert == "held back until 2026-03-13 08:00 UTC: quiet period"
    assert entry.small_print == ("v2", "guide")
    assert entry.summary == "e-mail ... held back"  # kept for the hover


def test_a_sent_email_raises_no_alert_and_a_task_links_to_its_task() -> None:
    sent = entry_of(item("email", "sent", NOW, "sent", details={"subject": "Hi", "reason": "r"}))
    task = entry_of(
        item(
            "task",
            "handoff",
            NOW,
            'hand-off to sales "Call them"',
            details={"task_id": "t-1", "title": "Call them", "queue": "sales", "reason": "50"},
        )
    )

    assert sent.alert is None
    assert (task.label, task.headline, task.task_id) == ("hand-off to sales", "Call them", "t-1")
    assert task.small_print == ("queue sales",)


def test_kinds_are_counted_in_a_fixed_order_without_empty_ones() -> None:
    items = [
        item("decision", "points", NOW, "+5"),
        item("event", "form_submitted", NOW, "form"),
        item("decision", "stage_moved", NOW, "moved"),
    ]

    assert kind_counts(items) == [("event", "Events", 1), ("decision", "Decisions", 2)]
