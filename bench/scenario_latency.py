"""Event -> action latency: from `POST /events` of a content view that crosses the hand-off
threshold to the sales task in the database and its notification e-mail at the SMTP sink.

Measured when the stack is idle (one event at a time) and while the ingestion load runs at half
the highest rate the ingestion scenario sustained. A sample is done when both the task row and
the e-mail are there; the row shows that moment's percentiles, the note each part's p99.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import text

from bench.context import RunContext
from bench.driving import wait_until
from bench.load import article_events, http_client, plan, send
from bench.report import Row
from bench.scenario_ingestion import prepare
from bench.stats import Latencies
from bench.watch import POLL_SECONDS
from nurture.db import Database

JOURNEY = "bench-latency"
LOAD_JOURNEY = "bench-load"
LOAD_PROSPECTS = 50
SAMPLE_TIMEOUT = 30.0
LOADED_SPACING = 0.5


@dataclass
class Sample:
    prospect_id: str
    email: str
    sent_at: float
    task_at: float | None = None
    mail_at: float | None = None

    @property
    def done_at(self) -> float | None:
        if self.task_at is None or self.mail_at is None:
            return None
        return max(self.task_at, self.mail_at)


@dataclass
class Watch:
    samples: dict[str, Sample] = field(default_factory=dict)


def _pricing_view(prospect_id: str, number: int) -> dict[str, Any]:
    return {
        "id": f"lat-{number}-{time.monotonic_ns()}",
        "prospect_id": prospect_id,
        "type": "content_consumed",
        "data": {"content_id": "pricing"},
    }


async def _poll_tasks(db: Database, watch: Watch) -> None:
    async with db.engine.connect() as connection:
        rows = await connection.execute(
            text("SELECT DISTINCT prospect_id FROM tasks WHERE journey_id = :journey"),
            {"journey": JOURNEY},
        )
        now = time.monotonic()
        for (prospect_id,) in rows:
            sample = watch.samples.get(str(prospect_id))
            if sample is not None and sample.task_at is None:
                sample.task_at = now


def _match_mail(context: RunContext, watch: Watch, since: float) -> None:
    stack, _ = context.live
    for arrival in stack.arrivals.since(since):
        for sample in watch.samples.values():
            if sample.mail_at is None and sample.email in arrival.subject:
                sample.mail_at = arrival.at


@contextlib.asynccontextmanager
async def watching(context: RunContext, watch: Watch) -> AsyncIterator[None]:
    stack, _ = context.live
    since = time.monotonic()

    async def loop() -> None:
        while True:
            await _poll_tasks(stack.db, watch)
            _match_mail(context, watch, since)
            await asyncio.sleep(POLL_SECONDS)

    task = asyncio.create_task(loop())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _wait_done(samples: Sequence[Sample]) -> None:
    """Until every sample is done, or SAMPLE_TIMEOUT (the row then says how many were not)."""

    async def done() -> bool:
        return all(sample.done_at is not None for sample in samples)

    with contextlib.suppress(TimeoutError):
        await wait_until(done, within=SAMPLE_TIMEOUT, what="hand-offs", poll=POLL_SECONDS)


async def _post(http: httpx.AsyncClient, event: dict[str, Any]) -> None:
    response = await http.post("/events", json=event)
    if response.status_code != 202:
        raise RuntimeError(f"POST /events answered {response.status_code}: {response.text[:200]}")


async def run(context: RunContext) -> list[Row]:
    stack, sampler = context.live
    count = context.sizes.latency_samples
    context.say(f"latency: enrolling {2 * count} prospects to hand off")
    prospect_ids = await prepare(context, JOURNEY, "lat", 2 * count)
    idle_ids, loaded_ids = prospect_ids[:count], prospect_ids[count:]
    load_ids = await prepare(context, LOAD_JOURNEY, "bg", LOAD_PROSPECTS)
    watch = Watch()
    rows = []
    async with (
        watching(context, watch),
        http_client(stack.api_url, headers=stack.api_headers) as http,
    ):
        context.say(f"latency: {count} hand-offs, one at a time")
        began = sampler.now()
        idle = []
        for number, prospect_id in enumerate(idle_ids):
            sample = _sample(watch, prospect_id)
            await _post(http, _pricing_view(prospect_id, number))
            await _wait_done([sample])
            idle.append(sample)
        rows.append(_row(context, "idle", idle, context.usage(began, sampler.now()), None))

        rate = (context.max_event_rate or context.sizes.ingest_first_rate) / 2
        context.say(f"latency: {count} hand-offs under {rate:.1f} events/s of content views")
        seconds = count * LOADED_SPACING + 2
        events = article_events(
            f"bg-{time.monotonic_ns()}", load_ids, max(1, round(rate * seconds))
        )
        background = asyncio.create_task(
            send(http, plan(events, rate=rate, batch=1, start=time.monotonic()))
        )
        began = sampler.now()
        loaded = []
        for number, prospect_id in enumerate(loaded_ids):
            loaded.append(_sample(watch, prospect_id))
            await _post(http, _pricing_view(prospect_id, count + number))
            await asyncio.sleep(LOADED_SPACING)
        await _wait_done(loaded)
        usage = context.usage(began, sampler.now())
        sent = await background
        rows.append(_row(context, "loaded", loaded, usage, rate))
    context.details["latency"] = {
        "journey": JOURNEY,
        "background_failures": len(sent.failures),
        "samples": {
            phase: [_as_dict(s) for s in group]
            for phase, group in (("idle", idle), ("loaded", loaded))
        },
    }
    return rows


def _sample(watch: Watch, prospect_id: str) -> Sample:
    sample = Sample(prospect_id, f"{prospect_id}@bench.example.com", time.monotonic())
    watch.samples[prospect_id] = sample
    return sample


def _as_dict(sample: Sample) -> dict[str, float | None]:
    def since(moment: float | None) -> float | None:
        return None if moment is None else moment - sample.sent_at

    return {
        "task": since(sample.task_at),
        "mail": since(sample.mail_at),
        "both": since(sample.done_at),
    }


def _row(
    context: RunContext, phase: str, samples: list[Sample], usage: Any, rate: float | None
) -> Row:
    done = [s.done_at - s.sent_at for s in samples if s.done_at is not None]
    tasks = Latencies.of([s.task_at - s.sent_at for s in samples if s.task_at is not None])
    mails = Latencies.of([s.mail_at - s.sent_at for s in samples if s.mail_at is not None])
    missing = len(samples) - len(done)
    parts = [
        f"task row p99 {tasks.p99:.2f} s" if tasks else "no task row",
        f"e-mail p99 {mails.p99:.2f} s" if mails else "no e-mail",
    ]
    if missing:
        parts.append(f"{missing} not done within {SAMPLE_TIMEOUT:.0f} s")
    load = "one at a time" if rate is None else f"under {rate:.1f} events/s (half the max)"
    return Row(
        scenario=f"Event → hand-off task + e-mail ({phase})",
        load=f"{len(samples)} hand-offs, {load}",
        latency=Latencies.of(done),
        usage=usage,
        note="; ".join(parts),
    )
