"""A prospect's journey state: owned by its workflow, carried across continue-as-new.

Everything here is plain data (pydantic, JSON round-trippable) so the same state can be a
workflow input, a query answer, a database projection and a simulation snapshot.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from definitions.vocabulary import Lifecycle, Temperature

Status = Literal["active", "paused", "handed_off", "unsubscribed", "completed"]
TERMINAL_STATUSES: frozenset[str] = frozenset({"unsubscribed", "completed"})
# The largest score: the database keeps scores in a 32-bit integer column.
MAX_SCORE = 2**31 - 1

# Idempotency needs the ids of applied events; a journey lives for months but sees few events,
# so a generous window keeps state small while a webhook retried days later is still recognised.
APPLIED_EVENT_IDS_KEPT = 1000


class Prospect(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=200)
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320)
    first_name: str | None = None
    company: str | None = None
    timezone: str | None = None
    attributes: dict[str, Any] = Field(default_factory=dict)


class Cursor(BaseModel):
    """Where the prospect is in the current stage's sequence."""

    stage: str
    step: int = 0
    due_at: datetime
    # Set while a `wait_for` step waits; the deadline after which `on_timeout` applies.
    waiting_until: datetime | None = None


class ScheduledActions(BaseModel):
    """A rule with `after:` whose actions run later (e.g. two days after the draft was sent)."""

    key: str
    rule_id: str
    due_at: datetime
    cause: str


class DeferredSend(BaseModel):
    """A rule's e-mail that fell inside a pause; it goes out when the pause ends."""

    content_id: str
    reason: str
    rule_id: str | None = None


class HeldSend(BaseModel):
    """An e-mail waiting for the send window to open, a quiet period to end or room under a cap."""

    content_id: str
    reason: str
    until: datetime
    held_because: str
    # None for a sequence's own e-mail: it is dropped when the sequence stops (a reply came).
    rule_id: str | None = None


class SentMessage(BaseModel):
    key: str
    content_id: str
    at: datetime


TaskStatus = Literal["open", "in_progress", "closed"]


class TaskRef(BaseModel):
    """A task the journey created, and its SLA clock: escalation runs on the workflow's timers."""

    key: str
    title: str
    kind: Literal["handoff", "task"]
    at: datetime
    id: str = ""
    queue: str | None = None
    assignee: str | None = None
    due_at: datetime | None = None
    status: TaskStatus = "open"
    # How many of the queue's escalation steps have run; they count from `due_at`.
    escalations_done: int = 0
    outcome: str | None = None

    @property
    def awaits_action(self) -> bool:
        """Open and untouched: only such a task can breach its SLA."""
        return self.status == "open"


class StageVisit(BaseModel):
    stage: str
    entered_at: datetime
    reason: str


class JourneyState(BaseModel):
    prospect: Prospect
    journey_id: str
    version: int
    enrolled_at: datetime
    stage: str
    score: int = 0
    temperature: Temperature = "cold"
    lifecycle: Lifecycle = "lead"
    status: Status = "active"
    paused_until: datetime | None = None
    # A `not_now` outcome's date: rules on `resurfaced` run then.
    resurface_at: datetime | None = None
    undeliverable: bool = False
    undeliverable_reason: str | None = None
    cursor: Cursor | None = None
    scheduled: list[ScheduledActions] = Field(default_factory=list)
    deferred_sends: list[DeferredSend] = Field(default_factory=list)
    held_sends: list[HeldSend] = Field(default_factory=list)
    sent: list[SentMessage] = Field(default_factory=list)
    consumed: dict[str, datetime] = Field(default_factory=dict)
    tasks: list[TaskRef] = Field(default_factory=list)
    stage_history: list[StageVisit] = Field(default_factory=list)
    last_activity_at: datetime
    # Rules that fire once, and inactivity rules keyed by the activity time they fired for.
    fired_once: list[str] = Field(default_factory=list)
    inactivity_fired: dict[str, datetime] = Field(default_factory=dict)
    applied_event_ids: list[str] = Field(default_factory=list)
    # Goals about the prospect's state that hold now: each fires when it becomes true.
    goals_met: list[str] = Field(default_factory=list)
    # The branch each split put the prospect in (split id -> variant), for reports.
    variants: dict[str, str] = Field(default_factory=dict)
    # When the score last decayed; the next decay counts from this or the last activity.
    score_decayed_at: datetime | None = None
    # Monotonic counter for stable command keys (message ids, task ids) within one journey.
    sequence_number: int = 0
    decision_count: int = 0
    ended_reason: str | None = None

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES

    def task(self, task_id: str | None) -> TaskRef | None:
        return next((task for task in self.tasks if task.id == task_id), None)
