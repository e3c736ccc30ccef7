"""What the interpreter asks the outside world to do, and the decisions it records.

Commands carry a stable `key` built from the workflow's business identity and a per-journey
counter, never from run ids, so a retried activity or a replayed workflow asks for the same
e-mail or task again and the adapters can apply it once.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, Field


def stable_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def task_id_for(key: str) -> str:
    """The task's public id: short, opaque, and the same on every retry and replay."""
    return stable_digest(key)[:16]


class SendEmail(BaseModel):
    kind: Literal["send_email"] = "send_email"
    key: str
    content_id: str
    reason: str
    rule_id: str | None = None


class CreateTask(BaseModel):
    kind: Literal["create_task"] = "create_task"
    key: str
    task_id: str = ""
    task_kind: Literal["handoff", "task"]
    title: str
    description: str | None = None
    queue: str | None = None
    assignee: str | None = None
    sla: timedelta | None = None
    due_at: datetime | None = None
    reason: str
    # The prospect's own words that led to the task (a reply, quoted history stripped).
    message: str | None = None


class EscalateTask(BaseModel):
    """An overdue task's next escalation step, as its queue defines it."""

    kind: Literal["escalate_task"] = "escalate_task"
    key: str
    task_id: str
    action: Literal["remind", "notify_manager", "reassign"]
    reason: str


class NotifyReassigned(BaseModel):
    kind: Literal["notify_reassigned"] = "notify_reassigned"
    key: str
    task_id: str
    assignee: str
    reason: str


class EnrollContact(BaseModel):
    """Start a journey for someone else (the right person a salesperson named)."""

    kind: Literal["enroll_contact"] = "enroll_contact"
    key: str
    journey_id: str
    email: str
    first_name: str | None = None
    company: str | None = None
    timezone: str | None = None
    referred_by: str
    reason: str


Command = SendEmail | CreateTask | EscalateTask | NotifyReassigned | EnrollContact


class Decision(BaseModel):
    """One line of the audit trail: what changed or happened, and why."""

    seq: int = Field(description="Position in the journey's audit trail, from 1.")
    at: datetime
    kind: Literal[
        "enrolled",
        "event_applied",
        "event_ignored",
        "points",
        "stage_moved",
        "marked",
        "sequence_step",
        "sequence_stopped",
        "send",
        "send_skipped",
        "send_failed",
        "send_deferred",
        "task",
        "paused",
        "resumed",
        "scheduled",
        "status",
        "completed",
        "escalated",
        "outcome",
        "resurfaced",
        "goal",
        "split",
        "migrated",
    ]
    reason: str
    rule_id: str | None = None
    event_id: str | None = None
    score: int | None = Field(default=None, description="The score after a points change.")
    stage: str | None = Field(default=None, description="The stage after a move.")


class Outcome(BaseModel):
    """The interpreter's answer to one input: the state after it, and what follows from it."""

    commands: list[Command] = Field(default_factory=list)
    decisions: list[Decision] = Field(default_factory=list)
