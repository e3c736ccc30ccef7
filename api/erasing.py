"""Erasing a prospect: their workflows from Temporal first, then their data from the database.

Temporal goes first because its histories hold the prospect's data too (every run's input and
signals) and because a running journey would otherwise write a new projection after the
database was cleaned; deleting a running workflow terminates it in the same call. If Temporal
cannot be reached or refuses, nothing in the database has been touched and the request can
simply be repeated; every step is safe to repeat (a workflow already deleted is "not found",
which is what was wanted).

Then the address is put on the suppression list as `erased` and forgotten there (only its hash
stays, so it is never mailed again), and the database is erased in one transaction
(`nurture.erasure`), which also writes the anonymised erasure record.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import DeleteWorkflowExecutionRequest
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from audit.history_reader import list_runs
from nurture.db import Database
from nurture.erasure import erase_prospect_rows
from nurture.erasures import Erasure, latest_erasure
from nurture.personal_data import PersonalData, new_pseudonym
from nurture.suppressions import forget_address, suppress
from nurture.tables import Enrollment, JourneyVersion, ProspectRecord
from workflows.contract import journey_workflow_id
from workflows.state import Prospect

# Journeys are erased side by side, but not hundreds of RPCs at once.
CONCURRENCY = 8


class UnknownProspect(Exception):
    pass


class TemporalUnavailable(Exception):
    """Temporal did not answer or refused; nothing was erased, the request may be repeated."""


@dataclass(frozen=True)
class ErasureResult:
    erasure: Erasure
    already_erased: bool


@dataclass(frozen=True)
class DeletedWorkflows:
    workflow_ids: list[str]
    runs: int

    def counts(self) -> dict[str, int]:
        return {"workflows": len(self.workflow_ids), "runs": self.runs}


async def erase_prospect(*, db: Database, temporal: Client, prospect_id: str) -> ErasureResult:
    """Erase the prospect; an id erased before answers its earlier record, unless a journey
    projection was written under it since (then that is erased too).

    Raises UnknownProspect for an id never seen, TemporalUnavailable when the workflows could
    not be removed (the database is then untouched).
    """
    async with db.session() as session:
        record = await session.get(ProspectRecord, prospect_id) or await _written_after_erasure(
            session, prospect_id=prospect_id
        )
        if record is None:
            earlier = await latest_erasure(session, prospect_id=prospect_id)
            if earlier is None:
                raise UnknownProspect(f"unknown prospect {prospect_id!r}")
            return ErasureResult(earlier, already_erased=True)
        journeys = set(await session.exec(select(JourneyVersion.journey_id).distinct()))
        enrolled = set(
            await session.exec(
                select(Enrollment.workflow_id).where(Enrollment.prospect_id == prospect_id)
            )
        )
    # Every journey's id for the prospect, not only the projected ones: a journey whose first
    # projection was never written still has a history in Temporal.
    candidates = enrolled | {journey_workflow_id(journey, prospect_id) for journey in journeys}
    deleted = await delete_workflows(temporal, candidates)
    return ErasureResult(await erase_from_database(db, record, deleted), already_erased=False)


async def erase_from_database(
    db: Database, record: ProspectRecord, deleted: DeletedWorkflows
) -> Erasure:
    """The database half, once Temporal has no workflow of the prospect left to write more."""
    now = datetime.now(UTC)
    async with db.session() as session:
        # Each commits on its own; done before the rows so a retry after a failure below still
        # leaves the address blocked, and both are no-ops the second time.
        await suppress(session, address=record.email, reason="erased", source="erasure", at=now)
        await forget_address(session, address=record.email)
    async with db.session() as session:
        return await erase_prospect_rows(
            session,
            person=PersonalData.of(record, pseudonym=new_pseudonym()),
            workflow_ids=deleted.workflow_ids,
            at=now,
            temporal_counts=deleted.counts(),
        )


async def _written_after_erasure(
    session: AsyncSession, *, prospect_id: str
) -> ProspectRecord | None:
    """The contact data of a journey projection written under the prospect's id after they were
    erased, by an activity that was already running when its workflow was deleted.

    Such a row carries the whole journey state, the prospect included; a repeated DELETE finds it
    here and erases it like the first time.
    """
    rows = await session.exec(select(Enrollment).where(Enrollment.prospect_id == prospect_id))
    for row in rows:
        contact = row.state.get("prospect")
        if isinstance(contact, dict):
            prospect = Prospect.model_validate(contact)
            return ProspectRecord(**prospect.model_dump())
    return None


async def delete_workflows(temporal: Client, workflow_ids: Collection[str]) -> DeletedWorkflows:
    """Delete every run of each workflow that Temporal still has."""
    limit = asyncio.Semaphore(CONCURRENCY)

    async def one(workflow_id: str) -> int:
        async with limit:
            return await _delete_workflow(temporal, workflow_id)

    ordered = sorted(workflow_ids)
    try:
        runs = await asyncio.gather(*(one(workflow_id) for workflow_id in ordered))
    except (RPCError, RuntimeError) as error:
        # RuntimeError: a client that never reached the server ("Failed client connect").
        raise TemporalUnavailable(f"Temporal could not delete the workflows: {error}") from error
    found = [workflow_id for workflow_id, count in zip(ordered, runs, strict=True) if count]
    return DeletedWorkflows(workflow_ids=found, runs=sum(runs))


async def _delete_workflow(temporal: Client, workflow_id: str) -> int:
    """Delete the running run first, then the closed ones; returns how many runs.

    Deleting a running run terminates it and removes it at once, so it cannot continue as new
    afterwards; a closed run is removed by Temporal in the background (within a minute on the
    dev server). A run that continued as new while the runs were listed is found by listing
    again.
    """
    deleted: set[str] = set()
    for _ in range(2):
        runs = await list_runs(temporal, workflow_id=workflow_id)
        for run in sorted(runs, key=lambda run: run.closed):
            if run.run_id in deleted:
                continue
            await _unless_not_found(
                temporal.workflow_service.delete_workflow_execution(
                    DeleteWorkflowExecutionRequest(
                        namespace=temporal.namespace,
                        workflow_execution=WorkflowExecution(
                            workflow_id=workflow_id, run_id=run.run_id
                        ),
                    )
                )
            )
            deleted.add(run.run_id)
    return len(deleted)


async def _unless_not_found(call: Awaitable[object]) -> None:
    """Await `call`; "not found" (never existed, already ended, already deleted) is success."""
    try:
        await call
    except RPCError as error:
        if error.status != RPCStatusCode.NOT_FOUND:
            raise
