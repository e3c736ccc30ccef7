"""Migrating running prospects to a newer journey version: select, plan, then signal.

The operator names the target version, an explicit map of renamed stages and, optionally, a
selection (older versions, prospects, stages). Every selected prospect gets the plan the
workflow itself will follow (`workflows.migration.plan`, from the last projected state); a dry
run stops there. Applying signals each prospect whose plan has no problem, with a migration id
derived from the request, so a retried request is applied once by each workflow.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import col, select
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from api import publishing
from definitions.model import MAX_VERSION, JourneyDefinition
from nurture.db import Database
from nurture.tables import Enrollment, JourneyVersion
from workflows.commands import stable_digest
from workflows.contract import MIGRATE_SIGNAL, MigrateInput
from workflows.migration import MigrationPlan, plan
from workflows.state import TERMINAL_STATUSES, JourneyState

SIGNAL_CONCURRENCY = 50


class MigrationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to_version: int = Field(ge=1, le=MAX_VERSION, description="The version to move prospects to.")
    from_versions: list[Annotated[int, Field(ge=1, le=MAX_VERSION)]] | None = Field(
        default=None, description="Only prospects on these versions; default: every older one."
    )
    prospect_ids: list[str] | None = Field(default=None, description="Only these prospects.")
    stages: list[str] | None = Field(default=None, description="Only prospects in these stages.")
    stage_map: dict[str, str] = Field(
        default_factory=dict,
        description="Old stage id -> stage id in the new version; unlisted stages keep their id.",
    )
    dry_run: bool = Field(default=True, description="Only show who would move where.")


class ProspectMigration(MigrationPlan):
    """One prospect's plan and, when applied, whether its journey got the request."""

    migration_id: str
    signalled: bool = False
    error: str | None = None


class MigrationTotals(BaseModel):
    selected: int
    would_move: int
    problems: int
    signalled: int = 0
    failed: int = 0


class MigrationOut(BaseModel):
    journey_id: str
    to_version: int
    dry_run: bool
    prospects: list[ProspectMigration]
    totals: MigrationTotals
    not_selected: list[str] = Field(
        default_factory=list,
        description="Prospects asked for that are not running on an older version.",
    )


class UnknownVersion(Exception):
    """The journey, or one of the versions named, was never published."""


class StageMapInvalid(Exception):
    def __init__(self, old_stage: str, message: str) -> None:
        super().__init__(message)
        self.old_stage = old_stage


@dataclass
class _Versions:
    new: JourneyDefinition
    old: dict[int, JourneyDefinition] = field(default_factory=dict)


async def migrate_prospects(
    *, db: Database, temporal: Client, journey_id: str, request: MigrationRequest
) -> MigrationOut:
    """Plan (and unless a dry run, apply) the migration; raises `UnknownVersion`,
    `StageMapInvalid`."""
    versions = await _load_versions(db, journey_id, request)
    _check_stage_map(versions, request.stage_map)
    rows = await _running_rows(db, journey_id, list(versions.old), request)
    prospects = [
        _prospect_plan(versions, row, journey_id=journey_id, request=request) for row in rows
    ]
    if not request.dry_run:
        await _signal_all(temporal, versions.new, rows, prospects, request.stage_map)
    found = {row.prospect_id for row in rows}
    return MigrationOut(
        journey_id=journey_id,
        to_version=request.to_version,
        dry_run=request.dry_run,
        prospects=prospects,
        totals=MigrationTotals(
            selected=len(prospects),
            would_move=sum(item.applicable for item in prospects),
            problems=sum(not item.applicable for item in prospects),
            signalled=sum(item.signalled for item in prospects),
            failed=sum(item.error is not None for item in prospects),
        ),
        not_selected=[pid for pid in request.prospect_ids or [] if pid not in found],
    )


def migration_id_for(
    *, journey_id: str, to_version: int, stage_map: dict[str, str], prospect_id: str
) -> str:
    """The same request for the same prospect always gets the same id (retries apply once)."""
    key = json.dumps([journey_id, to_version, sorted(stage_map.items()), prospect_id])
    return f"migration-{stable_digest(key)[:20]}"


async def _load_versions(db: Database, journey_id: str, request: MigrationRequest) -> _Versions:
    async with db.session() as session:
        target = await publishing.find_version(session, journey_id, request.to_version)
        if target is None:
            known = await publishing.latest_version(session, journey_id) is not None
            which = f"version {request.to_version} of journey" if known else "journey"
            raise UnknownVersion(f"unknown {which} {journey_id!r}")
        statement = select(JourneyVersion).where(
            JourneyVersion.journey_id == journey_id,
            col(JourneyVersion.version) < request.to_version,
        )
        if request.from_versions is not None:
            statement = statement.where(col(JourneyVersion.version).in_(request.from_versions))
        older = list(await session.exec(statement))
    missing = sorted(set(request.from_versions or []) - {row.version for row in older})
    if missing:
        listed = ", ".join(str(version) for version in missing)
        raise UnknownVersion(
            f"journey {journey_id!r} has no version {listed} older than {request.to_version}"
        )
    return _Versions(
        new=publishing.definition_of(target),
        old={row.version: publishing.definition_of(row) for row in older},
    )


def _check_stage_map(versions: _Versions, stage_map: dict[str, str]) -> None:
    """A map names stages that exist: old ones in some selected version, new ones in the new."""
    new_stages = {stage.id for stage in versions.new.stages}
    old_stages = {stage.id for old in versions.old.values() for stage in old.stages}
    to_version = versions.new.version
    for old_stage, new_stage in stage_map.items():
        if old_stage not in old_stages | new_stages:
            raise StageMapInvalid(
                old_stage, f"stage {old_stage!r} is in neither the older versions nor v{to_version}"
            )
        if new_stage not in new_stages:
            raise StageMapInvalid(old_stage, f"stage {new_stage!r} does not exist in v{to_version}")


async def _running_rows(
    db: Database, journey_id: str, old_versions: Sequence[int], request: MigrationRequest
) -> list[Enrollment]:
    statement = (
        select(Enrollment)
        .where(Enrollment.journey_id == journey_id)
        .where(col(Enrollment.version).in_(old_versions))
        .where(col(Enrollment.status).not_in(TERMINAL_STATUSES))
        .order_by(col(Enrollment.prospect_id))
    )
    if request.prospect_ids is not None:
        statement = statement.where(col(Enrollment.prospect_id).in_(request.prospect_ids))
    if request.stages is not None:
        statement = statement.where(col(Enrollment.stage).in_(request.stages))
    async with db.session() as session:
        return list(await session.exec(statement))


def _prospect_plan(
    versions: _Versions, row: Enrollment, *, journey_id: str, request: MigrationRequest
) -> ProspectMigration:
    migration_id = migration_id_for(
        journey_id=journey_id,
        to_version=request.to_version,
        stage_map=request.stage_map,
        prospect_id=row.prospect_id,
    )
    if not row.state:
        # Enrolled a moment ago: the journey has not reported its state yet.
        return ProspectMigration(
            prospect_id=row.prospect_id,
            from_version=row.version,
            to_version=request.to_version,
            from_stage=row.stage,
            to_stage=request.stage_map.get(row.stage, row.stage),
            sequence="none",
            problems=["the journey has not reported its state yet; try again in a moment"],
            migration_id=migration_id,
        )
    state = JourneyState.model_validate(row.state)
    proposal = plan(versions.old[row.version], versions.new, state, request.stage_map)
    return ProspectMigration(**proposal.model_dump(), migration_id=migration_id)


async def _signal_all(
    temporal: Client,
    definition: JourneyDefinition,
    rows: Sequence[Enrollment],
    prospects: Sequence[ProspectMigration],
    stage_map: dict[str, str],
) -> None:
    limit = asyncio.Semaphore(SIGNAL_CONCURRENCY)

    async def signal(row: Enrollment, prospect: ProspectMigration) -> None:
        request = MigrateInput(
            migration_id=prospect.migration_id, definition=definition, stage_map=stage_map
        )
        async with limit:
            try:
                await temporal.get_workflow_handle(row.workflow_id).signal(MIGRATE_SIGNAL, request)
            except RPCError as error:
                prospect.error = (
                    "the journey has already ended"
                    if error.status == RPCStatusCode.NOT_FOUND
                    else error.message or error.status.name
                )
            else:
                prospect.signalled = True

    async with asyncio.TaskGroup() as group:
        for row, prospect in zip(rows, prospects, strict=True):
            if prospect.applicable:
                group.create_task(signal(row, prospect))
