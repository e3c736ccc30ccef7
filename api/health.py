"""Probes: `/health` says the process is alive, `/ready` that it can do its work now.

`/health` (liveness) answers 200 when the database and Temporal both answer; cheap, for a
restart policy. `/ready` (readiness) adds what serving needs beyond reachability: the schema at
the newest migration, and a worker polling the task queue, without which enrolments and events
are accepted but nothing happens. A load balancer sends traffic only to a ready API; it is not
restarted for being unready (a missing worker is not the API's fault).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable
from datetime import timedelta

from fastapi import APIRouter, Response, status
from pydantic import BaseModel
from sqlalchemy import inspect, text
from sqlmodel import SQLModel
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client

from api.deps import DatabaseDep, SettingsDep, TemporalDep
from api.schemas import HealthOut
from nurture.db import Database, current_revision
from nurture.migrations import head_revision

router = APIRouter(tags=["health"])

CHECK_TIMEOUT_SECONDS = 3.0
OK = "ok"

# The revisions on disk do not change while the process runs.
_newest_revision = functools.cache(head_revision)


class ReadyOut(BaseModel):
    ready: bool
    # database, schema, temporal, workers: "ok" or what is wrong.
    checks: dict[str, str]
    reasons: list[str]


async def _answer(check: Awaitable[str]) -> str:
    """`check`'s answer, or why it could not give one in time."""
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            return await check
    except Exception as error:
        return f"unreachable: {type(error).__name__}: {error}"


async def _database(db: Database) -> str:
    async with db.engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
    return OK


async def _schema(db: Database) -> str:
    """The schema this code expects: migrated to the newest revision or, for a database made
    straight from the models (tests, benchmarks), with every table present."""
    revision = await current_revision(db.engine)
    if revision is not None:
        expected = _newest_revision()
        if revision != expected:
            return f"at revision {revision}, expected {expected}: run `nurture db upgrade`"
        return OK
    async with db.engine.connect() as connection:
        present = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    missing = sorted(set(SQLModel.metadata.tables) - present)
    return f"missing tables: {', '.join(missing)}" if missing else OK


async def _temporal(temporal: Client) -> str:
    serving = await temporal.service_client.check_health(
        timeout=timedelta(seconds=CHECK_TIMEOUT_SECONDS)
    )
    return OK if serving else "not serving"


async def _workers(temporal: Client, task_queue: str) -> str:
    """A worker polls the task queue (the server forgets a poller a few minutes after it
    stopped polling, so a worker that just died still counts for that long)."""
    described = await temporal.workflow_service.describe_task_queue(
        DescribeTaskQueueRequest(
            namespace=temporal.namespace,
            task_queue=TaskQueue(name=task_queue),
            task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        ),
        timeout=timedelta(seconds=CHECK_TIMEOUT_SECONDS),
    )
    return OK if described.pollers else f"no worker is polling task queue {task_queue!r}"


@router.get(
    "/health",
    responses={503: {"model": HealthOut, "description": "Something is unreachable."}},
)
async def health(db: DatabaseDep, temporal: TemporalDep, response: Response) -> HealthOut:
    database, temporal_status = await asyncio.gather(
        _answer(_database(db)), _answer(_temporal(temporal))
    )
    if database != OK or temporal_status != OK:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return HealthOut(database=database, temporal=temporal_status)


@router.get(
    "/ready",
    responses={503: {"model": ReadyOut, "description": "Not ready; `reasons` says why."}},
)
async def ready(
    db: DatabaseDep, temporal: TemporalDep, settings: SettingsDep, response: Response
) -> ReadyOut:
    names = ("database", "schema", "temporal", "workers")
    answers = await asyncio.gather(
        _answer(_database(db)),
        _answer(_schema(db)),
        _answer(_temporal(temporal)),
        _answer(_workers(temporal, settings.task_queue)),
    )
    checks = dict(zip(names, answers, strict=True))
    reasons = [f"{name}: {answer}" for name, answer in checks.items() if answer != OK]
    if reasons:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return ReadyOut(ready=not reasons, checks=checks, reasons=reasons)
