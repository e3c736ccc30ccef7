"""Liveness of what the API needs: 200 only when the database and Temporal both answer."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from fastapi import APIRouter, Response, status
from sqlalchemy import text
from temporalio.client import Client

from api.deps import DatabaseDep, TemporalDep
from api.schemas import HealthOut
from nurture.db import Database

router = APIRouter(tags=["health"])

CHECK_TIMEOUT_SECONDS = 3.0


async def _database(db: Database) -> str:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS), db.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as error:
        return f"unreachable: {type(error).__name__}: {error}"
    return "ok"


async def _temporal(temporal: Client) -> str:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            serving = await temporal.service_client.check_health(
                timeout=timedelta(seconds=CHECK_TIMEOUT_SECONDS)
            )
    except Exception as error:
        return f"unreachable: {type(error).__name__}: {error}"
    return "ok" if serving else "not serving"


@router.get(
    "/health",
    responses={503: {"model": HealthOut, "description": "Something is unreachable."}},
)
async def health(db: DatabaseDep, temporal: TemporalDep, response: Response) -> HealthOut:
    database, temporal_status = await asyncio.gather(_database(db), _temporal(temporal))
    if database != "ok" or temporal_status != "ok":
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return HealthOut(database=database, temporal=temporal_status)
