"""Turning a calendar date into the moment a journey acts, in the prospect's own time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from workflows.state import JourneyState


def local_resume_time(state: JourneyState, day: date, *, hour: int, default_zone: str) -> datetime:
    """`day` at `hour` in the prospect's time zone (the journey's when the prospect has none)."""
    zone = ZoneInfo(state.prospect.timezone or default_zone)
    return datetime.combine(day, time(hour), tzinfo=zone).astimezone(UTC)
