"""Delivering prospect events: record each one, then signal every journey the prospect is in.

One service for `POST /events`, tracked clicks and unsubscribe links, so all three behave the
same way: an unknown prospect is refused before anything is recorded; an event id seen before is
a duplicate but is signalled again (the workflow applies an id once, and the first delivery may
have failed half-way); a journey that has already ended is noted on the event instead of failing
the request. Events of one prospect are signalled in the order given; prospects in parallel.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from api.schemas import as_utc
from api.suppressing import suppress_for_events
from nurture.db import Database
from nurture.metrics import count_events_received
from nurture.tables import Enrollment, EventRecord, ProspectRecord
from workflows.contract import EVENT_SIGNAL
from workflows.events import PROSPECT_EVENT, ProspectEvent
from workflows.state import TERMINAL_STATUSES

SIGNAL_CONCURRENCY = 50
ENDED_NOTE = "not applied: journey already ended"
NO_JOURNEY_NOTE = "not applied: the prospect is in no active journey"


class UnknownProspects(Exception):
    def __init__(self, prospect_ids: Sequence[str]) -> None:
        self.prospect_ids = list(prospect_ids)
        names = ", ".join(repr(prospect_id) for prospect_id in self.prospect_ids)
        noun = "prospect" if len(self.prospect_ids) == 1 else "prospects"
        super().__init__(f"unknown {noun} {names}")


@dataclass
class Delivery:
    event: ProspectEvent
    duplicate: bool
    delivered_to: list[str] = field(default_factory=list)
    ended: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)

    @property
    def note(self) -> str | None:
        notes = []
        if self.failed:
            reasons = "; ".join(f"{wf}: {reason}" for wf, reason in self.failed.items())
            notes.append(f"delivery failed (send the event again to retry): {reasons}")
        if self.ended:
            notes.append(f"{ENDED_NOTE} ({', '.join(self.ended)})")
        if not (self.delivered_to or self.ended or self.failed):
            notes.append(NO_JOURNEY_NOTE)
        return "; ".join(notes) or None


def _stamped(event: ProspectEvent, now: datetime) -> ProspectEvent:
    occurred_at = as_utc(event.occurred_at) if event.occurred_at is not None else now
    return event.model_copy(update={"occurred_at": occurred_at})


def event_from_record(record: EventRecord) -> ProspectEvent:
    """The event as first received: the first delivery of an id is the one that counts."""
    return PROSPECT_EVENT.validate_python(
        {
            "id": record.id,
            "prospect_id": record.prospect_id,
            "type": record.type,
            "occurred_at": record.occurred_at,
            "data": record.data,
        }
    )


async def deliver_events(
    db: Database,
    temporal: Client,
    events: Sequence[ProspectEvent],
    *,
    only_workflow: str | None = None,
) -> list[Delivery]:
    """Record and deliver events; raises `UnknownProspects` (and applies none) if any is.

    `only_workflow` narrows delivery to one journey: a task's outcome belongs to the journey
    that created the task, not to every journey the prospect is in.
    """
    now = datetime.now(UTC)
    stamped = [_stamped(event, now) for event in events]
    prospect_ids = sorted({event.prospect_id for event in stamped})
    async with db.session() as session:
        known = set(
            await session.exec(
                select(ProspectRecord.id).where(col(ProspectRecord.id).in_(prospect_ids))
            )
        )
    missing = [prospect_id for prospect_id in prospect_ids if prospect_id not in known]
    if missing:
        raise UnknownProspects(missing)

    deliveries = await _record(db, stamped)
    count_events_received(event.type for event in stamped)
    await suppress_for_events(db, [delivery.event for delivery in deliveries])
    journeys = await _active_workflows(db, prospect_ids)
    if only_workflow is not None:
        journeys = {
            prospect_id: [wf for wf in workflows if wf == only_workflow]
            for prospect_id, workflows in journeys.items()
        }
    await _signal_all(temporal, deliveries, journeys)
    await _save_outcome(db, deliveries)
    return deliveries


async def _record(db: Database, events: Sequence[ProspectEvent]) -> list[Delivery]:
    try:
        return await _record_once(db, events)
    except IntegrityError:
        # The same id arrived in a concurrent request: on a second look it is a duplicate.
        return await _record_once(db, events)


async def _record_once(db: Database, events: Sequence[ProspectEvent]) -> list[Delivery]:
    deliveries: list[Delivery] = []
    seen: dict[str, ProspectEvent] = {}
    async with db.session() as session:
        for event in events:
            if event.id in seen:
                deliveries.append(Delivery(event=seen[event.id], duplicate=True))
                continue
            record = await session.get(EventRecord, event.id)
            if record is not None:
                first = event_from_record(record)
                deliveries.append(Delivery(event=first, duplicate=True))
                seen[event.id] = first
                continue
            session.add(
                EventRecord(
                    id=event.id,
                    prospect_id=event.prospect_id,
                    type=event.type,
                    occurred_at=event.occurred_at or datetime.now(UTC),
                    data=event.data.model_dump(mode="json"),
                )
            )
            deliveries.append(Delivery(event=event, duplicate=False))
            seen[event.id] = event
        await session.commit()
    return deliveries


async def _active_workflows(db: Database, prospect_ids: Sequence[str]) -> dict[str, list[str]]:
    async with db.session() as session:
        rows = await session.exec(
            select(Enrollment.prospect_id, Enrollment.workflow_id)
            .where(col(Enrollment.prospect_id).in_(prospect_ids))
            .where(col(Enrollment.status).not_in(TERMINAL_STATUSES))
            .order_by(col(Enrollment.enrolled_at))
        )
        journeys: dict[str, list[str]] = {}
        for prospect_id, workflow_id in rows:
            journeys.setdefault(prospect_id, []).append(workflow_id)
    return journeys


async def _signal_all(
    temporal: Client, deliveries: Sequence[Delivery], journeys: dict[str, list[str]]
) -> None:
    by_prospect: dict[str, list[Delivery]] = {}
    for delivery in deliveries:
        by_prospect.setdefault(delivery.event.prospect_id, []).append(delivery)
    limit = asyncio.Semaphore(SIGNAL_CONCURRENCY)

    async def signal_prospect(prospect_id: str, queue: list[Delivery]) -> None:
        async with limit:
            for delivery in queue:
                for workflow_id in journeys.get(prospect_id, []):
                    await _signal(temporal, workflow_id, delivery)

    async with asyncio.TaskGroup() as group:
        for prospect_id, queue in by_prospect.items():
            group.create_task(signal_prospect(prospect_id, queue))


async def _signal(temporal: Client, workflow_id: str, delivery: Delivery) -> None:
    try:
        await temporal.get_workflow_handle(workflow_id).signal(EVENT_SIGNAL, delivery.event)
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            delivery.ended.append(workflow_id)
        else:
            delivery.failed[workflow_id] = error.message or error.status.name
    else:
        delivery.delivered_to.append(workflow_id)


async def _save_outcome(db: Database, deliveries: Sequence[Delivery]) -> None:
    async with db.session() as session:
        for delivery in deliveries:
            record = await session.get(EventRecord, delivery.event.id)
            if record is None:  # pragma: no cover - recorded a moment ago
                continue
            record.delivered_to = sorted({*record.delivered_to, *delivery.delivered_to})
            record.note = delivery.note
            session.add(record)
        await session.commit()
