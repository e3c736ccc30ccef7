"""The bare-Temporal yardstick: the least a workflow can do per prospect and per event.

A workflow that starts, waits for signals, and runs one no-op activity per signal, on its own
task queue of the same dev server, served by its own worker process (`python -m bench.baseline
--address HOST:PORT`) with the SDK's default worker options, as Nurture's worker has. What it
achieves is the most Temporal itself can do on this machine; Nurture's figures are divided by
it. This module holds only the workflow and its worker, so the workflow sandbox imports little.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.worker import Worker

BASELINE_TASK_QUEUE = "bench-baseline"
BASELINE_WORKFLOW = "BenchBaseline"
PING_SIGNAL = "ping"


@activity.defn(name="bench_noop")
async def noop() -> None:
    """Nothing at all: what remains is Temporal's own cost of scheduling an activity."""


@workflow.defn(name=BASELINE_WORKFLOW)
class BaselineWorkflow:
    """Waits for `expected` signals, one no-op activity each, then ends (0: waits for good)."""

    def __init__(self) -> None:
        self._received = 0
        self._handled = 0

    @workflow.run
    async def run(self, expected: int) -> int:
        while expected == 0 or self._handled < expected:
            await workflow.wait_condition(lambda: self._received > self._handled)
            await workflow.execute_activity(noop, start_to_close_timeout=timedelta(minutes=1))
            self._handled += 1
        return self._handled

    @workflow.signal(name=PING_SIGNAL)
    def ping(self) -> None:
        self._received += 1


async def serve(address: str) -> None:
    client = await Client.connect(address)
    worker = Worker(
        client,
        task_queue=BASELINE_TASK_QUEUE,
        workflows=[BaselineWorkflow],
        activities=[noop],
    )
    await worker.run()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run the bare-Temporal baseline worker.")
    parser.add_argument("--address", required=True, help="The Temporal frontend, host:port.")
    arguments = parser.parse_args(argv)
    asyncio.run(serve(arguments.address))


if __name__ == "__main__":
    main()
