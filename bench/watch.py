"""Watching Nurture's database for what the workflows have done, with the moment it was seen.

"Applied" means what a user of the API can see: the workflow's `event_applied` decision for the
event is in the `decisions` table (written by its projection activity). The table is polled
every 50 ms, so a measured delay can be up to 50 ms late, never early.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Iterable

from sqlalchemy import text

from nurture.db import Database

POLL_SECONDS = 0.05


class AppliedEvents:
    """Records when each expected event's `event_applied` decision first appeared."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._cursor = 0
        self.seen: dict[str, float] = {}

    async def start_from_now(self) -> None:
        async with self._db.engine.connect() as connection:
            result = await connection.execute(text("SELECT COALESCE(MAX(id), 0) FROM decisions"))
            self._cursor = int(result.scalar_one())

    async def poll(self) -> None:
        async with self._db.engine.connect() as connection:
            rows = await connection.execute(
                text(
                    "SELECT id, event_id FROM decisions WHERE id > :cursor "
                    "AND kind = 'event_applied' ORDER BY id"
                ),
                {"cursor": self._cursor},
            )
            now = time.monotonic()
            for decision_id, event_id in rows:
                self._cursor = max(self._cursor, int(decision_id))
                self.seen.setdefault(str(event_id), now)

    def missing(self, event_ids: Iterable[str]) -> list[str]:
        return [event_id for event_id in event_ids if event_id not in self.seen]

    @contextlib.asynccontextmanager
    async def watching(self) -> AsyncIterator[AppliedEvents]:
        await self.start_from_now()

        async def loop() -> None:
            while True:
                await self.poll()
                await asyncio.sleep(POLL_SECONDS)

        task = asyncio.create_task(loop())
        try:
            yield self
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
