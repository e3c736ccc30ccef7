"""Moving a running prospect to a newer version of their journey: an operator's decision.

Pure, like the interpreter: `plan` says what a migration would do (the API's dry run shows it),
`migrate` does it and records one decision with the reason. Everything the prospect has lived
through is kept — score, pause, tasks and their SLA clocks, what was sent and read, variants —
and only what the new version cannot carry out (an e-mail whose content is gone, the delayed
actions of a rule that was removed) is dropped, each named in the audit line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from definitions.model import JourneyDefinition, WaitForStep
from workflows.commands import Outcome
from workflows.state import (
    APPLIED_EVENT_IDS_KEPT,
    Cursor,
    DeferredSend,
    HeldSend,
    JourneyState,
    ScheduledActions,
    StageVisit,
)
from workflows.turn import Turn

# What becomes of the running sequence: carried on where it was, started afresh in the new
# stage, ended because the new stage has none, or nothing (no sequence was running).
SequenceChange = Literal["keep", "restart", "drop", "none"]


class MigrationPlan(BaseModel):
    """What migrating one prospect would do; `problems` non-empty means it would do nothing."""

    prospect_id: str
    from_version: int
    to_version: int
    from_stage: str
    to_stage: str
    sequence: SequenceChange
    kept: list[str] = Field(default_factory=list)
    dropped: list[str] = Field(default_factory=list)
    problems: list[str] = Field(default_factory=list)

    @property
    def applicable(self) -> bool:
        return not self.problems

    def describe(self, migration_id: str) -> str:
        stage = (
            f"stage {self.from_stage} -> {self.to_stage}"
            if self.from_stage != self.to_stage
            else f"stage {self.to_stage} (unchanged)"
        )
        if self.sequence == "restart":
            stage += ", its sequence from step 1"
        kept = ", ".join(self.kept) or "nothing in progress"
        dropped = ", ".join(self.dropped) or "nothing"
        return (
            f"migrated from v{self.from_version} to v{self.to_version} "
            f"(migration {migration_id}): {stage}; kept: {kept}; dropped: {dropped}"
        )


@dataclass
class _CarriedOver:
    """The pending sends and delayed actions the new version can still carry out."""

    held: list[HeldSend] = field(default_factory=list)
    deferred: list[DeferredSend] = field(default_factory=list)
    scheduled: list[ScheduledActions] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)


def target_stage(state: JourneyState, stage_map: dict[str, str]) -> str:
    """Stages the map does not name keep their id."""
    return stage_map.get(state.stage, state.stage)


def plan(
    old: JourneyDefinition,
    new: JourneyDefinition,
    state: JourneyState,
    stage_map: dict[str, str],
) -> MigrationPlan:
    """What `migrate` would do to this prospect, changing nothing."""
    target = target_stage(state, stage_map)
    to_version = new.version or 0
    sequence = _sequence_change(new, state, target)
    kept_cursor = _kept_cursor(new, state.cursor, target) if sequence == "keep" else None
    carried = _carry_over(new, state)
    dropped = list(carried.dropped)
    if sequence == "drop":
        dropped.append(f"the {state.stage} sequence ({target} has no sequence in v{to_version})")
    return MigrationPlan(
        prospect_id=state.prospect.id,
        from_version=state.version,
        to_version=to_version,
        from_stage=state.stage,
        to_stage=target,
        sequence=sequence,
        kept=_kept(state, carried, kept_cursor=kept_cursor),
        dropped=dropped,
        problems=_problems(old, new, state, target),
    )


def migrate(
    old: JourneyDefinition,
    new: JourneyDefinition,
    state: JourneyState,
    stage_map: dict[str, str],
    *,
    migration_id: str,
    now: datetime,
) -> tuple[JourneyState, Outcome]:
    """Move the prospect to `new`; the same `migration_id` twice changes nothing the second time.

    A migration that cannot apply (see `plan`) changes nothing but records why.
    """
    if migration_id in state.applied_event_ids:
        return state, Outcome()
    proposal = plan(old, new, state, stage_map)
    turn = Turn.begin(new if proposal.applicable else old, state, now)
    turn.state.applied_event_ids = [*state.applied_event_ids, migration_id][
        -APPLIED_EVENT_IDS_KEPT:
    ]
    if not proposal.applicable:
        turn.decide(
            "event_ignored",
            f"migration {migration_id} to v{proposal.to_version} not applied: "
            + "; ".join(proposal.problems),
            event_id=migration_id,
        )
        return turn.outcome()

    migrated = turn.state
    carried = _carry_over(new, migrated)  # from the turn's copy: nothing shared with `state`
    migrated.version = proposal.to_version
    migrated.held_sends = carried.held
    migrated.deferred_sends = carried.deferred
    migrated.scheduled = carried.scheduled
    migrated.cursor = _next_cursor(new, state.cursor, proposal.to_stage, proposal.sequence, now)
    if proposal.to_stage != state.stage:
        migrated.stage = proposal.to_stage
        migrated.stage_history.append(
            StageVisit(
                stage=proposal.to_stage,
                entered_at=now,
                reason=f"migrated to v{proposal.to_version} (migration {migration_id})",
            )
        )
    turn.decide("migrated", proposal.describe(migration_id), event_id=migration_id)
    return turn.outcome()


def _problems(
    old: JourneyDefinition, new: JourneyDefinition, state: JourneyState, target: str
) -> list[str]:
    problems: list[str] = []
    old_version, new_version = old.version or 0, new.version or 0
    if new.journey != old.journey:
        problems.append(f"v{new_version} belongs to journey {new.journey!r}, not {old.journey!r}")
    if new_version <= old_version:
        problems.append(f"v{new_version} is not newer than v{old_version}")
    if state.version != old_version:
        problems.append(f"the prospect is on v{state.version}, not v{old_version}")
    if target not in {stage.id for stage in new.stages}:
        mapped = f" (mapped from {state.stage})" if target != state.stage else ""
        problems.append(f"stage {target!r}{mapped} does not exist in v{new_version}")
    if state.is_terminal:
        problems.append(f"the journey has ended ({state.status})")
    return problems


def _sequence_change(new: JourneyDefinition, state: JourneyState, target: str) -> SequenceChange:
    # A sequence the prospect stopped (a reply, a hand-off) or finished stays stopped: a
    # migration must not start e-mailing someone whose own actions silenced the sequence.
    if state.cursor is None:
        return "none"
    if target not in new.sequences:
        return "drop"
    return "keep" if state.cursor.stage == target else "restart"


def _next_cursor(
    new: JourneyDefinition,
    cursor: Cursor | None,
    target: str,
    change: SequenceChange,
    now: datetime,
) -> Cursor | None:
    if cursor is None or change in ("none", "drop"):
        return None
    if change == "restart":
        return Cursor(stage=target, due_at=now)
    return _kept_cursor(new, cursor, target)


def _kept_cursor(new: JourneyDefinition, cursor: Cursor | None, target: str) -> Cursor | None:
    """The same place in the same stage's sequence of the new version (clamped to its length)."""
    if cursor is None:
        return None
    steps = new.sequences[target].steps
    step = min(cursor.step, len(steps))
    # Only a `wait_for` at the same place goes on waiting; any other step runs when the wait
    # would have ended, so an unrelated step never inherits a deadline it does not understand.
    still_waiting = step < len(steps) and isinstance(steps[step], WaitForStep)
    return Cursor(
        stage=target,
        step=step,
        due_at=cursor.due_at,
        waiting_until=cursor.waiting_until if still_waiting else None,
    )


def _carry_over(new: JourneyDefinition, state: JourneyState) -> _CarriedOver:
    carried = _CarriedOver()
    version = f"v{new.version or 0}"
    for held in state.held_sends:
        if new.find_content(held.content_id) is None:
            carried.dropped.append(
                f"held e-mail {held.content_id!r} (no such content in {version})"
            )
        else:
            carried.held.append(held)
    for deferred in state.deferred_sends:
        if new.find_content(deferred.content_id) is None:
            carried.dropped.append(
                f"deferred e-mail {deferred.content_id!r} (no such content in {version})"
            )
        else:
            carried.deferred.append(deferred)
    rule_ids = {rule.id for rule in new.rules}
    for scheduled in state.scheduled:
        if scheduled.rule_id not in rule_ids:
            carried.dropped.append(
                f"scheduled actions of rule {scheduled.rule_id!r} (no such rule in {version})"
            )
        else:
            carried.scheduled.append(scheduled)
    return carried


def _kept(state: JourneyState, carried: _CarriedOver, *, kept_cursor: Cursor | None) -> list[str]:
    """What is in progress and goes on in the new version, in the words of the audit line."""
    kept: list[str] = []
    if state.paused_until is not None:
        kept.append(f"pause until {_at(state.paused_until)}")
    if kept_cursor is not None:
        step = kept_cursor.step + 1
        if kept_cursor.waiting_until is not None:
            kept.append(f"wait at step {step} until {_at(kept_cursor.waiting_until)}")
        else:
            kept.append(f"sequence at step {step}, due {_at(kept_cursor.due_at)}")
    open_tasks = sum(task.status != "closed" for task in state.tasks)
    if open_tasks:
        kept.append(_count(open_tasks, "open task"))
    if carried.held:
        kept.append(_count(len(carried.held), "held e-mail"))
    if carried.deferred:
        kept.append(_count(len(carried.deferred), "deferred e-mail"))
    if carried.scheduled:
        kept.append(_count(len(carried.scheduled), "scheduled rule action"))
    if state.resurface_at is not None:
        kept.append(f"resurface on {_at(state.resurface_at)}")
    return kept


def _at(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def _count(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
