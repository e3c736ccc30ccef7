"""Waiting, briefly, for a workflow run to close.

A journey writes its last projection (status `completed`) and then completes; a start of the
same workflow id in between is refused as "already started" although the projection says the
journey is over. Enrolling waits for the run to close rather than answering 409 for a
re-entry the journey allows.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio.client import Client, WorkflowContinuedAsNewError, WorkflowFailureError
from temporalio.service import RPCError


async def closed_within(temporal: Client, workflow_id: str, grace: timedelta) -> bool:
    """True once the workflow's current run has closed (however it ended), False if it is
    still running after `grace` or Temporal cannot say."""
    handle = temporal.get_workflow_handle(workflow_id)
    try:
        async with asyncio.timeout(grace.total_seconds()):
            await handle.result(follow_runs=False)
    except WorkflowFailureError:
        return True  # Failed, terminated, cancelled or timed out: closed all the same.
    except WorkflowContinuedAsNewError:
        return False  # Its next run is the journey now, and it is running.
    except (TimeoutError, RPCError):
        return False
    return True
