"""Journey-wide settings: when e-mail may be sent, score decay, re-entry, and sales queues."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Literal

from pydantic import Field, model_validator

from definitions.base import Slug, Strict
from definitions.durations import Duration


class ReEntry(Strict):
    allowed: bool = Field(
        default=False, description="Whether a prospect whose journey ended may enter it again."
    )
    after: Duration | None = Field(
        default=None, description="The least time between the end of one entry and the next."
    )
    max_entries: int | None = Field(
        default=None, ge=1, description="Entries in all, the first included."
    )


class ScoreDecay(Strict):
    after: Duration = Field(description="Without activity for this long, the score decays …")
    by: Literal["half", "all"] = Field(
        default="half", description="… by half (again every period) or all at once (expired)."
    )


class Scoring(Strict):
    decay: ScoreDecay | None = None


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[str, ...] = Weekday.__args__  # type: ignore[attr-defined]


def _working_days() -> list[Weekday]:
    return ["mon", "tue", "wed", "thu", "fri"]


class SendWindow(Strict):
    """When e-mail may reach the prospect, in their own time zone."""

    days: list[Weekday] = Field(default_factory=_working_days, min_length=1)
    start: time = Field(default=time(9), description='Local opening time, e.g. "09:00".')
    end: time = Field(default=time(17), description="Local closing time (exclusive).")
    holidays: list[date] = Field(default_factory=list, description="Whole days without sending.")

    @model_validator(mode="after")
    def _opens_before_it_closes(self) -> SendWindow:
        if self.end <= self.start:
            raise ValueError(f"end {self.end:%H:%M} must be after start {self.start:%H:%M}")
        return self


class Sending(Strict):
    window: SendWindow | None = None


class EscalationStep(Strict):
    after: Duration = Field(description="How long after the task's deadline.")
    do: Literal["remind", "notify_manager", "reassign"]


class Queue(Strict):
    """Salespeople who share work, how a task picks one of them, and what an overdue task does."""

    id: Slug
    members: list[str] = Field(min_length=1, description="E-mail addresses of the salespeople.")
    manager: str | None = None
    route_by: str | None = Field(
        default=None,
        description="A prospect attribute (e.g. country) whose value picks the member in "
        "`routes`; round robin when it is missing or has no route.",
    )
    routes: dict[str, str] = Field(default_factory=dict)
    escalation: list[EscalationStep] = Field(default_factory=list)


class Sales(Strict):
    queues: list[Queue] = Field(default_factory=list)

    def queue(self, queue_id: str | None) -> Queue | None:
        return next((queue for queue in self.queues if queue.id == queue_id), None)


class Sender(Strict):
    from_address: str = Field(alias="from", min_length=3)
    reply_to: str | None = None


class Defaults(Strict):
    timezone: str = "UTC"
    out_of_office_pause: Duration = Field(
        default=timedelta(days=7),
        description="How long to pause on an out-of-office reply that names no return date.",
    )
    resume_hour: int = Field(
        default=9, ge=0, le=23, description="Local hour at which a paused journey resumes."
    )
