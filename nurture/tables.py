"""Database tables: the published definitions, the prospect registry, and projections.

Journey state belongs to the workflows; the rows here are what the workflows reported (for
listing, reports and the UI) plus what the API must know before any workflow exists (which
definitions are published, which prospects exist, which events were received).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Dialect, Text, TypeDecorator, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, on SQLite (which keeps no zone) and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: the database stores only aware UTC times")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class JourneyVersion(SQLModel, table=True):
    __tablename__ = "journey_versions"
    __table_args__ = (UniqueConstraint("journey_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    journey_id: str = Field(index=True, max_length=64)
    version: int
    name: str
    source: str = Field(sa_column=Column(Text, nullable=False))
    definition: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    published_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class ProspectRecord(SQLModel, table=True):
    __tablename__ = "prospects"

    id: str = Field(primary_key=True, max_length=200)
    email: str = Field(index=True, max_length=320)
    first_name: str | None = None
    company: str | None = None
    timezone: str | None = None
    attributes: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class Enrollment(SQLModel, table=True):
    """One prospect in one journey: the projection of that workflow's state."""

    __tablename__ = "enrollments"

    workflow_id: str = Field(primary_key=True, max_length=300)
    prospect_id: str = Field(index=True, max_length=200)
    journey_id: str = Field(index=True, max_length=64)
    version: int
    stage: str
    score: int = 0
    temperature: str = "cold"
    lifecycle: str = "lead"
    status: str = Field(default="active", index=True)
    paused_until: datetime | None = Field(default=None, sa_type=UtcDateTime)
    next_action: str | None = None
    next_action_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    enrolled_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    state: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    # Re-entry rules need when the last entry ended (on the workflow's clock) and how many
    # entries the prospect has had, the first included.
    ended_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    entries: int = Field(default=1, ge=1)


class EventRecord(SQLModel, table=True):
    """Every event the API accepted, with where it was delivered; nothing is dropped silently."""

    __tablename__ = "events"

    id: str = Field(primary_key=True, max_length=200)
    prospect_id: str = Field(index=True, max_length=200)
    type: str
    occurred_at: datetime = Field(sa_type=UtcDateTime)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    delivered_to: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    note: str | None = None


class SentEmail(SQLModel, table=True):
    __tablename__ = "sent_emails"

    key: str = Field(primary_key=True, max_length=400)
    message_id: str = Field(unique=True, max_length=400)
    workflow_id: str = Field(index=True, max_length=300)
    prospect_id: str = Field(index=True, max_length=200)
    journey_id: str = Field(max_length=64)
    content_id: str
    to_address: str
    subject: str
    reason: str = Field(sa_column=Column(Text, nullable=False))
    sent_at: datetime = Field(sa_type=UtcDateTime)


class SalesTask(SQLModel, table=True):
    __tablename__ = "tasks"

    id: str = Field(primary_key=True, max_length=64)
    key: str = Field(unique=True, max_length=400)
    workflow_id: str = Field(index=True, max_length=300)
    prospect_id: str = Field(index=True, max_length=200)
    journey_id: str = Field(max_length=64)
    kind: str
    title: str
    description: str | None = Field(default=None, sa_column=Column(Text))
    queue: str | None = Field(default=None, index=True)
    assignee: str | None = Field(default=None, index=True)
    status: str = Field(default="open", index=True)
    reason: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_type=UtcDateTime)
    due_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    context: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    # The prospect's own words that led to the task (a reply with the quoted history stripped).
    message: str | None = Field(default=None, sa_column=Column(Text))
    # What sales reported: the lead-quality feedback marketing learns from (article 004).
    outcome: str | None = Field(default=None, index=True)
    outcome_reason: str | None = Field(default=None, sa_column=Column(Text))
    outcome_note: str | None = Field(default=None, sa_column=Column(Text))
    bant: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    first_action_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    sla_breached: bool = False
    # Escalation steps and notifications done, by command key, so a retry does none twice.
    notices: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))


class QueueCursor(SQLModel, table=True):
    """Where round-robin assignment stands in each queue, shared by every worker."""

    __tablename__ = "queue_cursors"

    queue: str = Field(primary_key=True, max_length=64)
    journey_id: str = Field(primary_key=True, max_length=64)
    turns: int = 0


class DecisionRecord(SQLModel, table=True):
    __tablename__ = "decisions"
    __table_args__ = (UniqueConstraint("workflow_id", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    workflow_id: str = Field(index=True, max_length=300)
    seq: int
    at: datetime = Field(sa_type=UtcDateTime)
    kind: str
    reason: str = Field(sa_column=Column(Text, nullable=False))
    rule_id: str | None = None
    event_id: str | None = None
    score: int | None = None
    stage: str | None = None


class InboundEmail(SQLModel, table=True):
    """Every message a prospect's side sent back, kept whole with what was made of it.

    Nothing is dropped: a message that could not be classified or matched to a prospect stays
    here with a review task, and the raw text is kept so a person can read what arrived.
    """

    __tablename__ = "inbound_emails"

    id: str = Field(primary_key=True, max_length=64)
    message_id: str | None = Field(default=None, index=True, max_length=400)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    from_address: str | None = Field(default=None, index=True, max_length=320)
    subject: str = Field(default="", sa_column=Column(Text, nullable=False))
    kind: str = Field(index=True)
    return_date: str | None = None
    reason: str = Field(sa_column=Column(Text, nullable=False))
    classification: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    prospect_id: str | None = Field(default=None, index=True, max_length=200)
    matched_by: str | None = None
    event_id: str | None = None
    task_id: str | None = None
    note: str | None = Field(default=None, sa_column=Column(Text))
    raw: str = Field(sa_column=Column(Text, nullable=False))


class SendingPolicyRecord(SQLModel, table=True):
    """The sending policy (frequency cap, quiet periods), one row per change.

    The newest row is in force; older rows stay so "why was nothing sent on 27 December?" can
    still be answered after the policy changed. No row at all means no cap and no quiet period.
    """

    __tablename__ = "sending_policies"

    id: int | None = Field(default=None, primary_key=True)
    policy: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class ProspectSendLock(SQLModel, table=True):
    """One row per prospect, written first by every send check so checks queue up one by one.

    See `activities.sending_policy` for the whole check-and-reserve scheme.
    """

    __tablename__ = "prospect_send_locks"

    prospect_id: str = Field(primary_key=True, max_length=200)
    checks: int = 0


class SendReservation(SQLModel, table=True):
    """An e-mail the sending policy cleared that is not (yet) in `sent_emails`.

    It counts against the frequency cap while the e-mail is being delivered, and lets a retry of
    the same send go ahead without being checked a second time.
    """

    __tablename__ = "send_reservations"

    key: str = Field(primary_key=True, max_length=400)
    prospect_id: str = Field(index=True, max_length=200)
    at: datetime = Field(sa_type=UtcDateTime)


class TimelineRun(SQLModel, table=True):
    """The audit timeline of one closed workflow run, read once from its Temporal history.

    A closed run's history never changes, so its timeline is kept here and read from here next
    time; it also outlives Temporal's retention of the run. `format` is the shape of `items`:
    rows of another format are read again from Temporal while it still has the run.
    """

    __tablename__ = "timeline_runs"

    workflow_id: str = Field(primary_key=True, max_length=300)
    run_id: str = Field(primary_key=True, max_length=64)
    prospect_id: str = Field(index=True, max_length=200)
    journey_id: str = Field(max_length=64)
    status: str
    started_at: datetime = Field(sa_type=UtcDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    format: int = 1
    items: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    cached_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
