"""A prospect's timeline, assembled from every run of every journey they are or were in.

Per run, the best source there is: a closed run's stored timeline (`cache`), else its Temporal
history (`history`, stored once the run is closed). Decisions that no known run covers —
Temporal's retention dropped the run before it was ever read — come from the database
projection (`projection`), and the answer says so.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from audit import cache
from audit.history_reader import RunInfo, list_runs, read_run
from audit.timeline import (
    ProspectTimeline,
    RunKey,
    RunRef,
    TimelineItem,
    decision_item,
    in_order,
    run_items,
    temporal_ui_link,
)
from nurture.settings import Settings
from nurture.tables import DecisionRecord, Enrollment, ProspectRecord, TimelineRun
from workflows.commands import Decision

# Histories are fetched a few at a time: a prospect with many re-entries must not flood Temporal.
HISTORY_CONCURRENCY = 4
# A decision's time and its run's start and close come from different clocks' readings of the
# same moment (the workflow's `now()`, visibility); this much leeway keeps a decision in its run.
_RUN_EDGE_LEEWAY = timedelta(seconds=1)


class UnknownProspect(LookupError):
    def __init__(self, prospect_id: str) -> None:
        super().__init__(f"unknown prospect {prospect_id!r}")
        self.prospect_id = prospect_id


@dataclass
class _Run:
    ref: RunRef
    items: list[TimelineItem]


@dataclass
class _Journey:
    runs: list[_Run] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


async def prospect_timeline(
    *, client: Client, session: AsyncSession, settings: Settings, prospect_id: str
) -> ProspectTimeline:
    """Everything that happened to the prospect in every journey, in order (see docs/audit.md).

    Raises `UnknownProspect` for a prospect id never enrolled or registered.
    """
    if await session.get(ProspectRecord, prospect_id) is None:
        raise UnknownProspect(prospect_id)
    enrollments = await session.exec(
        select(Enrollment)
        .where(Enrollment.prospect_id == prospect_id)
        .order_by(col(Enrollment.enrolled_at))
    )
    runs: list[_Run] = []
    warnings: list[str] = []
    for enrollment in list(enrollments):
        journey = await _journey_runs(
            client=client, session=session, settings=settings, enrollment=enrollment
        )
        runs += journey.runs
        warnings += journey.warnings
    runs.sort(key=lambda run: run.ref.started_at)
    return ProspectTimeline(
        prospect_id=prospect_id,
        runs=[run.ref for run in runs],
        items=in_order([run.items for run in runs]),
        warnings=warnings,
    )


async def _journey_runs(
    *, client: Client, session: AsyncSession, settings: Settings, enrollment: Enrollment
) -> _Journey:
    workflow_id = enrollment.workflow_id
    journey = _Journey()
    cached = await cache.cached_runs(session, workflow_id=workflow_id)
    try:
        listed = await list_runs(client, workflow_id=workflow_id)
    except RPCError as error:
        listed = []
        journey.warnings.append(
            f"Temporal did not answer for {workflow_id} ({error.message}): only stored "
            "timelines and the database projection are shown"
        )

    to_read = [run for run in listed if not (run.closed and run.run_id in cached)]
    histories = await _read_runs(client, enrollment.journey_id, to_read)
    for run in listed:
        items = histories.get(run.run_id)
        if items is None:
            continue
        read = _Run(_history_ref(enrollment, run, settings), items)
        journey.runs.append(read)
        if run.closed:
            await cache.store_run(
                session, prospect_id=enrollment.prospect_id, run=read.ref, items=items
            )
    shown = {run.ref.run_id for run in journey.runs}
    for run_id, row in cached.items():
        if run_id not in shown:
            journey.runs.append(_Run(_cached_ref(row, settings), cache.cached_items(row)))
    uncovered = await _uncovered_decisions(session, workflow_id, [run.ref for run in journey.runs])
    if uncovered:
        journey.runs.append(_projection_run(enrollment, uncovered))
    return journey


async def _read_runs(
    client: Client, journey_id: str, runs: list[RunInfo]
) -> dict[str, list[TimelineItem]]:
    """Each run's items by run id; a run Temporal dropped in the meantime is left out."""
    limit = asyncio.Semaphore(HISTORY_CONCURRENCY)

    async def read(run: RunInfo) -> tuple[str, list[TimelineItem] | None]:
        async with limit:
            try:
                entries = await read_run(client, workflow_id=run.workflow_id, run_id=run.run_id)
            except RPCError as error:
                if error.status != RPCStatusCode.NOT_FOUND:
                    raise
                return run.run_id, None
        key = RunKey(journey_id=journey_id, workflow_id=run.workflow_id, run_id=run.run_id)
        return run.run_id, run_items(run=key, entries=entries)

    read_all = await asyncio.gather(*(read(run) for run in runs))
    return {run_id: items for run_id, items in read_all if items is not None}


def _ui_link(settings: Settings, workflow_id: str, run_id: str) -> str:
    return temporal_ui_link(
        ui_url=settings.temporal_ui_url,
        namespace=settings.temporal_namespace,
        workflow_id=workflow_id,
        run_id=run_id,
    )


def _history_ref(enrollment: Enrollment, run: RunInfo, settings: Settings) -> RunRef:
    return RunRef(
        journey_id=enrollment.journey_id,
        workflow_id=run.workflow_id,
        run_id=run.run_id,
        started_at=run.started_at,
        closed_at=run.closed_at,
        status=run.status,
        source="history",
        temporal_ui_url=_ui_link(settings, run.workflow_id, run.run_id),
    )


def _cached_ref(row: TimelineRun, settings: Settings) -> RunRef:
    return RunRef(
        journey_id=row.journey_id,
        workflow_id=row.workflow_id,
        run_id=row.run_id,
        started_at=row.started_at,
        closed_at=row.closed_at,
        status=row.status,
        source="cache",
        temporal_ui_url=_ui_link(settings, row.workflow_id, row.run_id),
    )


async def _uncovered_decisions(
    session: AsyncSession, workflow_id: str, runs: list[RunRef]
) -> list[Decision]:
    """The projected decisions that fall in no known run: their runs are gone from Temporal."""
    rows = await session.exec(
        select(DecisionRecord)
        .where(DecisionRecord.workflow_id == workflow_id)
        .order_by(col(DecisionRecord.at), col(DecisionRecord.seq))
    )
    spans = [
        (
            run.started_at - _RUN_EDGE_LEEWAY,
            run.closed_at + _RUN_EDGE_LEEWAY if run.closed_at else None,
        )
        for run in runs
    ]
    return [
        Decision.model_validate(row, from_attributes=True)
        for row in rows
        if not any(start <= row.at and (end is None or row.at <= end) for start, end in spans)
    ]


def _projection_run(enrollment: Enrollment, decisions: list[Decision]) -> _Run:
    key = RunKey(journey_id=enrollment.journey_id, workflow_id=enrollment.workflow_id, run_id="")
    ref = RunRef(
        journey_id=enrollment.journey_id,
        workflow_id=enrollment.workflow_id,
        run_id="",
        started_at=decisions[0].at,
        closed_at=decisions[-1].at,
        status="unknown",
        source="projection",
        temporal_ui_url=None,
    )
    items = [decision_item(run=key, decision=decision, version=None) for decision in decisions]
    return _Run(ref, items)
