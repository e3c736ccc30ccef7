"""What a prospect can do, as the API accepts it and the interpreter applies it.

Each event type has its own typed `data`, so a malformed event is rejected at the door with the
name of the missing field instead of failing deep inside a running journey.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from definitions.vocabulary import SalesOutcomeKind


class _Data(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


class ContentConsumedData(_Data):
    content_id: str = Field(min_length=1)


class FormSubmittedData(_Data):
    form_id: str = Field(min_length=1)
    fields: dict[str, Any] = Field(default_factory=dict)


class EmailRepliedData(_Data):
    text: str | None = None
    subject: str | None = None
    message_id: str | None = None


class ContactDetails(_Data):
    """Someone the prospect's autoreply names instead of them, or the right person per sales."""

    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320)
    phone: str | None = Field(default=None, max_length=50)


class OutOfOfficeData(_Data):
    return_date: date | None = None
    text: str | None = None
    alternate_contact: ContactDetails | None = None


class EmailBouncedData(_Data):
    recipient: str | None = None
    status: str | None = Field(default=None, description="The enhanced status code, e.g. 5.1.1.")
    diagnostic: str | None = None
    permanent: bool = Field(
        default=True, description="False for a delay notice: the server is still trying."
    )


class Bant(_Data):
    budget: str | None = None
    authority: str | None = None
    need: str | None = None
    timeline: str | None = None


class NewContact(_Data):
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320)
    first_name: str | None = None
    company: str | None = None
    timezone: str | None = None


class SalesOutcomeData(_Data):
    outcome: SalesOutcomeKind
    task_id: str | None = Field(default=None, description="The task the outcome closes.")
    note: str | None = None
    reason: str | None = Field(default=None, description="Why disqualified or lost.")
    until: date | None = Field(default=None, description="For not_now: when to re-surface.")
    bant: Bant | None = None
    new_contact: NewContact | None = None


class TaskReassignedData(_Data):
    task_id: str = Field(min_length=1)
    assignee: str = Field(min_length=1)
    note: str | None = None


class ChannelContactData(_Data):
    channel: str = Field(min_length=1)
    note: str | None = None


class UnsubscribedData(_Data):
    reason: str | None = None


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, max_length=200, description="Idempotency key of the event.")
    prospect_id: str = Field(min_length=1, max_length=200)
    occurred_at: datetime | None = Field(
        default=None, description="When it happened; the time it was received when omitted."
    )


class ContentConsumed(_Event):
    type: Literal["content_consumed"]
    data: ContentConsumedData


class FormSubmitted(_Event):
    type: Literal["form_submitted"]
    data: FormSubmittedData


class EmailReplied(_Event):
    type: Literal["email_replied"]
    data: EmailRepliedData = Field(default_factory=EmailRepliedData)


class OutOfOffice(_Event):
    type: Literal["out_of_office"]
    data: OutOfOfficeData = Field(default_factory=OutOfOfficeData)


class ChannelContact(_Event):
    type: Literal["channel_contact"]
    data: ChannelContactData


class Unsubscribed(_Event):
    type: Literal["unsubscribed"]
    data: UnsubscribedData = Field(default_factory=UnsubscribedData)


class EmailBounced(_Event):
    type: Literal["email_bounced"]
    data: EmailBouncedData = Field(default_factory=EmailBouncedData)


class SalesOutcome(_Event):
    type: Literal["sales_outcome"]
    data: SalesOutcomeData


class TaskReassigned(_Event):
    type: Literal["task_reassigned"]
    data: TaskReassignedData


ProspectEvent = Annotated[
    ContentConsumed
    | FormSubmitted
    | EmailReplied
    | OutOfOffice
    | ChannelContact
    | Unsubscribed
    | EmailBounced
    | SalesOutcome
    | TaskReassigned,
    Field(discriminator="type"),
]
PROSPECT_EVENT: TypeAdapter[ProspectEvent] = TypeAdapter(ProspectEvent)

# Events that show the prospect is paying attention; they reset inactivity clocks. A sales
# outcome counts too: a salesperson talked to them.
ACTIVITY_EVENT_TYPES = frozenset(
    {"content_consumed", "form_submitted", "email_replied", "channel_contact", "sales_outcome"}
)
# Events after which the running sequence must not carry on by itself (article 000: a reply,
# an autoresponder or contact through another channel stops the campaign's automation).
SEQUENCE_STOPPING_EVENT_TYPES = frozenset({"email_replied", "channel_contact"})
