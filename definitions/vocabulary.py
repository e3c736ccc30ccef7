"""The words a journey is written in: event types, temperatures, lifecycles, sales outcomes."""

from __future__ import annotations

from typing import Literal

# The prospect-originated events the engine understands. `content_sent` and `stage_entered`
# are the engine's own happenings, usable as rule triggers (e.g. "2 days after the contract
# draft was sent, send the FAQ").
ProspectEventType = Literal[
    "content_consumed",
    "form_submitted",
    "email_replied",
    "out_of_office",
    "channel_contact",
    "unsubscribed",
    "email_bounced",
    "sales_outcome",
]
# `resurfaced` happens on the date a salesperson gave with a `not_now` outcome.
InternalEventType = Literal["content_sent", "stage_entered", "resurfaced"]
TriggerEventType = Literal[ProspectEventType, InternalEventType]
Temperature = Literal["cold", "warm", "hot"]
Lifecycle = Literal["lead", "mql", "sql", "customer"]

# What a salesperson reports on a task (article 004: the outcome goes back to marketing).
SalesOutcomeKind = Literal[
    "contacted",
    "meeting_booked",
    "qualified",
    "not_now",
    "wrong_person",
    "disqualified",
    "won",
    "lost",
]
SALES_OUTCOMES: tuple[str, ...] = SalesOutcomeKind.__args__  # type: ignore[attr-defined]
# Outcomes that show the salesperson acted while the task goes on; the others close it.
PROGRESS_OUTCOMES = frozenset({"contacted", "meeting_booked"})
