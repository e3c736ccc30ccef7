"""Bare Temporal on the same server in the same run: starts/s and signals fully processed/s.

Starts: `start_workflow` of the baseline workflow, 50 in flight (the API's bulk concurrency).
Signals: one signal per started workflow (round robin when there are more), 50 in flight; a
signal counts once its no-op activity has run, which is known when the workflow that expected
it has ended. Nurture's enrolment and event figures are divided by these two.
"""

from __future__ import annotations

import asyncio
from typing import Any

from bench.baseline import BASELINE_TASK_QUEUE, BASELINE_WORKFLOW, PING_SIGNAL
from bench.context import BareFigures, RunContext
from bench.history import mean_events
from bench.report import Row
from bench.sizes import CONCURRENCY


def signals_per_workflow(*, starts: int, signals: int) -> list[int]:
    """How many signals each started workflow gets (0: it waits for good)."""
    each, extra = divmod(signals, starts)
    return [each + (1 if index < extra else 0) for index in range(starts)]


async def run(context: RunContext) -> list[Row]:
    stack, sampler = context.live
    sizes = context.sizes
    client = stack.temporal
    expected = signals_per_workflow(starts=sizes.baseline_starts, signals=sizes.baseline_signals)
    ids = [f"bare-{index}" for index in range(sizes.baseline_starts)]
    limit = asyncio.Semaphore(CONCURRENCY)
    context.say(f"bare Temporal: {len(ids)} starts, {sum(expected)} signals")

    async def start(workflow_id: str, signals: int) -> Any:
        async with limit:
            return await client.start_workflow(
                BASELINE_WORKFLOW, signals, id=workflow_id, task_queue=BASELINE_TASK_QUEUE
            )

    began = sampler.now()
    handles = await asyncio.gather(*(start(i, n) for i, n in zip(ids, expected, strict=True)))
    started = sampler.now()
    starts_per_second = len(ids) / (started - began)
    start_usage = context.usage(began, started)
    start_history = await mean_events(client, ids)

    async def ping(handle: Any) -> None:
        async with limit:
            await handle.signal(PING_SIGNAL)

    signalled = [(handle, n) for handle, n in zip(handles, expected, strict=True) if n > 0]
    began = sampler.now()
    await asyncio.gather(*(ping(handle) for handle, n in signalled for _ in range(n)))
    await asyncio.gather(*(handle.result() for handle, _ in signalled))
    processed = sampler.now()
    signals_per_second = sum(expected) / (processed - began)
    signal_history = await mean_events(client, [handle.id for handle, _ in signalled])

    context.bare = BareFigures(starts_per_second, signals_per_second)
    context.details["baseline"] = {
        "task_queue": BASELINE_TASK_QUEUE,
        "concurrency": CONCURRENCY,
        "starts": len(ids),
        "starts_per_second": starts_per_second,
        "signals": sum(expected),
        "signals_per_second": signals_per_second,
    }
    load = f"{len(ids):,} workflows, {CONCURRENCY} in flight"
    return [
        Row(
            scenario="Bare Temporal: start_workflow",
            load=load,
            throughput=starts_per_second,
            unit="starts/s",
            usage=start_usage,
            history_per_prospect=start_history,
            bare=True,
        ),
        Row(
            scenario="Bare Temporal: signal + no-op activity",
            load=f"{sum(expected):,} signals, {CONCURRENCY} in flight",
            throughput=signals_per_second,
            unit="signals/s",
            usage=context.usage(began, processed),
            history_per_prospect=signal_history,
            bare=True,
        ),
    ]
