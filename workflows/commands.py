"""What the interpreter asks the outside world to do, and the decisions it records.

Commands carry a stable `key` built from the workflow's business identity and a per-journey
counter, never from run ids, so a retried activity or a replayed workflow asks for the same
e-mail or task again and the adapters can apply it once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, Field


class SendEmail(BaseModel):
    kind: Literal["send_email"] = "send_email"
    key: str
    content_id: str
    reason: str


class CreateTask(BaseModel):
    kind: Literal["create_task"] = "create_task"
    key: str
    task_kind: Literal["handoff", "task"]
    title: str
    description: str | None = None
    queue: str | None = None
    assignee: str | None = None
    sla: timedelta | None = None
    due_at: datetime | None = None
    reason: str


Command = SendEmail | CreateTask


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
        "task",
        "paused",
        "resumed",
        "scheduled",
        "status",
        "completed",
    ]
    reason: str
    rule_id: str | None = None
    event_id: str | None = None


class Outcome(BaseModel):
    """The interpreter's answer to one input: the state after it, and what follows from it."""

    commands: list[Command] = Field(default_factory=list)
    decisions: list[Decision] = Field(default_factory=list)
