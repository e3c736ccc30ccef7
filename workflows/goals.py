"""Goals (exit criteria): the moment one becomes true the journey ends or jumps to a stage.

They are checked after every event and every instant the interpreter settles, wherever the
prospect is (mid-wait, paused, handed off), and before the rules, so a prospect who reached the
goal does not get the e-mail a rule would have sent at the same instant.
"""

from __future__ import annotations

from definitions.model import Goal, GoalCondition
from workflows.actions import end_journey, move_to
from workflows.matching import Happening, trigger_matches
from workflows.state import JourneyState
from workflows.turn import Turn


def check_event_goals(turn: Turn, happening: Happening) -> None:
    for goal in turn.definition.goals:
        if turn.state.is_terminal:
            return
        if goal.when.is_event and trigger_matches(goal.when.as_trigger(), happening):
            _reach(turn, goal, f"{happening.describe()} happened")


def check_state_goals(turn: Turn) -> bool:
    """Fire the state goals that have just become true; returns whether any did."""
    reached = False
    for goal in turn.definition.goals:
        if goal.when.is_event or turn.state.is_terminal:
            continue
        holds = _holds(goal.when, turn.state)
        met = goal.id in turn.state.goals_met
        if holds and not met:
            turn.state.goals_met.append(goal.id)
            _reach(turn, goal, _describe_condition(goal.when))
            reached = True
        elif met and not holds:
            # It can be reached again, e.g. a score that fell under the line and rose again.
            turn.state.goals_met.remove(goal.id)
    return reached


def _holds(condition: GoalCondition, state: JourneyState) -> bool:
    checks = (
        condition.score_at_least is None or state.score >= condition.score_at_least,
        condition.stage is None or state.stage == condition.stage,
        condition.lifecycle is None or state.lifecycle == condition.lifecycle,
    )
    return all(checks)


def _describe_condition(condition: GoalCondition) -> str:
    parts = []
    if condition.score_at_least is not None:
        parts.append(f"score {condition.score_at_least} or more")
    if condition.stage is not None:
        parts.append(f"in stage {condition.stage}")
    if condition.lifecycle is not None:
        parts.append(f"lifecycle {condition.lifecycle}")
    return " and ".join(parts)


def _reach(turn: Turn, goal: Goal, cause: str) -> None:
    reason = f"goal {goal.id!r} reached: {cause}"
    turn.decide("goal", reason)
    if goal.then == "complete":
        end_journey(turn, "completed", reason)
    elif goal.then.move_to != turn.state.stage:
        move_to(turn, goal.then.move_to, reason)
