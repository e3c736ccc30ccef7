"""Placeholder: moving a running prospect to a newer version of their journey."""

from __future__ import annotations

from datetime import datetime

from definitions.model import JourneyDefinition
from workflows.commands import Outcome
from workflows.state import JourneyState


def migrate(
    old: JourneyDefinition,
    new: JourneyDefinition,
    state: JourneyState,
    stage_map: dict[str, str],
    *,
    migration_id: str,
    now: datetime,
) -> tuple[JourneyState, Outcome]:
    raise NotImplementedError
