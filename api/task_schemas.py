"""What the sales endpoints accept and answer."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from api.schemas import check_email_address
from definitions.durations import Duration
from definitions.vocabulary import SALES_OUTCOMES, SalesOutcomeKind
from workflows.events import Bant, NewContact


class TaskOut(BaseModel):
    id: str
    kind: str
    title: str
    description: str | None
    status: str = Field(description="open, in_progress (acted on) or closed.")
    queue: str | None
    assignee: str | None
    prospect_id: str
    journey_id: str
    workflow_id: str
    reason: str
    created_at: datetime
    due_at: datetime | None
    message: str | None = Field(description="What the prospect wrote, quoted history stripped.")
    outcome: str | None
    outcome_reason: str | None
    outcome_note: str | None
    bant: dict[str, Any]
    first_action_at: datetime | None
    closed_at: datetime | None
    sla_breached: bool


class HistoryItem(BaseModel):
    at: datetime
    kind: Literal["event", "email", "decision"]
    type: str = Field(description="The event type, `sent`, or the decision kind.")
    summary: str
    score: int | None = None
    stage: str | None = None


class ScorePoint(BaseModel):
    at: datetime
    score: int


class TaskDetailOut(TaskOut):
    context: dict[str, Any] = Field(description="The journey as it was when the task was made.")
    history: list[HistoryItem] = Field(
        description="Everything the prospect did and the journey decided, oldest first."
    )
    score_over_time: list[ScorePoint]
    bant_fields: list[str] = ["budget", "authority", "need", "timeline"]
    allowed_outcomes: list[str] = list(SALES_OUTCOMES)


class OutcomeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: SalesOutcomeKind
    id: str | None = Field(
        default=None,
        max_length=200,
        description="Idempotency key; by default derived from the outcome's content, so a "
        "retried request is applied once.",
    )
    note: str | None = Field(default=None, max_length=5000)
    reason: str | None = Field(
        default=None, max_length=500, description="Why disqualified or lost: lead-quality feedback."
    )
    bant: Bant | None = None
    until: date | None = Field(default=None, description="For not_now: when to re-surface.")
    after: Duration | None = Field(
        default=None, description="For not_now, instead of `until`: e.g. 90d from today."
    )
    new_contact: NewContact | None = Field(
        default=None, description="For wrong_person: the right person, if known."
    )

    @model_validator(mode="after")
    def _dates_fit_the_outcome(self) -> OutcomeIn:
        # `is not None`: `after: 0d` is a falsy timedelta, yet it was given.
        dated = self.until is not None or self.after is not None
        if dated and self.outcome != "not_now":
            raise ValueError("`until` and `after` belong to a not_now outcome")
        if self.until is not None and self.after is not None:
            raise ValueError("give `until` or `after`, not both")
        if self.new_contact and self.outcome != "wrong_person":
            raise ValueError("`new_contact` belongs to a wrong_person outcome")
        return self

    @field_validator("new_contact")
    @classmethod
    def _new_contact_can_be_mailed(cls, contact: NewContact | None) -> NewContact | None:
        if contact is not None:
            check_email_address(contact.email)
        return contact


class ReassignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    assignee: Annotated[str, AfterValidator(check_email_address)] = Field(
        pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
        max_length=320,
        examples=["marta.nowak@northwind.example.com"],
    )
    note: str | None = Field(default=None, max_length=2000)


class TaskActionOut(BaseModel):
    task: TaskOut
    event_id: str
    duplicate: bool = Field(description="True when this request had been applied before.")
    delivered_to: list[str]
    note: str | None = None
