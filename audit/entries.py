"""One workflow run's history as the timeline needs it: decoded, typed, in history order.

`audit.history_reader` builds these from Temporal's history events (payloads decoded with the
client's data converter); `audit.timeline` turns them into timeline items without any I/O, so
the conversion is tested on hand-built entries. Only the events the audit trail needs are kept;
workflow tasks, timers and the like are left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from workflows.contract import JourneyInput, MigrateInput
from workflows.events import ProspectEvent

RunStatus = Literal[
    "running", "completed", "continued_as_new", "terminated", "failed", "canceled", "timed_out"
]
ClosedStatus = Literal[
    "completed", "continued_as_new", "terminated", "failed", "canceled", "timed_out"
]


@dataclass(frozen=True)
class RunStarted:
    at: datetime
    journey: JourneyInput
    # The run this one continued from, when it was started by continue-as-new.
    continued_from: str | None = None


@dataclass(frozen=True)
class SignalReceived:
    at: datetime
    name: str
    # A prospect event, an operator's migration request, or None for a signal nobody reads.
    payload: ProspectEvent | MigrateInput | None


@dataclass(frozen=True)
class ActivityScheduled:
    at: datetime
    # The history event id: the completion names its activity by it.
    scheduled_id: int
    activity: str
    input: BaseModel


@dataclass(frozen=True)
class ActivityCompleted:
    at: datetime
    scheduled_id: int
    result: BaseModel | None


@dataclass(frozen=True)
class ActivityFailed:
    """The activity failed for good (failed, timed out or cancelled after its retries)."""

    at: datetime
    scheduled_id: int
    message: str


@dataclass(frozen=True)
class RunClosed:
    at: datetime
    status: ClosedStatus
    # Why: the termination reason, the failure, or the run it continued as.
    detail: str | None = None


@dataclass(frozen=True)
class Unreadable:
    """A payload the current models cannot read (written by an older or newer version)."""

    at: datetime
    what: str
    error: str


HistoryEntry = (
    RunStarted
    | SignalReceived
    | ActivityScheduled
    | ActivityCompleted
    | ActivityFailed
    | RunClosed
    | Unreadable
)
