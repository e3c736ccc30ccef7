"""Does a rule's trigger match what happened, and do its guards hold for this prospect?"""

from __future__ import annotations

from dataclasses import dataclass

from definitions.model import Guard, Trigger
from workflows.state import JourneyState


@dataclass(frozen=True)
class Happening:
    """A prospect event or one of the engine's own (content_sent, stage_entered)."""

    type: str
    event_id: str | None = None
    content_id: str | None = None
    content_stage: str | None = None
    form_id: str | None = None
    channel: str | None = None
    stage: str | None = None
    outcome: str | None = None
    alternate_contact: bool = False

    def describe(self) -> str:
        detail = self.content_id or self.form_id or self.channel or self.stage or self.outcome
        return f"{self.type} ({detail})" if detail else self.type


def trigger_matches(trigger: Trigger, happening: Happening) -> bool:
    if trigger.event != happening.type:
        return False
    narrowing = (
        (trigger.content, happening.content_id),
        (trigger.content_stage, happening.content_stage),
        (trigger.form, happening.form_id),
        (trigger.channel, happening.channel),
        (trigger.stage, happening.stage),
        (trigger.outcome, happening.outcome),
        (trigger.alternate_contact, happening.alternate_contact),
    )
    return all(wanted is None or wanted == actual for wanted, actual in narrowing)


def guard_holds(guard: Guard | None, state: JourneyState) -> bool:
    if guard is None:
        return True
    checks = (
        guard.stage_in is None or state.stage in guard.stage_in,
        guard.stage_not_in is None or state.stage not in guard.stage_not_in,
        guard.temperature_in is None or state.temperature in guard.temperature_in,
        guard.lifecycle_in is None or state.lifecycle in guard.lifecycle_in,
        guard.status_in is None or state.status in guard.status_in,
        guard.min_score is None or state.score >= guard.min_score,
        guard.max_score is None or state.score <= guard.max_score,
    )
    return all(checks)
