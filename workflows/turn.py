"""One turn of the interpreter: a working copy of the state and what the turn decided.

A turn starts from an input (enrolment, event, timer) and ends when nothing more follows at
this instant. The caller's state is never mutated, so the interpreter stays a pure function.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from definitions.model import JourneyDefinition
from workflows.commands import Command, Decision, Outcome
from workflows.events import ProspectEvent
from workflows.state import JourneyState

# Rules can trigger rules (a move fires `stage_entered`, a send fires `content_sent`). Loading
# rejects immediate cycles; this cap is the last line of defence for chains nobody foresaw.
MAX_RULE_FIRINGS_PER_TURN = 100


@dataclass
class Turn:
    definition: JourneyDefinition
    state: JourneyState
    now: datetime
    commands: list[Command] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    rule_firings: int = 0
    # The event this turn applies, if any: tasks quote the prospect's words from it.
    event: ProspectEvent | None = None

    @classmethod
    def begin(cls, definition: JourneyDefinition, state: JourneyState, now: datetime) -> Turn:
        return cls(definition=definition, state=state.model_copy(deep=True), now=now)

    def decide(
        self,
        kind: str,
        reason: str,
        *,
        rule_id: str | None = None,
        event_id: str | None = None,
    ) -> None:
        self.state.decision_count += 1
        self.decisions.append(
            Decision.model_validate(
                {
                    "seq": self.state.decision_count,
                    "at": self.now,
                    "kind": kind,
                    "reason": reason,
                    "rule_id": rule_id,
                    "event_id": event_id,
                    "score": self.state.score if kind == "points" else None,
                    "stage": self.state.stage if kind == "stage_moved" else None,
                }
            )
        )

    def next_key(self, kind: str) -> str:
        """A key unique within this enrolment and stable under replay: message and task ids."""
        self.state.sequence_number += 1
        enrolment = f"{self.state.enrolled_at:%Y%m%dT%H%M%S%f}"
        return (
            f"{self.state.journey_id}/{self.state.prospect.id}/{enrolment}/"
            f"{kind}-{self.state.sequence_number}"
        )

    @property
    def is_paused(self) -> bool:
        paused_until = self.state.paused_until
        return paused_until is not None and paused_until > self.now

    @property
    def zone(self) -> str:
        """The prospect's time zone, or the journey's default when they have none."""
        return self.state.prospect.timezone or self.definition.defaults.timezone

    def send_blocker(self) -> str | None:
        """Why nothing may be sent right now, or None when sending is allowed."""
        if self.state.is_terminal:
            return f"the journey is {self.state.status}"
        if self.state.undeliverable:
            return "the address is undeliverable"
        if self.is_paused:
            return f"paused until {self.state.paused_until:%Y-%m-%d %H:%M} UTC"
        return None

    def outcome(self) -> tuple[JourneyState, Outcome]:
        return self.state, Outcome(commands=self.commands, decisions=self.decisions)
