"""Enrolling prospects: remember their contact data, start one journey workflow each.

The workflow id is the business key `journey_workflow_id(journey, prospect)`, so a prospect who
is still in the journey cannot be started twice (Temporal refuses: a conflict), while one whose
journey ended may enter again — a new run of the same workflow id — when the journey's
`re_entry` rule allows it (`api.re_entry`). Starts run concurrently, bounded, so bulk imports
stay fast.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import SQLModel, col, select
from temporalio.client import Client
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from api.closing_runs import closed_within
from api.re_entry import UNSUBSCRIBED, PreviousEntry, refusal
from api.schemas import EnrollmentConflict, EnrollmentFailure, EnrollmentOut
from definitions.model import JourneyDefinition
from nurture.db import Database
from nurture.settings import Settings
from nurture.tables import Enrollment, ProspectRecord
from workflows.contract import WORKFLOW_NAME, JourneyInput, journey_workflow_id
from workflows.state import TERMINAL_STATUSES, Prospect

START_CONCURRENCY = 50
# Rows per statement: keeps bound parameters well under SQLite's limit.
CHUNK = 500
# How long a start waits for a run whose projection already says it ended to close.
CLOSING_GRACE = timedelta(seconds=5)


@dataclass
class EnrollmentReport:
    enrolled: list[EnrollmentOut] = field(default_factory=list)
    conflicts: list[EnrollmentConflict] = field(default_factory=list)
    errors: list[EnrollmentFailure] = field(default_factory=list)


async def enroll(
    *,
    db: Database,
    temporal: Client,
    settings: Settings,
    definition: JourneyDefinition,
    prospects: Sequence[Prospect],
) -> EnrollmentReport:
    """Enroll prospects in the given (published, versioned) definition."""
    journey_id = definition.journey
    report = EnrollmentReport()
    unique: dict[str, Prospect] = {}
    for prospect in prospects:
        if prospect.id in unique:
            report.conflicts.append(
                _conflict(journey_id, prospect.id, "listed more than once in this request")
            )
        else:
            unique[prospect.id] = prospect

    # New prospects are known before their journey starts (an event may follow at once);
    # existing ones get the new contact data only if they are actually enrolled below.
    await _remember(db, list(unique.values()), overwrite=False)
    unsubscribed = await _unsubscribed(db, list(unique))
    previous = await _previous_entries(db, journey_id, list(unique))
    now = datetime.now(UTC)
    candidates = []
    for prospect in unique.values():
        if prospect.id in unsubscribed:
            reason: str | None = UNSUBSCRIBED
        else:
            reason = refusal(definition.re_entry, previous.get(prospect.id), now=now)
        if reason is not None:
            report.conflicts.append(_conflict(journey_id, prospect.id, reason))
        else:
            candidates.append(prospect)

    limit = asyncio.Semaphore(START_CONCURRENCY)

    async def start(prospect: Prospect) -> None:
        workflow_id = journey_workflow_id(journey_id, prospect.id)
        entry = previous.get(prospect.id)
        async with limit:
            for attempt in ("first", "after the run closed"):
                try:
                    await temporal.start_workflow(
                        WORKFLOW_NAME,
                        JourneyInput(
                            definition=definition,
                            prospect=prospect,
                            decisions_before=_decisions_so_far(entry),
                        ),
                        id=workflow_id,
                        task_queue=settings.task_queue,
                        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
                    )
                    break
                except WorkflowAlreadyStartedError:
                    # The projection said the journey ended, but its run writes that last
                    # projection just before it completes: wait out that moment, once.
                    if (
                        attempt == "first"
                        and entry is not None
                        and entry.status in TERMINAL_STATUSES
                        and await closed_within(temporal, workflow_id, CLOSING_GRACE)
                    ):
                        continue
                    reason = f"already active in journey {journey_id!r}"
                    report.conflicts.append(_conflict(journey_id, prospect.id, reason))
                    return
                except RPCError as error:
                    report.errors.append(
                        EnrollmentFailure(prospect_id=prospect.id, message=str(error))
                    )
                    return
        report.enrolled.append(
            EnrollmentOut(
                workflow_id=workflow_id,
                journey_id=journey_id,
                version=definition.version or 0,
                prospect_id=prospect.id,
            )
        )

    async with asyncio.TaskGroup() as group:
        for prospect in candidates:
            group.create_task(start(prospect))

    # Concurrent starts finish in any order; answer in the order the prospects were given.
    position = {prospect_id: index for index, prospect_id in enumerate(unique)}
    report.enrolled.sort(key=lambda item: position[item.prospect_id])
    report.errors.sort(key=lambda item: position[item.prospect_id])
    await _remember(db, [unique[item.prospect_id] for item in report.enrolled], overwrite=True)
    await _project(db, definition, report.enrolled)
    return report


def _conflict(journey_id: str, prospect_id: str, reason: str) -> EnrollmentConflict:
    return EnrollmentConflict(
        prospect_id=prospect_id,
        workflow_id=journey_workflow_id(journey_id, prospect_id),
        reason=reason,
    )


async def _remember(db: Database, prospects: Sequence[Prospect], *, overwrite: bool) -> None:
    """Insert unknown prospects; with `overwrite`, the latest enrollment's details win."""
    now = datetime.now(UTC)
    rows = [
        {**prospect.model_dump(), "attributes": dict(prospect.attributes), "created_at": now}
        for prospect in prospects
    ]
    contact = ["email", "first_name", "company", "timezone", "attributes"]
    await _upsert(db, ProspectRecord, rows, key="id", update=contact if overwrite else [])


async def _unsubscribed(db: Database, prospect_ids: Sequence[str]) -> set[str]:
    if not prospect_ids:
        return set()
    found: set[str] = set()
    async with db.session() as session:
        for chunk in _chunks(prospect_ids):
            rows = await session.exec(
                select(Enrollment.prospect_id)
                .where(col(Enrollment.prospect_id).in_(chunk))
                .where(Enrollment.status == "unsubscribed")
            )
            found.update(rows)
    return found


async def _previous_entries(
    db: Database, journey_id: str, prospect_ids: Sequence[str]
) -> dict[str, PreviousEntry]:
    """The last entry of each prospect in this journey, from its projection row."""
    workflow_ids = [journey_workflow_id(journey_id, prospect_id) for prospect_id in prospect_ids]
    found: dict[str, PreviousEntry] = {}
    async with db.session() as session:
        for chunk in _chunks(workflow_ids):
            rows = await session.exec(
                select(Enrollment).where(col(Enrollment.workflow_id).in_(chunk))
            )
            for row in rows:
                found[row.prospect_id] = PreviousEntry(
                    status=row.status,
                    # Rows written before `ended_at` existed: their last update is the end.
                    ended_at=row.ended_at or row.updated_at,
                    entries=row.entries,
                    decisions=int(row.state.get("decision_count", 0)),
                )
    return found


def _decisions_so_far(previous: PreviousEntry | None) -> int:
    return previous.decisions if previous is not None else 0


def _chunks(items: Sequence[str]) -> list[Sequence[str]]:
    return [items[start : start + CHUNK] for start in range(0, len(items), CHUNK)]


async def _project(
    db: Database, definition: JourneyDefinition, enrolled: Sequence[EnrollmentOut]
) -> None:
    """A first projection row per new journey; the workflow's own projection replaces it.

    An existing row is left alone unless its journey had ended (a prospect entering again: one
    more entry); the running workflow may already have written a fresher one (and counted it).
    """
    if not enrolled:
        return
    now = datetime.now(UTC)
    rows: list[dict[str, Any]] = [
        {
            "workflow_id": item.workflow_id,
            "prospect_id": item.prospect_id,
            "journey_id": item.journey_id,
            "version": item.version,
            "stage": definition.first_stage,
            "score": 0,
            "temperature": "cold",
            "lifecycle": "lead",
            "status": "active",
            "paused_until": None,
            "next_action": None,
            "next_action_at": None,
            "enrolled_at": now,
            "updated_at": now,
            "state": {},
            "ended_at": None,
            "entries": 1,
        }
        for item in enrolled
    ]
    await _upsert(
        db,
        Enrollment,
        rows,
        key="workflow_id",
        update=[name for name in rows[0] if name not in ("workflow_id", "entries")],
        also_set={"entries": col(Enrollment.entries) + 1},
        where=col(Enrollment.status).in_(TERMINAL_STATUSES),
    )


async def _upsert(
    db: Database,
    table: type[SQLModel],
    rows: Sequence[dict[str, Any]],
    *,
    key: str,
    update: Sequence[str],
    also_set: Mapping[str, ColumnElement[Any]] | None = None,
    where: ColumnElement[bool] | None = None,
) -> None:
    """INSERT … ON CONFLICT (SQLite and PostgreSQL): a row that exists is updated (only the
    `update` columns, plus the `also_set` expressions, only `where` it holds) or, with nothing
    to update, left alone."""
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    async with db.engine.begin() as connection:
        for start in range(0, len(rows), CHUNK):
            statement = dialect.insert(table).values(list(rows[start : start + CHUNK]))
            if update:
                statement = statement.on_conflict_do_update(
                    index_elements=[key],
                    set_={name: statement.excluded[name] for name in update} | dict(also_set or {}),
                    where=where,
                )
            else:
                statement = statement.on_conflict_do_nothing(index_elements=[key])
            await connection.execute(statement)
