"""The names and inputs shared by the workflow, its activities, the worker and the API.

One input object per workflow and activity, so fields can be added without breaking journeys
that are already running.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from definitions.model import ContentItem, JourneyDefinition
from definitions.settings import Queue, Sender
from workflows.commands import (
    CreateTask,
    Decision,
    EnrollContact,
    EscalateTask,
    NotifyReassigned,
    SendEmail,
)
from workflows.events import ProspectEvent
from workflows.state import JourneyState, Prospect

WORKFLOW_NAME = "ProspectJourney"
EVENT_SIGNAL = "event"
MIGRATE_SIGNAL = "migrate"
STATE_QUERY = "state"

SEND_EMAIL_ACTIVITY = "send_email"
CREATE_TASK_ACTIVITY = "create_task"
RECORD_PROJECTION_ACTIVITY = "record_projection"
ESCALATE_TASK_ACTIVITY = "escalate_task"
NOTIFY_REASSIGNED_ACTIVITY = "notify_reassigned"
ENROLL_CONTACT_ACTIVITY = "enroll_contact"


# Why a send failed, as the activity reports it (ApplicationError.type). The permanent ones are
# not retried; the workflow records them, and a rejected address stops all further sending.
ADDRESS_REJECTED = "AddressRejected"
SMTP_AUTH_FAILED = "SmtpAuthFailed"
SMTP_REFUSED = "SmtpRefused"
TEMPLATE_ERROR = "TemplateError"
RECIPIENT_DEFERRED = "RecipientDeferred"  # 4xx: retried like any transient failure
PERMANENT_SEND_FAILURES = frozenset(
    {ADDRESS_REJECTED, SMTP_AUTH_FAILED, SMTP_REFUSED, TEMPLATE_ERROR}
)


def journey_workflow_id(journey_id: str, prospect_id: str) -> str:
    """Business key, so enrolling the same prospect twice finds the running journey."""
    return f"journey:{journey_id}:prospect:{prospect_id}"


class JourneyInput(BaseModel):
    definition: JourneyDefinition
    prospect: Prospect
    # Set when continuing as new: the state and the events received but not yet applied.
    state: JourneyState | None = None
    pending_events: list[ProspectEvent] = Field(default_factory=list)
    # Continue as new once the run's history has this many events (tests lower it).
    history_limit: int = Field(default=2000, ge=50)
    run_number: int = Field(default=1, ge=1)
    # Decisions the earlier entries of this workflow id made (re-entry numbers on from them).
    decisions_before: int = Field(default=0, ge=0)


class NextAction(BaseModel):
    at: datetime
    description: str


class JourneyView(BaseModel):
    """The answer to the state query: the state plus what happens next."""

    state: JourneyState
    next_action: NextAction | None = None
    run_count: int = 1


class SendEmailInput(BaseModel):
    key: str
    workflow_id: str
    journey_id: str
    journey_name: str
    version: int
    stage: str
    prospect: Prospect
    content: ContentItem
    sender: Sender
    reason: str
    at: datetime
    # The prospect's time zone when they have none: quiet periods are local days.
    default_timezone: str = "UTC"

    @classmethod
    def for_command(
        cls,
        command: SendEmail,
        *,
        definition: JourneyDefinition,
        state: JourneyState,
        workflow_id: str,
        at: datetime,
    ) -> SendEmailInput:
        """What the send activity needs to carry out `command` for this journey, now."""
        return cls(
            key=command.key,
            workflow_id=workflow_id,
            journey_id=definition.journey,
            journey_name=definition.name,
            version=state.version,
            stage=state.stage,
            prospect=state.prospect,
            content=definition.content_item(command.content_id),
            sender=definition.sender,
            reason=command.reason,
            at=at,
            default_timezone=definition.defaults.timezone,
        )


class SendResult(BaseModel):
    """What the send activity did: sent, or held back by the sending policy (and why)."""

    status: Literal["sent", "deferred", "dropped"]
    message_id: str | None = None
    until: datetime | None = Field(default=None, description="For `deferred`: when to retry.")
    reason: str | None = None
    # The subject as rendered and sent, for the audit timeline (None from older workers).
    subject: str | None = None
    # `sent`, but the connection was lost during DATA: it may not have arrived (`reason` says
    # why). By the outbox's policy it is not sent again.
    uncertain: bool = False


class MigrateInput(BaseModel):
    """Move a running prospect to a newer version of their journey (an operator's decision)."""

    migration_id: str = Field(min_length=1)
    definition: JourneyDefinition
    stage_map: dict[str, str] = Field(
        default_factory=dict,
        description="Old stage id -> new stage id; stages not listed keep their id.",
    )


class CreateTaskInput(BaseModel):
    workflow_id: str
    journey_id: str
    version: int
    prospect: Prospect
    task: CreateTask
    # A snapshot of the journey so the salesperson sees the whole history with the task.
    state: JourneyState
    sender: Sender
    at: datetime
    # The queue's members and routing, when the definition configures the task's queue.
    queue: Queue | None = None


class TaskAssignment(BaseModel):
    task_id: str
    assignee: str | None


class EscalateTaskInput(BaseModel):
    command: EscalateTask
    journey_id: str
    queue: Queue | None
    prospect: Prospect
    sender: Sender


class NotifyReassignedInput(BaseModel):
    command: NotifyReassigned
    sender: Sender


class EnrollContactInput(BaseModel):
    command: EnrollContact


class RecordProjectionInput(BaseModel):
    workflow_id: str
    state: JourneyState
    decisions: list[Decision]
    next_action: NextAction | None = None
    at: datetime
