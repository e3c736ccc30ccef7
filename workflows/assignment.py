"""Who works a task: the named assignee, the queue's route for the prospect, or the next in turn.

Pure, so the task activities (whose turn counter lives in the database, shared by every worker)
and the simulator (whose counter lives in memory) choose alike. Only the turn differs.
"""

from __future__ import annotations

from definitions.settings import Queue
from workflows.state import Prospect


def assignee_without_turn(
    queue: Queue | None,
    prospect: Prospect,
    *,
    requested: str | None = None,
    exclude: str | None = None,
) -> str | None:
    """The requested person, else the member the queue routes this prospect to, else None.

    None with a queue means round robin decides: take a turn and ask `member_in_turn`.
    """
    if requested:
        return requested
    if queue is None or queue.route_by is None:
        return None
    value = prospect.attributes.get(queue.route_by)
    routed = queue.routes.get(str(value)) if value is not None else None
    return routed if routed != exclude else None


def member_in_turn(queue: Queue, turn: int, *, exclude: str | None = None) -> str:
    """The member whose turn it is (0-based), skipping `exclude` when anyone else is left."""
    candidates = [member for member in queue.members if member != exclude] or queue.members
    return candidates[turn % len(candidates)]
