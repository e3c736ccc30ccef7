"""History growth: Temporal history events per prospect for the demo journey run to the end,
and the largest single run over a simulated year of daily activity.

Real time cannot give a year, so this scenario starts its own time-skipping dev server (as the
integration tests do) with a worker in this process, a temp SQLite and an SMTP sink; each
workflow has its own virtual clock, moved with `fast_forward`.

- Demo journey: each prospect is enrolled in `definitions/b2b_funnel.yaml`, reads two items
  (day 2 and 4), is away (day 5, back on day 18), replies (day 20: hand-off), is qualified by
  sales half a day later, and runs on to day 60.
- A year: one demo prospect reads one item a day (cycling through the catalogue) for
  `history_days` days with `history_limit` as the run's history limit; continue-as-new must keep
  every run under the limit plus one turn, whatever the number of days.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text
from temporalio.client import Client, WorkflowHandle
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from bench.context import RunContext
from bench.driving import wait_until
from bench.history import run_lengths
from bench.report import Row
from definitions.loader import load_file
from definitions.model import JourneyDefinition
from nurture.db import Database
from nurture.devstack import HOST
from nurture.settings import Settings
from nurture.smtp_sink import MailSink
from tests.fixtures.temporal import start_test_server
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
from workflows.state import Prospect

DEMO = Path(__file__).resolve().parent.parent / "definitions" / "b2b_funnel.yaml"
DAY = timedelta(days=1)
DEMO_DAYS = 60
BOUND = 10_000


@dataclass(frozen=True)
class Simulation:
    client: Client
    env: WorkflowEnvironment
    task_queue: str
    db: Database


@contextlib.asynccontextmanager
async def simulation() -> AsyncIterator[Simulation]:
    task_queue = f"bench-history-{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory(prefix="nurture-bench-history-") as workdir:
        sink = MailSink(host=HOST)
        sink.start()
        db = Database.from_url(f"sqlite+aiosqlite:///{Path(workdir) / 'nurture.db'}")
        await db.create_tables()
        env = await start_test_server(log_level="error")
        settings = Settings(
            environment="development",
            task_queue=task_queue,
            database_url=str(db.engine.url),
            smtp_host=HOST,
            smtp_port=sink.port,
        )
        try:
            async with build_worker(env.client, task_queue=task_queue, db=db, settings=settings):
                yield Simulation(env.client, env, task_queue, db)
        finally:
            await env.shutdown()
            await db.dispose()
            sink.stop()


def demo_definition() -> JourneyDefinition:
    return load_file(DEMO).model_copy(update={"version": 1})


async def _start(
    sim: Simulation, definition: JourneyDefinition, prospect_id: str, *, history_limit: int
) -> WorkflowHandle[Any, Any]:
    prospect = Prospect(id=prospect_id, email=f"{prospect_id}@bench.example.com")
    return await sim.client.start_workflow(
        WORKFLOW_NAME,
        JourneyInput(definition=definition, prospect=prospect, history_limit=history_limit),
        id=journey_workflow_id(definition.journey, prospect_id),
        task_queue=sim.task_queue,
    )


async def _view(handle: WorkflowHandle[Any, Any]) -> JourneyView:
    view: JourneyView = await handle.query(STATE_QUERY, result_type=JourneyView)
    return view


async def _apply(handle: WorkflowHandle[Any, Any], event: dict[str, Any]) -> JourneyView:
    """Signal an event and wait until the workflow has applied it."""
    await handle.signal(EVENT_SIGNAL, PROSPECT_EVENT.validate_python(event))
    async with asyncio.timeout(30):
        while True:
            # Asked while the signal's workflow task is being scheduled, the server refuses.
            with contextlib.suppress(RPCError):
                view = await _view(handle)
                if event["id"] in view.state.applied_event_ids or view.state.is_terminal:
                    return view
            await asyncio.sleep(0.02)


def _event(prospect_id: str, name: str, kind: str, **data: Any) -> dict[str, Any]:
    return {"id": f"{prospect_id}-{name}", "prospect_id": prospect_id, "type": kind, "data": data}


async def _demo_prospect(sim: Simulation, definition: JourneyDefinition, number: int) -> int:
    prospect_id = f"demo-{number}"
    handle = await _start(sim, definition, prospect_id, history_limit=2000)
    started = await sim.env.get_current_time(handle)
    back = (started + 18 * DAY).date().isoformat()
    script = [
        (2, _event(prospect_id, "read-1", "content_consumed", content_id="support-hidden-costs")),
        (4, _event(prospect_id, "read-2", "content_consumed", content_id="pricing-plans")),
        (5, _event(prospect_id, "away", "out_of_office", return_date=back)),
        (20, _event(prospect_id, "reply", "email_replied", text="Let's talk")),
    ]
    day = 0
    for at_day, event in script:
        await sim.env.fast_forward(handle, (at_day - day) * DAY)
        day = at_day
        view = await _apply(handle, event)
        task = next(
            (t for t in view.state.tasks if t.kind == "handoff" and t.status == "open"), None
        )
        if event["type"] == "email_replied" and task is not None:
            await sim.env.fast_forward(handle, DAY / 2)
            await _apply(
                handle,
                _event(
                    prospect_id, "qualified", "sales_outcome", outcome="qualified", task_id=task.id
                ),
            )
    await sim.env.fast_forward(handle, (DEMO_DAYS - day) * DAY)
    return sum(await run_lengths(sim.client, handle.id))


async def _year(sim: Simulation, definition: JourneyDefinition, days: int, limit: int) -> list[int]:
    prospect_id = "a-year"
    handle = await _start(sim, definition, prospect_id, history_limit=limit)
    catalogue = [item.id for item in definition.content]
    for day in range(days):
        read = catalogue[day % len(catalogue)]
        event = _event(prospect_id, f"day-{day}", "content_consumed", content_id=read)
        await handle.signal(EVENT_SIGNAL, PROSPECT_EVENT.validate_python(event))
        # The day's event must be applied before its day ends (a fresh run after
        # continue-as-new may not have taken its first turn yet when asked).
        await _until_applied(sim, handle.id, day + 1)
        await sim.env.fast_forward(handle, DAY)
    return await run_lengths(sim.client, handle.id)


async def _until_applied(sim: Simulation, workflow_id: str, count: int) -> None:
    async def applied() -> bool:
        return await _applied_events(sim, workflow_id) >= count

    await wait_until(applied, within=30, what=f"event {count} of the year", poll=0.01)


async def _applied_events(sim: Simulation, workflow_id: str) -> int:
    async with sim.db.engine.connect() as connection:
        result = await connection.execute(
            text(
                "SELECT COUNT(*) FROM decisions WHERE workflow_id = :workflow "
                "AND kind = 'event_applied'"
            ),
            {"workflow": workflow_id},
        )
        return int(result.scalar_one())


async def run(context: RunContext) -> list[Row]:
    sizes = context.sizes
    definition = demo_definition()
    context.say(
        f"history: {sizes.history_demo_prospects} demo journeys to day {DEMO_DAYS}, "
        f"{sizes.history_days} days of one prospect (limit {sizes.history_limit})"
    )
    async with simulation() as sim:
        per_prospect = [
            await _demo_prospect(sim, definition, number)
            for number in range(sizes.history_demo_prospects)
        ]
        runs = await _year(sim, definition, sizes.history_days, sizes.history_limit)
    largest = max(runs)
    context.details["history"] = {
        "demo_events_per_prospect": per_prospect,
        "year_days": sizes.history_days,
        "year_history_limit": sizes.history_limit,
        "year_run_lengths": runs,
    }
    mean = sum(per_prospect) / len(per_prospect)
    bounded = "bounded" if largest < BOUND else "NOT bounded"
    return [
        Row(
            scenario="History: demo journey to the end",
            load=f"{len(per_prospect)} prospect(s), {DEMO_DAYS} simulated days",
            history_per_prospect=mean,
        ),
        Row(
            scenario="History: a simulated year, daily activity",
            load=f"1 prospect, {sizes.history_days} days, limit {sizes.history_limit}",
            history_per_prospect=float(sum(runs)),
            note=f"{len(runs)} runs; largest run {largest:,} events ({bounded}: < {BOUND:,})",
        ),
    ]
