"""Record workflow histories to replay against later code: `python -m tests.replay.record TAG`.

Each scenario runs a representative journey on the time-skipping test server with the real
activities (a throwaway SQLite database, a local SMTP sink) and saves every run's history as
`histories/{TAG}-{scenario}[-run{n}].json`. Histories recorded by an older version of the
workflow, kept as fixtures, are what proves that newer code still replays them (test_replay.py).
Run it again with a new TAG after a change to the workflow, so both paths stay covered.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from temporalio.client import Client, WorkflowHandle

from nurture.db import Database
from nurture.settings import Settings
from nurture.smtp_sink import MailSink
from tests.fixtures.temporal import start_test_server
from tests.integration.journey_driver import JourneyDriver, demo_definition, small_definition
from worker import build_worker
from workflows.state import Prospect

HISTORIES = Path(__file__).parent / "histories"
DAY = timedelta(days=1)

Scenario = Callable[[JourneyDriver], Awaitable[WorkflowHandle[Any, Any]]]


def _prospect(prospect_id: str) -> Prospect:
    return Prospect(
        id=prospect_id,
        email=f"{prospect_id}@shop.example",
        first_name="Ada",
        company="Baltic Home Goods",
        timezone="Europe/Warsaw",
    )


async def demo_funnel_hand_off(journeys: JourneyDriver) -> WorkflowHandle[Any, Any]:
    """Enrol, read, a timed follow-up, the e-book form: hand-off, then an SLA escalation."""
    handle = await journeys.start(demo_definition(), _prospect("ada"))
    await journeys.until(handle, lambda v: len(v.state.sent) == 1)
    await journeys.send(handle, "read-1", "content_consumed", content_id="support-inbox-problems")
    await journeys.forward(handle, 2 * DAY)
    await journeys.until(handle, lambda v: len(v.state.sent) == 2)
    await journeys.send(handle, "ebook", "form_submitted", form_id="ebook-download")
    await journeys.until(handle, lambda v: v.state.status == "handed_off")
    await journeys.forward(handle, 3 * DAY)
    await journeys.until(handle, lambda v: any(t.escalations_done for t in v.state.tasks))
    return handle


async def out_of_office(journeys: JourneyDriver) -> WorkflowHandle[Any, Any]:
    """Paused by an autoreply until a return date, resumed on the day, the sequence goes on."""
    handle = await journeys.start(small_definition(), _prospect("cy"))
    await journeys.until(handle, lambda v: len(v.state.sent) == 1)
    back = (await journeys.env.get_current_time(handle) + 10 * DAY).date()
    await journeys.send(handle, "ooo", "out_of_office", return_date=back.isoformat())
    await journeys.forward(handle, 11 * DAY)
    await journeys.until(handle, lambda v: v.state.status == "active" and len(v.state.sent) == 2)
    return handle


async def reply_hand_off(journeys: JourneyDriver) -> WorkflowHandle[Any, Any]:
    """A reply stops the sequence and hands the prospect to sales."""
    handle = await journeys.start(small_definition(), _prospect("di"))
    await journeys.until(handle, lambda v: len(v.state.sent) == 1)
    await journeys.send(handle, "reply", "email_replied", text="Can we talk on Monday?")
    await journeys.until(handle, lambda v: v.state.status == "handed_off")
    return handle


async def unsubscribe(journeys: JourneyDriver) -> WorkflowHandle[Any, Any]:
    """A journey that ends: the history closes with the workflow's result."""
    handle = await journeys.start(small_definition(), _prospect("ed"))
    await journeys.until(handle, lambda v: len(v.state.sent) == 1)
    await journeys.send(handle, "skip", "content_consumed", content_id="c1")
    await journeys.send(handle, "bye", "unsubscribed")
    await handle.result()
    return handle


async def continue_as_new(journeys: JourneyDriver) -> WorkflowHandle[Any, Any]:
    """A low history limit: the state is carried into a second run, which goes on working."""
    handle = await journeys.start(small_definition(), _prospect("ia"), history_limit=50)
    await journeys.send(handle, "read-a1", "content_consumed", content_id="a1")
    for number in range(12):
        await journeys.send(handle, f"noise-{number}", "channel_contact", channel="phone")
    await journeys.until(handle, lambda v: v.run_count > 1)
    await journeys.send(handle, "after", "content_consumed", content_id="b1")
    return handle


SCENARIOS: dict[str, Scenario] = {
    "demo-funnel-hand-off": demo_funnel_hand_off,
    "out-of-office": out_of_office,
    "reply-hand-off": reply_hand_off,
    "unsubscribe": unsubscribe,
    "continue-as-new": continue_as_new,
}


async def _save_every_run(client: Client, workflow_id: str, name: str) -> list[Path]:
    """One file per run, oldest first: the first run's history ends in its continue-as-new."""
    runs = [
        execution.run_id
        async for execution in client.list_workflows(f'WorkflowId = "{workflow_id}"')
    ]
    paths = []
    for number, run_id in enumerate(reversed(runs), start=1):
        history = await client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()
        suffix = f"-run{number}" if len(runs) > 1 else ""
        path = HISTORIES / f"{name}{suffix}.json"
        path.write_text(history.to_json(), encoding="utf-8")
        paths.append(path)
    return paths


async def record(tag: str, names: list[str]) -> None:
    HISTORIES.mkdir(exist_ok=True)
    env = await start_test_server()
    sink = MailSink()
    sink.start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            db = Database.from_url(f"sqlite+aiosqlite:///{folder}/nurture.db")
            await db.create_tables()
            settings = Settings(
                _env_file=None,
                database_url=f"sqlite+aiosqlite:///{folder}/nurture.db",
                smtp_host="127.0.0.1",
                smtp_port=sink.port,
                smtp_username=None,
                smtp_password=None,
            )
            for name in names:
                task_queue = f"record-{name}"
                worker = build_worker(env.client, task_queue=task_queue, db=db, settings=settings)
                async with worker:
                    handle = await SCENARIOS[name](JourneyDriver(env, task_queue))
                    for path in await _save_every_run(env.client, handle.id, f"{tag}-{name}"):
                        print(f"recorded {path.relative_to(Path.cwd())}")
            await db.dispose()
    finally:
        sink.stop()
        await env.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tag", help="names the workflow code's version, e.g. v1")
    parser.add_argument("scenarios", nargs="*", help=f"some of {', '.join(SCENARIOS)} (all)")
    arguments = parser.parse_args()
    unknown = set(arguments.scenarios) - SCENARIOS.keys()
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    asyncio.run(record(arguments.tag, arguments.scenarios or list(SCENARIOS)))


if __name__ == "__main__":
    main()
