"""A prospect's audit timeline as the prospect page shows it: days, newest first, and per item a
label, a headline, the reason and the small print (rule, version, score).

Pure: `audit.timeline.TimelineItem`s in, plain view objects out. The item's own `summary` is
always kept (as the headline, or on hover), so the page says nothing the API does not.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from api.ui.relative_time import exact
from audit.timeline import ItemKind, TimelineItem

KINDS: tuple[ItemKind, ...] = ("event", "decision", "email", "task", "run")
KIND_LABELS: dict[ItemKind, str] = {
    "event": "Events",
    "decision": "Decisions",
    "email": "E-mails",
    "task": "Tasks",
    "run": "Runs",
}
_EMAIL_STATUS = {
    "sent": "e-mail sent",
    "deferred": "e-mail held back",
    "dropped": "e-mail dropped",
    "failed": "e-mail not delivered",
    "sending": "e-mail being sent",
}
_TASK_TYPES = {"handoff": "hand-off to sales", "notify_manager": "manager told"}
_RUN_TYPES = {"started": "journey started", "completed": "journey ended"}


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: ItemKind
    type: str
    label: str
    headline: str
    summary: str
    journey_id: str
    note: str | None = None
    small_print: tuple[str, ...] = ()
    task_id: str | None = None
    alert: str | None = None  # why an e-mail did not go out (yet)

    @property
    def clock(self) -> str:
        """The time of day in UTC, to the minute (the day is the group's)."""
        return f"{self.at.astimezone(UTC):%H:%M}"


@dataclass(frozen=True)
class Day:
    day: date
    title: str
    entries: list[Entry] = field(default_factory=list)


def _words(text: str) -> str:
    return text.replace("_", " ")


def _detail(item: TimelineItem, key: str) -> str | None:
    value: Any = item.details.get(key)
    return str(value) if value not in (None, "") else None


def _small_print(item: TimelineItem, *extra: str | None) -> tuple[str, ...]:
    parts = [
        f"rule {item.rule_id}" if item.rule_id else None,
        f"v{item.version}" if item.version is not None else None,
        f"score {item.score:,}" if item.score is not None else None,
        *extra,
    ]
    return tuple(part for part in parts if part)


def _email_trouble(item: TimelineItem) -> str | None:
    if item.type == "sent":
        return None
    until, why = _detail(item, "until"), _detail(item, "held_because") or _detail(item, "failure")
    if until:
        when = exact(datetime.fromisoformat(until))
        return f"held back until {when}" + (f": {why}" if why else "")
    return why


def entry_of(item: TimelineItem) -> Entry:
    base: dict[str, Any] = {
        "at": item.at,
        "kind": item.kind,
        "type": item.type,
        "summary": item.summary,
        "journey_id": item.journey_id,
    }
    if item.kind == "email":
        return Entry(
            **base,
            label=_EMAIL_STATUS.get(item.type, f"e-mail {_words(item.type)}"),
            headline=_detail(item, "subject") or _detail(item, "content_title") or item.summary,
            note=_detail(item, "reason"),
            alert=_email_trouble(item),
            small_print=_small_print(item, _detail(item, "content_id"), item.stage),
        )
    if item.kind == "task":
        queue, assignee = _detail(item, "queue"), _detail(item, "assignee")
        return Entry(
            **base,
            label=_TASK_TYPES.get(item.type, _words(item.type)),
            headline=_detail(item, "title") or item.summary,
            note=_detail(item, "reason"),
            small_print=_small_print(
                item, f"queue {queue}" if queue else None, f"for {assignee}" if assignee else None
            ),
            task_id=_detail(item, "task_id"),
        )
    if item.kind == "run":
        return Entry(
            **base,
            label=_RUN_TYPES.get(item.type, f"run {_words(item.type)}"),
            headline=item.summary,
            small_print=_small_print(item),
        )
    # Events and decisions: the summary is the headline (a decision's summary is its reason).
    stage = f"stage {item.stage}" if item.kind == "decision" and item.stage else None
    return Entry(
        **base,
        label=_words(item.type),
        headline=item.summary,
        small_print=_small_print(item, stage),
    )


def day_title(day: date, *, today: date) -> str:
    if day == today:
        return "Today"
    if day == today - timedelta(days=1):
        return "Yesterday"
    return f"{day:%A} {day.day} {day:%B %Y}"


def by_day(items: Sequence[TimelineItem], *, now: datetime) -> list[Day]:
    """Newest day first, newest item first. The sort is stable, so items of one instant (an
    event and the decisions it caused) keep the order the timeline gives them."""
    today = now.astimezone(UTC).date()
    days: dict[date, Day] = {}
    for item in sorted(items, key=lambda item: item.at, reverse=True):
        day = item.at.astimezone(UTC).date()
        if day not in days:
            days[day] = Day(day, day_title(day, today=today))
        days[day].entries.append(entry_of(item))
    return list(days.values())


def kind_counts(items: Sequence[TimelineItem]) -> list[tuple[ItemKind, str, int]]:
    """Per kind, in a fixed order: the kind, its label and how many items it has."""
    counts = Counter(item.kind for item in items)
    return [(kind, KIND_LABELS[kind], counts[kind]) for kind in KINDS if counts[kind]]
