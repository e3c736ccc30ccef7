"""Builds and runs the Temporal worker that hosts journey workflows and their activities."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator

from temporalio.client import Client
from temporalio.runtime import (
    LogForwardingConfig,
    LoggingConfig,
    PrometheusConfig,
    Runtime,
    TelemetryConfig,
)
from temporalio.worker import Worker

from activities import JourneyActivities, SalesActivities
from nurture.activity_observer import ObservedActivities
from nurture.db import Database
from nurture.metrics import serve_nurture_metrics
from nurture.settings import Settings
from nurture.temporal_client import connect_temporal
from workflows.prospect_workflow import ProspectJourneyWorkflow

log = logging.getLogger("nurture.worker")


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
        interceptors=[ObservedActivities()],
        max_concurrent_activities=settings.worker_max_concurrent_activities,
        max_concurrent_workflow_tasks=settings.worker_max_concurrent_workflow_tasks,
        max_cached_workflows=settings.worker_max_cached_workflows,
    )


def worker_runtime(metrics_port: int | None) -> Runtime:
    """The Temporal SDK runtime of a worker process: the SDK core's own log lines go through
    Python logging (JSON lines like the rest when so configured), and with a port its metrics
    are served at `http://<host>:{metrics_port}/metrics`."""
    core_logs = LogForwardingConfig(logger=logging.getLogger("temporalio.core"))
    return Runtime(
        telemetry=TelemetryConfig(
            logging=LoggingConfig(filter=LoggingConfig.default.filter, forwarding=core_logs),
            metrics=(
                PrometheusConfig(bind_address=f"0.0.0.0:{metrics_port}") if metrics_port else None
            ),
        )
    )


@contextlib.contextmanager
def worker_telemetry(metrics_port: int | None) -> Iterator[None]:
    """The SDK's runtime for this process and, with a port, Nurture's counters on the next one.

    Must run before this process first connects to Temporal: every client uses the process's
    default runtime, fixed by the first connection.
    """
    Runtime.set_default(worker_runtime(metrics_port))
    if metrics_port is None:
        yield
        return
    served = serve_nurture_metrics(metrics_port + 1)
    log.info(
        "metrics: Temporal SDK on :%d/metrics, Nurture on :%d/metrics",
        metrics_port,
        served.port,
    )
    try:
        yield
    finally:
        served.stop()


async def run_worker(settings: Settings) -> None:
    """Run until cancelled (Ctrl-C); any number of these may share one task queue."""
    with worker_telemetry(settings.metrics_port):
        db = Database.from_url(settings.database_url)
        # Every process brings the schema up to date before it works (the compose `migrate` job
        # has usually done it, leaving nothing to do); concurrent upgrades take turns.
        await db.upgrade()
        client = await connect_temporal(settings)
        worker = build_worker(client, task_queue=settings.task_queue, db=db, settings=settings)
        log.info("worker polling task queue %r", settings.task_queue)
        try:
            await worker.run()
        finally:
            await db.dispose()


if __name__ == "__main__":
    from nurture.logs import configure_logging
    from nurture.settings import get_settings

    settings = get_settings()
    configure_logging(log_format=settings.log_format)
    asyncio.run(run_worker(settings))
