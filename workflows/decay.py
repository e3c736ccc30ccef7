"""Score decay: interest fades, so points halve (or expire) after a period without activity."""

from __future__ import annotations

from datetime import datetime

from definitions.durations import format_duration
from definitions.model import JourneyDefinition
from workflows.actions import add_points
from workflows.state import JourneyState
from workflows.turn import Turn


def decay_due_at(definition: JourneyDefinition, state: JourneyState) -> datetime | None:
    """When the score next decays: a period after the later of the last activity and decay."""
    decay = definition.scoring.decay
    if decay is None or state.score <= 0 or state.is_terminal:
        return None
    since = state.last_activity_at
    if state.score_decayed_at is not None and state.score_decayed_at > since:
        since = state.score_decayed_at
    return since + decay.after


def run_due_decay(turn: Turn) -> bool:
    decay = turn.definition.scoring.decay
    due = decay_due_at(turn.definition, turn.state)
    if decay is None or due is None or due > turn.now or turn.is_paused:
        return False
    before = turn.state.score
    after = before // 2 if decay.by == "half" else 0
    turn.state.score_decayed_at = turn.now
    quiet = format_duration(decay.after)
    how = "halved" if decay.by == "half" else "expired"
    add_points(turn, after - before, f"score {how} after {quiet} without activity")
    return True
