"""What a prospect can do, as the API accepts it and the interpreter applies it.

Each event type has its own typed `data`, so a malformed event is rejected at the door with the
name of the missing field instead of failing deep inside a running journey.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter


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


class OutOfOfficeData(_Data):
    return_date: date | None = None
    text: str | None = None


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


ProspectEvent = Annotated[
    ContentConsumed | FormSubmitted | EmailReplied | OutOfOffice | ChannelContact | Unsubscribed,
    Field(discriminator="type"),
]
PROSPECT_EVENT: TypeAdapter[ProspectEvent] = TypeAdapter(ProspectEvent)

# Events that show the prospect is paying attention; they reset inactivity clocks.
ACTIVITY_EVENT_TYPES = frozenset(
    {"content_consumed", "form_submitted", "email_replied", "channel_contact"}
)
# Events after which the running sequence must not carry on by itself (article 000: a reply,
# an autoresponder or contact through another channel stops the campaign's automation).
SEQUENCE_STOPPING_EVENT_TYPES = frozenset({"email_replied", "channel_contact"})
