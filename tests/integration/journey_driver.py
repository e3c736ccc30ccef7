"""Drive journey workflows on the real dev server: start, signal, move virtual time, observe."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest_asyncio
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from definitions.loader import load_file
from definitions.model import JourneyDefinition
from nurture.db import Database
from nurture.settings import Settings
from worker import build_worker
from workflows.contract import (
    EVENT_SIGNAL,
    STATE_QUERY,
    WORKFLOW_NAME,
    JourneyInput,
    JourneyView,
    journey_workflow_id,
)
from workflows.events import PROSPECT_EVENT
from workflows.state import JourneyState, Prospect

ROOT = Path(__file__).parent.parent.parent


def demo_definition(name: str = "b2b_funnel", version: int = 1) -> JourneyDefinition:
    return load_file(ROOT / "definitions" / f"{name}.yaml").model_copy(update={"version": version})


def small_definition(version: int = 1) -> JourneyDefinition:
    path = ROOT / "tests" / "data" / "small_journey.yaml"
    return load_file(path).model_copy(update={"version": version})


class JourneyDriver:
    def __init__(self, env: WorkflowEnvironment, task_queue: str) -> None:
        self.env = env
        self.task_queue = task_queue

    async def start(
        self, definition: JourneyDefinition, prospect: Prospect, *, history_limit: int = 2000
    ) -> WorkflowHandle[Any, Any]:
        return await self.env.client.start_workflow(
            WORKFLOW_NAME,
            JourneyInput(definition=definition, prospect=prospect, history_limit=history_limit),
            id=journey_workflow_id(definition.journey, prospect.id),
            task_queue=self.task_queue,
            result_type=JourneyState,
        )

    async def view(self, handle: WorkflowHandle[Any, Any]) -> JourneyView:
        view: JourneyView = await handle.query(STATE_QUERY, result_type=JourneyView)
        return view

    async def send(
        self, handle: WorkflowHandle[Any, Any], event_id: str, kind: str, **data: Any
    ) -> JourneyView:
        """Signal an event and wait until the workflow has applied it."""
        prospect_id = handle.id.rsplit(":", 1)[-1]
        event = PROSPECT_EVENT.validate_python(
            {"id": event_id, "prospect_id": prospect_id, "type": kind, "data": data}
        )
        await handle.signal(EVENT_SIGNAL, event)
        return await self.until(handle, lambda v: event_id in v.state.applied_event_ids)

    async def until(
        self,
        handle: WorkflowHandle[Any, Any],
        condition: Callable[[JourneyView], bool],
        within_seconds: float = 20.0,
    ) -> JourneyView:
        deadline = time.monotonic() + within_seconds
        while True:
            view = await self.view(handle)
            if condition(view):
                return view
            if time.monotonic() > deadline:
                raise AssertionError(f"not met within {within_seconds}s; last view: {view}")
            await asyncio.sleep(0.05)

    async def forward(self, handle: WorkflowHandle[Any, Any], by: timedelta) -> None:
        await self.env.fast_forward(handle, by)


@pytest_asyncio.fixture
async def journeys(
    temporal_env: WorkflowEnvironment, task_queue: str, database: Database, settings: Settings
) -> AsyncIterator[JourneyDriver]:
    """A worker with the real activities (SQLite, SMTP sink) on this test's task queue."""
    worker = build_worker(
        temporal_env.client, task_queue=task_queue, db=database, settings=settings
    )
    async with worker:
        yield JourneyDriver(temporal_env, task_queue)
