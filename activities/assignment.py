"""Who works a task: the named assignee, the queue's route for the prospect, or the next in turn.

Round robin needs one counter shared by every worker, so it lives in the database and moves
with a single atomic statement; two workers assigning at once get different turns.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from definitions.settings import Queue
from workflows.assignment import assignee_without_turn, member_in_turn
from workflows.state import Prospect


async def choose_assignee(
    session: AsyncSession,
    *,
    journey_id: str,
    queue: Queue | None,
    prospect: Prospect,
    requested: str | None = None,
    exclude: str | None = None,
) -> str | None:
    chosen = assignee_without_turn(queue, prospect, requested=requested, exclude=exclude)
    if chosen is not None or queue is None:
        return chosen
    turn = await _take_turn(session, journey_id=journey_id, queue_id=queue.id)
    return member_in_turn(queue, turn, exclude=exclude)


async def _take_turn(session: AsyncSession, *, journey_id: str, queue_id: str) -> int:
    # INSERT … ON CONFLICT … RETURNING reads the same on SQLite (3.35+) and PostgreSQL.
    connection = await session.connection()
    result = await connection.execute(
        text(
            "INSERT INTO queue_cursors (journey_id, queue, turns) VALUES (:journey, :queue, 1) "
            "ON CONFLICT (journey_id, queue) DO UPDATE SET turns = queue_cursors.turns + 1 "
            "RETURNING turns"
        ),
        {"journey": journey_id, "queue": queue_id},
    )
    turns = int(result.scalar_one())
    await session.commit()
    return turns - 1
