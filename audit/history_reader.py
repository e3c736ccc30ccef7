"""Reading a journey's workflow runs from Temporal: which runs exist, and what each one did.

Every run of a workflow id is found through visibility (continued-as-new runs and re-entries
are runs of the same id); each run's history is fetched and its payloads decoded with the
client's own data converter, in the serialization context the worker used, so a payload codec
added later keeps working here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp
from pydantic import BaseModel
from temporalio.api.common.v1 import Payload
from temporalio.api.enums.v1 import EventType
from temporalio.api.failure.v1 import Failure
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client, WorkflowExecution, WorkflowExecutionStatus
from temporalio.converter import (
    ActivitySerializationContext,
    DataConverter,
    WorkflowSerializationContext,
)
from temporalio.service import RPCError, RPCStatusCode

from audit.entries import (
    ActivityCompleted,
    ActivityFailed,
    ActivityScheduled,
    ClosedStatus,
    HistoryEntry,
    RunClosed,
    RunStarted,
    SignalReceived,
    Unreadable,
)
from workflows.contract import (
    CREATE_TASK_ACTIVITY,
    ESCALATE_TASK_ACTIVITY,
    EVENT_SIGNAL,
    MIGRATE_SIGNAL,
    NOTIFY_REASSIGNED_ACTIVITY,
    RECORD_PROJECTION_ACTIVITY,
    SEND_EMAIL_ACTIVITY,
    WORKFLOW_NAME,
    CreateTaskInput,
    EscalateTaskInput,
    JourneyInput,
    MigrateInput,
    NotifyReassignedInput,
    RecordProjectionInput,
    SendEmailInput,
    SendResult,
    TaskAssignment,
)
from workflows.events import ProspectEvent

# The activities the timeline shows: their input model and, where it matters, their result's.
_ACTIVITIES: dict[str, tuple[type[BaseModel], type[BaseModel] | None]] = {
    RECORD_PROJECTION_ACTIVITY: (RecordProjectionInput, None),
    SEND_EMAIL_ACTIVITY: (SendEmailInput, SendResult),
    CREATE_TASK_ACTIVITY: (CreateTaskInput, TaskAssignment),
    ESCALATE_TASK_ACTIVITY: (EscalateTaskInput, TaskAssignment),
    NOTIFY_REASSIGNED_ACTIVITY: (NotifyReassignedInput, None),
}

_CLOSING_EVENTS: dict[int, ClosedStatus] = {
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED: "completed",
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW: "continued_as_new",
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED: "terminated",
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED: "failed",
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED: "canceled",
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT: "timed_out",
}

_ACTIVITY_ENDINGS = frozenset(
    {
        EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED,
        EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT,
        EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED,
    }
)


@dataclass(frozen=True)
class RunInfo:
    workflow_id: str
    run_id: str
    started_at: datetime
    closed_at: datetime | None
    status: str

    @property
    def closed(self) -> bool:
        return self.status != "running"


async def list_runs(client: Client, *, workflow_id: str) -> list[RunInfo]:
    """Every run of the workflow id Temporal still has, oldest first."""
    runs: dict[str, RunInfo] = {}
    query = f"WorkflowId = {_quoted(workflow_id)}"
    async for execution in client.list_workflows(query):
        runs[execution.run_id] = _run_info(execution)
    # Visibility trails the history a little: the latest run is asked for directly, so a run
    # that has just started (or just ended) is never missing or shown as still running.
    try:
        latest = await client.get_workflow_handle(workflow_id).describe()
    except RPCError as error:
        if error.status != RPCStatusCode.NOT_FOUND:
            raise
    else:
        runs[latest.run_id] = _run_info(latest)
    return sorted(runs.values(), key=lambda run: run.started_at)


async def read_run(client: Client, *, workflow_id: str, run_id: str) -> list[HistoryEntry]:
    """The run's history as timeline entries, in history order."""
    reader = _HistoryDecoder(client, workflow_id)
    handle = client.get_workflow_handle(workflow_id, run_id=run_id)
    entries: list[HistoryEntry] = []
    async for event in handle.fetch_history_events():
        entry = await reader.entry(event)
        if entry is not None:
            entries.append(entry)
    return entries


def _run_info(execution: WorkflowExecution) -> RunInfo:
    status = execution.status or WorkflowExecutionStatus.RUNNING
    return RunInfo(
        workflow_id=execution.id,
        run_id=execution.run_id,
        started_at=execution.start_time,
        closed_at=execution.close_time,
        status=status.name.lower(),
    )


def _quoted(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _time(timestamp: Timestamp) -> datetime:
    return timestamp.ToDatetime().replace(tzinfo=UTC)


class _HistoryDecoder:
    """Decodes one run's events; remembers scheduled activities to decode their results."""

    def __init__(self, client: Client, workflow_id: str) -> None:
        self._client = client
        self._workflow_id = workflow_id
        self._workflow_converter = client.data_converter.with_context(
            WorkflowSerializationContext(namespace=client.namespace, workflow_id=workflow_id)
        )
        self._scheduled: dict[int, tuple[str, DataConverter]] = {}

    async def entry(self, event: HistoryEvent) -> HistoryEntry | None:
        at = _time(event.event_time)
        kind = event.event_type
        try:
            if kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
                return await self._started(at, event)
            if kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
                return await self._signaled(at, event)
            if kind == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
                return await self._scheduled_activity(at, event)
            if kind == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
                return await self._completed_activity(at, event)
            if kind in _ACTIVITY_ENDINGS:
                return await self._ended_activity(at, event)
            if kind in _CLOSING_EVENTS:
                return await self._closed(at, event, _CLOSING_EVENTS[kind])
        except Exception as error:
            # One payload the current models cannot read must not hide the rest of the history.
            return Unreadable(
                at=at,
                what=f"history event {event.event_id} ({EventType.Name(kind)})",
                error=str(error),
            )
        return None

    async def _decode(
        self, converter: DataConverter, payloads: Sequence[Payload], hint: Any
    ) -> Any:
        [value] = await converter.decode(payloads, [hint])
        return value

    async def _started(self, at: datetime, event: HistoryEvent) -> RunStarted:
        attributes = event.workflow_execution_started_event_attributes
        journey = await self._decode(
            self._workflow_converter, attributes.input.payloads, JourneyInput
        )
        return RunStarted(
            at=at, journey=journey, continued_from=attributes.continued_execution_run_id or None
        )

    async def _signaled(self, at: datetime, event: HistoryEvent) -> SignalReceived:
        attributes = event.workflow_execution_signaled_event_attributes
        hints: dict[str, Any] = {EVENT_SIGNAL: ProspectEvent, MIGRATE_SIGNAL: MigrateInput}
        hint = hints.get(attributes.signal_name)
        payload = (
            None
            if hint is None
            else await self._decode(self._workflow_converter, attributes.input.payloads, hint)
        )
        return SignalReceived(at=at, name=attributes.signal_name, payload=payload)

    async def _scheduled_activity(self, at: datetime, event: HistoryEvent) -> HistoryEntry | None:
        attributes = event.activity_task_scheduled_event_attributes
        name = attributes.activity_type.name
        if name not in _ACTIVITIES:
            return None
        converter = self._client.data_converter.with_context(
            ActivitySerializationContext(
                namespace=self._client.namespace,
                workflow_id=self._workflow_id,
                workflow_type=WORKFLOW_NAME,
                activity_type=name,
                activity_id=attributes.activity_id,
                activity_task_queue=attributes.task_queue.name,
                is_local=False,
            )
        )
        self._scheduled[event.event_id] = (name, converter)
        given = await self._decode(converter, attributes.input.payloads, _ACTIVITIES[name][0])
        return ActivityScheduled(at=at, scheduled_id=event.event_id, activity=name, input=given)

    async def _completed_activity(self, at: datetime, event: HistoryEvent) -> HistoryEntry | None:
        attributes = event.activity_task_completed_event_attributes
        scheduled = self._scheduled.get(attributes.scheduled_event_id)
        if scheduled is None:
            return None
        name, converter = scheduled
        result_model = _ACTIVITIES[name][1]
        result = (
            None
            if result_model is None
            else await self._decode(converter, attributes.result.payloads, result_model)
        )
        return ActivityCompleted(at=at, scheduled_id=attributes.scheduled_event_id, result=result)

    async def _ended_activity(self, at: datetime, event: HistoryEvent) -> HistoryEntry | None:
        if event.HasField("activity_task_canceled_event_attributes"):
            scheduled_id = event.activity_task_canceled_event_attributes.scheduled_event_id
            message = "cancelled"
        else:
            ending = (
                event.activity_task_failed_event_attributes
                if event.HasField("activity_task_failed_event_attributes")
                else event.activity_task_timed_out_event_attributes
            )
            scheduled_id = ending.scheduled_event_id
            message = await self._failure_text(self._scheduled.get(scheduled_id), ending.failure)
        if scheduled_id not in self._scheduled:
            return None
        return ActivityFailed(at=at, scheduled_id=scheduled_id, message=message)

    async def _failure_text(
        self, scheduled: tuple[str, DataConverter] | None, failure: Failure
    ) -> str:
        converter = scheduled[1] if scheduled else self._workflow_converter
        error = await converter.decode_failure(failure)
        cause = error.__cause__
        return f"{error}: {cause}" if cause else str(error)

    async def _closed(self, at: datetime, event: HistoryEvent, status: ClosedStatus) -> RunClosed:
        detail: str | None = None
        if status == "continued_as_new":
            new_run = event.workflow_execution_continued_as_new_event_attributes
            detail = f"run {new_run.new_execution_run_id}"
        elif status == "terminated":
            detail = event.workflow_execution_terminated_event_attributes.reason or None
        elif status == "failed":
            failure = event.workflow_execution_failed_event_attributes.failure
            detail = await self._failure_text(None, failure)
        return RunClosed(at=at, status=status, detail=detail)
