"""A prospect's audit timeline: what it is made of, and how a run's history becomes items.

Pure: decoded history entries (`audit.entries`) in, `TimelineItem`s out; no Temporal, no
database. Each item says when, in which journey and workflow run, what happened and why, with
the definition version in force and the rule that acted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from urllib.parse import quote

from pydantic import BaseModel, Field

from api.task_history import describe_event
from audit.describe import email_item_text, run_closed_text, task_item_text
from audit.entries import (
    ActivityCompleted,
    ActivityFailed,
    ActivityScheduled,
    HistoryEntry,
    RunClosed,
    RunStarted,
    SignalReceived,
    Unreadable,
)
from workflows.commands import Decision
from workflows.contract import (
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

ItemKind = Literal["event", "decision", "email", "task", "run"]
RunSource = Literal["history", "cache", "projection"]


class TimelineItem(BaseModel):
    """One line of the timeline."""

    at: datetime
    journey_id: str
    workflow_id: str
    run_id: str = Field(description="The workflow run; empty when only the projection knew it.")
    kind: ItemKind
    type: str = Field(description="Event type, decision kind, e-mail status, task kind, …")
    summary: str
    version: int | None = Field(default=None, description="The definition version in force.")
    rule_id: str | None = None
    event_id: str | None = None
    score: int | None = None
    stage: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)


class RunRef(BaseModel):
    """One workflow run of one of the prospect's journeys, and where its items came from."""

    journey_id: str
    workflow_id: str
    run_id: str = Field(description="Empty for decisions only the projection still has.")
    started_at: datetime
    closed_at: datetime | None
    status: str = Field(description="running, completed, continued_as_new, …, or unknown.")
    source: RunSource
    temporal_ui_url: str | None = Field(description="The run's history in the Temporal UI.")


class ProspectTimeline(BaseModel):
    prospect_id: str
    runs: list[RunRef]
    items: list[TimelineItem]
    warnings: list[str] = Field(
        default_factory=list, description="Why part of the timeline may be missing."
    )


def temporal_ui_link(*, ui_url: str, namespace: str, workflow_id: str, run_id: str) -> str:
    return (
        f"{ui_url.rstrip('/')}/namespaces/{quote(namespace, safe='')}"
        f"/workflows/{quote(workflow_id, safe='')}/{quote(run_id, safe='')}/history"
    )


@dataclass(frozen=True)
class RunKey:
    journey_id: str
    workflow_id: str
    run_id: str


def run_items(*, run: RunKey, entries: Sequence[HistoryEntry]) -> list[TimelineItem]:
    """The items of one run, in history order (`in_order` sorts them with the other runs')."""
    outcomes = {
        entry.scheduled_id: entry
        for entry in entries
        if isinstance(entry, ActivityCompleted | ActivityFailed)
    }
    reader = _RunReader(run, outcomes)
    for entry in entries:
        reader.read(entry)
    return reader.items


def decision_item(*, run: RunKey, decision: Decision, version: int | None) -> TimelineItem:
    return TimelineItem(
        at=decision.at,
        **_where(run),
        kind="decision",
        type=decision.kind,
        summary=decision.reason,
        version=version,
        rule_id=decision.rule_id,
        event_id=decision.event_id,
        score=decision.score,
        stage=decision.stage,
        details={"seq": decision.seq},
    )


def in_order(runs: Sequence[Sequence[TimelineItem]]) -> list[TimelineItem]:
    """All runs' items by time; at the same instant a run's start, the event, the decisions it
    caused and the e-mails and tasks that carried them out, then the run's end; then history
    order (runs in the order given, items in their run's order)."""
    keyed = [
        ((item.at, _rank(item), run_index, position), item)
        for run_index, items in enumerate(runs)
        for position, item in enumerate(items)
    ]
    keyed.sort(key=lambda pair: pair[0])
    return [item for _, item in keyed]


_START_TYPES = frozenset({"started", "continued"})


def _rank(item: TimelineItem) -> int:
    if item.kind == "run":
        return 0 if item.type in _START_TYPES else 1 if item.type == "migration_requested" else 5
    return {"event": 1, "decision": 2, "email": 3, "task": 4}[item.kind]


def _where(run: RunKey) -> dict[str, str]:
    return {"journey_id": run.journey_id, "workflow_id": run.workflow_id, "run_id": run.run_id}


ActivityOutcome = ActivityCompleted | ActivityFailed


class _RunReader:
    """Walks one run's entries, remembering the definition version in force as it goes."""

    def __init__(self, run: RunKey, outcomes: dict[int, ActivityOutcome]) -> None:
        self._run = run
        self._outcomes = outcomes
        self._version: int | None = None
        self.items: list[TimelineItem] = []

    def read(self, entry: HistoryEntry) -> None:
        if isinstance(entry, RunStarted):
            self._started(entry)
        elif isinstance(entry, SignalReceived):
            self._signal(entry)
        elif isinstance(entry, ActivityScheduled):
            self._activity(entry)
        elif isinstance(entry, RunClosed):
            self._add(entry.at, "run", entry.status, run_closed_text(entry.status, entry.detail))
        elif isinstance(entry, Unreadable):
            self._add(entry.at, "run", "unreadable", f"could not read {entry.what}: {entry.error}")

    def _activity(self, entry: ActivityScheduled) -> None:
        given = entry.input
        outcome = self._outcomes.get(entry.scheduled_id)
        if isinstance(given, RecordProjectionInput):
            self._projection(given)
        elif isinstance(given, SendEmailInput):
            self._email(given, outcome)
        elif isinstance(given, CreateTaskInput):
            self._task_created(given, _assignment(outcome))
        elif isinstance(given, EscalateTaskInput):
            self._task_escalated(entry.at, given, _assignment(outcome))
        elif isinstance(given, NotifyReassignedInput):
            details = {"task_id": given.command.task_id, "assignee": given.command.assignee}
            summary = task_item_text(action="reassigned", details=details)
            self._add(entry.at, "task", "reassigned", summary, details=details)

    def _add(self, at: datetime, kind: ItemKind, type_: str, summary: str, **fields: Any) -> None:
        fields.setdefault("version", self._version)
        self.items.append(
            TimelineItem(
                at=at, **_where(self._run), kind=kind, type=type_, summary=summary, **fields
            )
        )

    def _started(self, entry: RunStarted) -> None:
        journey: JourneyInput = entry.journey
        self._version = journey.state.version if journey.state else journey.definition.version
        if journey.state is None:
            summary = f"journey {journey.definition.journey} started for {journey.prospect.email}"
            self._add(entry.at, "run", "started", summary)
            return
        summary = f"run {journey.run_number} continued from the previous run, state carried over"
        details = {"run_number": journey.run_number, "continued_from": entry.continued_from}
        self._add(entry.at, "run", "continued", summary, details=details)

    def _signal(self, entry: SignalReceived) -> None:
        payload = entry.payload
        if isinstance(payload, MigrateInput):
            target = payload.definition.version
            summary = f"an operator asked to move to version {target} ({payload.migration_id})"
            details = {"migration_id": payload.migration_id, "stage_map": payload.stage_map}
            self._add(entry.at, "run", "migration_requested", summary, details=details)
        elif payload is not None:
            self._event(entry.at, payload)

    def _event(self, received_at: datetime, event: ProspectEvent) -> None:
        # At the moment the journey received it, on the workflow's clock like its decisions; when
        # it happened (a webhook may come late) is in the details.
        data = event.data.model_dump(mode="json")
        occurred = event.occurred_at.isoformat() if event.occurred_at else None
        summary = describe_event(event.type, data)
        details = {"occurred_at": occurred, "data": data}
        self._add(received_at, "event", event.type, summary, event_id=event.id, details=details)

    def _projection(self, projection: RecordProjectionInput) -> None:
        self._version = projection.state.version
        for decision in projection.decisions:
            self.items.append(
                decision_item(run=self._run, decision=decision, version=self._version)
            )

    def _email(self, send: SendEmailInput, outcome: ActivityOutcome | None) -> None:
        result = outcome.result if isinstance(outcome, ActivityCompleted) else None
        sent = result if isinstance(result, SendResult) else None
        status = sent.status if sent else "failed" if outcome else "sending"
        content = send.content
        details = {
            "content_id": content.id,
            "content_title": content.title,
            "subject": sent.subject if sent else None,
            "subject_template": content.email.subject,
            "template": content.email.model_dump(),
            "message_id": sent.message_id if sent else None,
            "to": send.prospect.email,
            "key": send.key,
            "reason": send.reason,
            "until": sent.until.isoformat() if sent and sent.until else None,
            "held_because": sent.reason if sent else None,
            "failure": outcome.message if isinstance(outcome, ActivityFailed) else None,
        }
        summary = email_item_text(status=status, details=details)
        self._add(
            send.at,
            "email",
            status,
            summary,
            version=send.version,
            stage=send.stage,
            details=details,
        )

    def _task_created(self, created: CreateTaskInput, assigned: TaskAssignment | None) -> None:
        task = created.task
        details = {
            "task_id": assigned.task_id if assigned else task.task_id,
            "title": task.title,
            "queue": task.queue,
            "assignee": assigned.assignee if assigned else task.assignee,
            "due_at": task.due_at.isoformat() if task.due_at else None,
            "reason": task.reason,
            "description": task.description,
            "message": task.message,
        }
        summary = task_item_text(action=task.task_kind, details=details)
        self._add(
            created.at, "task", task.task_kind, summary, version=created.version, details=details
        )

    def _task_escalated(
        self, at: datetime, escalation: EscalateTaskInput, assigned: TaskAssignment | None
    ) -> None:
        command = escalation.command
        details = {
            "task_id": command.task_id,
            "assignee": assigned.assignee if assigned else None,
            "reason": command.reason,
        }
        summary = task_item_text(action=command.action, details=details)
        self._add(at, "task", command.action, summary, details=details)


def _assignment(outcome: ActivityOutcome | None) -> TaskAssignment | None:
    result = outcome.result if isinstance(outcome, ActivityCompleted) else None
    return result if isinstance(result, TaskAssignment) else None
