"""Builds and runs the Temporal worker that hosts journey workflows and their activities."""

from __future__ import annotations

import asyncio
import logging

from temporalio.client import Client
from temporalio.worker import Worker

from activities import JourneyActivities, SalesActivities
from nurture.db import Database
from nurture.settings import Settings
from nurture.temporal_client import connect_temporal
from workflows.prospect_workflow import ProspectJourneyWorkflow


def build_worker(client: Client, *, task_queue: str, db: Database, settings: Settings) -> Worker:
    journeys = JourneyActivities(db, settings)
    sales = SalesActivities(db, settings, client)
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[ProspectJourneyWorkflow],
        activities=[
            journeys.send_email,
            journeys.record_projection,
            sales.create_task,
            sales.escalate_task,
            sales.notify_reassigned,
            sales.enroll_contact,
        ],
    )


async def run_worker(settings: Settings) -> None:
    """Run until cancelled (Ctrl-C); any number of these may share one task queue."""
    db = Database.from_url(settings.database_url)
    await db.create_tables()
    client = await connect_temporal(settings)
    worker = build_worker(client, task_queue=settings.task_queue, db=db, settings=settings)
    logging.getLogger("nurture").info("worker polling task queue %r", settings.task_queue)
    try:
        await worker.run()
    finally:
        await db.dispose()


if __name__ == "__main__":
    from nurture.settings import get_settings

    logging.basicConfig(level=logging.INFO)
    asyncio.run(run_worker(get_settings()))
