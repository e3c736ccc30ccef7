"""How the harness drives Nurture as a user would: publish, enrol and post events over HTTP,
and read what happened from the database the API reads."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import httpx
import yaml
from sqlalchemy import text

from api import publishing
from definitions.loader import parse_definition
from nurture.db import Database
from workflows.contract import journey_workflow_id

BENCH_JOURNEY = Path(__file__).resolve().parent / "bench_journey.yaml"
BATCH = 500


def bench_definition(journey_id: str) -> dict[str, Any]:
    """The bench journey as a document, under another id (each scenario has its own)."""
    document: dict[str, Any] = yaml.safe_load(BENCH_JOURNEY.read_text(encoding="utf-8"))
    document["journey"] = journey_id
    return document


async def publish(db: Database, document: dict[str, Any]) -> None:
    """Validate and publish as `POST /journeys` does (the same function, called directly)."""
    source = json.dumps(document)
    definition = parse_definition(source, source=document["journey"], media_type="json")
    await publishing.publish(db, definition=definition, source=source)


def prospect(prefix: str, number: int) -> dict[str, str]:
    return {"id": f"{prefix}-{number}", "email": f"{prefix}-{number}@bench.example.com"}


def workflow_ids(journey_id: str, prospects: Sequence[dict[str, str]]) -> list[str]:
    return [journey_workflow_id(journey_id, item["id"]) for item in prospects]


async def enroll(
    http: httpx.AsyncClient, journey_id: str, prospects: Sequence[dict[str, str]]
) -> None:
    """Bulk enrolment in batches of 500, one request after another (as `nurture import`)."""
    for start in range(0, len(prospects), BATCH):
        batch = list(prospects[start : start + BATCH])
        response = await http.post(f"/journeys/{journey_id}/enrollments", json=batch)
        body = response.json()
        if response.status_code != 201 or len(body["enrolled"]) != len(batch):
            raise RuntimeError(f"enrolment failed: {response.status_code} {response.text[:500]}")


async def count(db: Database, sql: str, **parameters: Any) -> int:
    async with db.engine.connect() as connection:
        value = (await connection.execute(text(sql), parameters)).scalar_one()
    return int(value)


async def projected(db: Database, journey_id: str) -> int:
    """Enrolments of the journey the worker has reported on (the API's first row has no plan)."""
    return await count(
        db,
        "SELECT COUNT(*) FROM enrollments WHERE journey_id = :journey "
        "AND next_action_at IS NOT NULL",
        journey=journey_id,
    )


async def wait_until(
    check: Callable[[], Awaitable[bool]], *, within: float, what: str, poll: float = 0.25
) -> float:
    """Poll `check` until it holds; the monotonic moment it was first seen to hold."""
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {within:.0f} s")
        await asyncio.sleep(poll)
    return time.monotonic()


def file_size_mb(*paths: Path) -> float:
    """Total size of a SQLite database with its WAL and shared-memory files."""
    total = 0
    for path in paths:
        for part in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            if part.exists():
                total += part.stat().st_size
    return total / (1024 * 1024)
