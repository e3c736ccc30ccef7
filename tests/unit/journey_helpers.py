"""Build events and drive the pure interpreter in unit tests."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from definitions.loader import load_file
from definitions.model import JourneyDefinition
from workflows.commands import Outcome, SendEmail
from workflows.events import PROSPECT_EVENT, ProspectEvent
from workflows.state import Prospect

DATA = Path(__file__).parent.parent / "data"
START = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
PROSPECT = Prospect(id="p-1", email="ada@example.com", first_name="Ada", timezone="Europe/Warsaw")


@cache
def small_journey() -> JourneyDefinition:
    return load_file(DATA / "small_journey.yaml")


def event(event_id: str, kind: str, **data: Any) -> ProspectEvent:
    return PROSPECT_EVENT.validate_python(
        {"id": event_id, "prospect_id": PROSPECT.id, "type": kind, "data": data}
    )


def sent_content(outcome: Outcome) -> list[str]:
    return [c.content_id for c in outcome.commands if isinstance(c, SendEmail)]
