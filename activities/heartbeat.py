"""Heartbeats for activities that talk to the outside, so a dead worker is noticed in seconds.

Without heartbeats Temporal learns that a worker died only when the attempt's start-to-close
timeout (minutes) runs out; with them, after the heartbeat timeout the workflow sets. The
beat comes from a background task, so a slow SMTP reply does not stop it, while a killed
process stops it at once.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from temporalio import activity

# A third of the workflow's heartbeat timeout: two beats may be lost before it expires.
BEAT_EVERY_SECONDS = 3.0


@contextlib.asynccontextmanager
async def heartbeating(every: float = BEAT_EVERY_SECONDS) -> AsyncIterator[None]:
    if not activity.in_activity():
        yield
        return

    async def beat() -> None:
        while True:
            activity.heartbeat()
            await asyncio.sleep(every)

    beating = asyncio.create_task(beat())
    try:
        yield
    finally:
        beating.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await beating
