"""The timelines of closed workflow runs, kept in the database (`timeline_runs`).

A closed run's history never changes, so it is read from Temporal once; the stored items also
outlive Temporal's retention of the run. Rows of another `format` (written by an older version
of the timeline) are ignored, so a change of shape is read again from Temporal.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from audit.timeline import RunRef, TimelineItem
from nurture.tables import TimelineRun

CACHE_FORMAT = 1


async def cached_runs(session: AsyncSession, *, workflow_id: str) -> dict[str, TimelineRun]:
    """The workflow's cached runs of the current format, by run id."""
    rows = await session.exec(
        select(TimelineRun)
        .where(TimelineRun.workflow_id == workflow_id)
        .where(TimelineRun.format == CACHE_FORMAT)
    )
    return {row.run_id: row for row in rows}


def cached_items(row: TimelineRun) -> list[TimelineItem]:
    return [TimelineItem.model_validate(item) for item in row.items]


async def store_run(
    session: AsyncSession, *, prospect_id: str, run: RunRef, items: list[TimelineItem]
) -> None:
    """Keep a closed run's items; a row another request stored first is left as it is."""
    row = TimelineRun(
        workflow_id=run.workflow_id,
        run_id=run.run_id,
        prospect_id=prospect_id,
        journey_id=run.journey_id,
        status=run.status,
        started_at=run.started_at,
        closed_at=run.closed_at,
        format=CACHE_FORMAT,
        items=[item.model_dump(mode="json") for item in items],
    )
    # merge: a row of an older format for the same run is replaced.
    await session.merge(row)
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
