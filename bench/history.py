"""How many history events workflows have: Temporal's own measure of what a prospect costs."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from temporalio.client import Client

SAMPLE = 20


def spread(items: Sequence[str], count: int) -> list[str]:
    """`count` items spread evenly over the sequence (all of them when there are fewer)."""
    if len(items) <= count:
        return list(items)
    step = len(items) / count
    return [items[int(index * step)] for index in range(count)]


async def run_lengths(client: Client, workflow_id: str) -> list[int]:
    """The number of history events of each run of the workflow (continue-as-new, re-entries)."""
    runs = [
        execution.run_id
        async for execution in client.list_workflows(f"WorkflowId = '{workflow_id}'")
    ]
    lengths = []
    for run_id in reversed(runs):
        handle = client.get_workflow_handle(workflow_id, run_id=run_id)
        lengths.append(len([event async for event in handle.fetch_history_events()]))
    return lengths


async def mean_events(
    client: Client, workflow_ids: Sequence[str], *, sample: int = SAMPLE
) -> float:
    """Mean history events per workflow (its latest run) over a sample of the workflows."""
    picked = spread(workflow_ids, sample)
    if not picked:
        return 0.0

    async def length(workflow_id: str) -> int:
        handle = client.get_workflow_handle(workflow_id)
        return len([event async for event in handle.fetch_history_events()])

    lengths = await asyncio.gather(*(length(workflow_id) for workflow_id in picked))
    return sum(lengths) / len(lengths)
