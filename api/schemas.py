"""What the API accepts and answers, apart from the contracts it shares with the workflow.

Request bodies that take "one or a list" use a callable discriminator, so a malformed body is
reported against the shape the client actually sent (not against both shapes), and
`clean_validation_errors` removes the union tags pydantic puts into error locations, so a client
reads `body.data.content_id` or `body.3.timezone`, not the names of our internal union branches.
"""

from __future__ import annotations

import unicodedata
import zoneinfo
from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import parseaddr
from functools import lru_cache
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, BaseModel, Discriminator, Field, Tag, field_validator

from definitions.vocabulary import ProspectEventType
from workflows.contract import NextAction
from workflows.events import ProspectEvent
from workflows.state import Prospect

MAX_ENROLLMENTS_PER_REQUEST = 5000

_SINGLE = "single"
_BATCH = "batch"
# Segments that pydantic adds to error locations for tagged unions; never field names of ours.
_UNION_TAGS = frozenset({_SINGLE, _BATCH, *get_args(ProspectEventType)})
# RFC 5322's specials other than `@` and `.`: legal only in quoted local parts, which no
# mailbox of a prospect needs, and which the SMTP client refuses or misreads.
_ADDRESS_DELIMITERS = frozenset('"<>()[]\\,;:')


def as_utc(moment: datetime) -> datetime:
    """A client's datetime without a zone is taken as UTC, the only zone stored; ValueError
    for one that UTC cannot hold (`0001-01-01T00:00+02:00` is in the year 0 there)."""
    try:
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except OverflowError as error:
        raise ValueError(
            f"{moment.isoformat()} falls outside the years 1 to 9999 in UTC"
        ) from error


def _occurred_in_utc(event: ProspectEvent) -> ProspectEvent:
    """Every event is stored and compared in UTC: its `occurred_at` must fit there."""
    if event.occurred_at is not None:
        as_utc(event.occurred_at)
    return event


def _one_or_many(value: Any) -> str:
    return _BATCH if isinstance(value, list) else _SINGLE


@lru_cache(maxsize=1)
def _known_timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def check_timezone(name: str | None) -> str | None:
    """An IANA zone name such as `Europe/Warsaw`; anything else is rejected at the door."""
    if name is None:
        return None
    if name in _known_timezones():
        return name
    try:
        zoneinfo.ZoneInfo(name)
    # OSError: a name too long to be a file name (zones are looked up as files).
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError) as error:
        raise ValueError(
            f"unknown time zone {name!r}: use an IANA name such as 'Europe/Warsaw'"
        ) from error
    return name


def check_email_address(address: str) -> str:
    """An address the SMTP client can send to: no control characters and none of the characters
    that delimit addresses (the models' pattern already refuses whitespace). The client refuses
    such an address at every attempt, so one let in here would keep the journey's send failing
    and being retried for ever."""
    if any(unicodedata.category(char) == "Cc" for char in address):
        raise ValueError(f"{address!r} is not an e-mail address: it holds control characters")
    delimiters = sorted(set(address) & _ADDRESS_DELIMITERS)
    if delimiters or parseaddr(address)[1] != address:
        raise ValueError(
            f"{address!r} is not an e-mail address mail can be sent to"
            + (f": it holds {''.join(delimiters)}" if delimiters else "")
        )
    return address


class EnrollmentProspect(Prospect):
    """A prospect as enrollment accepts it: the workflow's `Prospect`, with a real time zone and
    an address that can be sent to."""

    @field_validator("timezone")
    @classmethod
    def _timezone_exists(cls, value: str | None) -> str | None:
        return check_timezone(value)

    @field_validator("email")
    @classmethod
    def _email_sendable(cls, value: str) -> str:
        return check_email_address(value)

    @field_validator("id")
    @classmethod
    def _id_is_opaque(cls, value: str) -> str:
        # The id names the prospect's workflows and is kept in Temporal's histories and search
        # index, beyond erasure of the database and the reach of payload encryption.
        if "@" in value:
            raise ValueError(
                "must be an opaque id (your CRM's), not an e-mail address: it becomes part of "
                "workflow ids that Temporal keeps and shows"
            )
        return value

    def as_prospect(self) -> Prospect:
        return Prospect.model_validate(self.model_dump())


ProspectsBody = Annotated[
    Annotated[EnrollmentProspect, Tag(_SINGLE)]
    | Annotated[
        list[EnrollmentProspect],
        Tag(_BATCH),
        Field(min_length=1, max_length=MAX_ENROLLMENTS_PER_REQUEST),
    ],
    Discriminator(_one_or_many),
]

# The most events per request is a setting (`max_event_batch`), checked by `POST /events`.
_Event = Annotated[ProspectEvent, AfterValidator(_occurred_in_utc)]
EventsBody = Annotated[
    Annotated[_Event, Tag(_SINGLE)] | Annotated[list[_Event], Tag(_BATCH), Field(min_length=1)],
    Discriminator(_one_or_many),
]


def clean_validation_errors(errors: Sequence[Any]) -> list[dict[str, Any]]:
    """Drop union tags from error locations and say plainly which `type` is unknown."""
    cleaned: list[dict[str, Any]] = []
    for raw in errors:
        error = dict(raw)
        loc = [part for part in error.get("loc", ()) if part not in _UNION_TAGS]
        ctx = error.get("ctx") or {}
        if error.get("type") == "union_tag_invalid" and ctx.get("discriminator") == "'type'":
            loc.append("type")
            error["msg"] = (
                f"unknown event type {ctx.get('tag')!r}; expected one of {ctx['expected_tags']}"
            )
        elif error.get("type") == "union_tag_not_found" and ctx.get("discriminator") == "'type'":
            loc.append("type")
            error["msg"] = "Field required: every event needs a `type`"
        if isinstance(ctx.get("error"), Exception):
            error["ctx"] = {**ctx, "error": str(ctx["error"])}
        error["loc"] = loc
        cleaned.append(error)
    return cleaned


# --- journeys -------------------------------------------------------------------------------


class DefinitionErrorOut(BaseModel):
    path: str
    message: str
    line: int | None = None


class DefinitionInvalidOut(BaseModel):
    detail: str
    errors: list[DefinitionErrorOut]


class FieldErrorOut(BaseModel):
    loc: list[str | int] = Field(description="Where: `body`, `query` or `path`, then the field.")
    msg: str
    type: str


class RequestInvalidOut(BaseModel):
    """422 for a request that does not fit the operation's own schema (`app._request_invalid`);
    for operations whose 422 also has a shape of its own, documented beside it."""

    detail: list[FieldErrorOut]


class ValidationOut(BaseModel):
    valid: Literal[True] = True
    journey_id: str
    name: str
    version: int | None = Field(description="The version the document gives, if any.")
    stages: int
    content: int
    sequences: int
    rules: int


class PublishedOut(BaseModel):
    journey_id: str
    version: int
    created: bool = Field(description="False when this exact version was already published.")


class JourneySummary(BaseModel):
    id: str
    name: str
    version: int = Field(description="The latest published version.")
    published_at: datetime
    versions: list[int]


# --- enrollments ----------------------------------------------------------------------------


class EnrollmentOut(BaseModel):
    workflow_id: str
    journey_id: str
    version: int
    prospect_id: str


class EnrollmentConflict(BaseModel):
    prospect_id: str
    workflow_id: str
    reason: str


class EnrollmentFailure(BaseModel):
    prospect_id: str
    message: str


class BulkEnrollmentOut(BaseModel):
    enrolled: list[EnrollmentOut]
    conflicts: list[EnrollmentConflict]
    errors: list[EnrollmentFailure] = Field(default_factory=list)


# --- events ---------------------------------------------------------------------------------


class EventDeliveryOut(BaseModel):
    id: str
    delivered_to: list[str]
    duplicate: bool
    note: str | None = None


class EventsAcceptedOut(BaseModel):
    accepted: int
    events: list[EventDeliveryOut]


# --- prospects ------------------------------------------------------------------------------


class ProspectJourneyOut(BaseModel):
    workflow_id: str
    journey_id: str
    version: int
    stage: str
    score: int
    temperature: str
    lifecycle: str
    status: str
    paused_until: datetime | None
    next_action: NextAction | None
    enrolled_at: datetime | None = None
    variants: dict[str, str] = Field(
        default_factory=dict, description="The A/B variant this prospect got, per split id."
    )
    source: Literal["workflow", "projection"] = Field(
        description="`workflow`: asked the running journey; `projection`: its last saved state."
    )


class ProspectOut(BaseModel):
    id: str
    email: str
    first_name: str | None
    company: str | None
    timezone: str | None
    attributes: dict[str, Any]
    created_at: datetime
    journeys: list[ProspectJourneyOut]


# --- tasks ----------------------------------------------------------------------------------


# --- health ---------------------------------------------------------------------------------


class HealthOut(BaseModel):
    database: str
    temporal: str
