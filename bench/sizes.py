"""How big each scenario is: the defaults (`--scale 1`) finish in under 10 minutes on two cores.

Every count and duration is multiplied by the scale (`--scale 0.05` is a smoke run of every
scenario in a minute or two; `--scale 5` enrols the issue's 10,000 prospects), with a floor so
a tiny scale still measures something.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace

# The starts and signals in flight at once: what the API uses for a bulk enrolment, so bare
# Temporal and Nurture are driven the same way.
from api.enrolling import START_CONCURRENCY

CONCURRENCY = START_CONCURRENCY


@dataclass(frozen=True)
class Sizes:
    # Bare Temporal: workflows started, then signals sent to them (one no-op activity each).
    baseline_starts: int = 1000
    baseline_signals: int = 1000
    # Enrolment through the bulk API and through `nurture import`; these prospects then wait
    # in timers for the idle scenario's wave.
    enroll_bulk: int = 1000
    enroll_import: int = 1000
    # Idle: how long idle CPU is sampled while every enrolled prospect waits.
    idle_seconds: float = 20.0
    # Ingestion: prospects the events go to, seconds per rate step, the first rate (events/s)
    # and the factor between steps; a step passes when every event is applied within 1 s.
    ingest_prospects: int = 200
    ingest_step_seconds: float = 15.0
    ingest_first_rate: float = 20.0
    ingest_rate_factor: float = 1.5
    ingest_max_steps: int = 6
    # Event -> action latency: hand-offs measured when idle and under load.
    latency_samples: int = 40
    # History: demo journeys run to the end, and simulated days of one prospect's year.
    history_demo_prospects: int = 3
    history_days: int = 365
    history_limit: int = 2000
    # The pure interpreter on the demo journey.
    interpreter_prospects: int = 500

    def scaled(self, scale: float) -> Sizes:
        """Counts and durations times `scale`, floored so each scenario still measures."""
        changes: dict[str, float | int] = {}
        for item in fields(self):
            if item.name in _NOT_SCALED:
                continue
            value = getattr(self, item.name)
            floor = _FLOORS.get(item.name, 1)
            if isinstance(value, int):
                changes[item.name] = max(floor, round(value * scale))
            else:
                changes[item.name] = max(float(floor), value * scale)
        return replace(self, **changes)  # type: ignore[arg-type]

    def with_overrides(self, assignments: Sequence[str]) -> Sizes:
        """`name=value` pairs from the command line; ValueError naming a bad one."""
        known = {item.name: item for item in fields(self)}
        changes: dict[str, float | int] = {}
        for assignment in assignments:
            name, _, value = assignment.partition("=")
            if name not in known or not value:
                raise ValueError(
                    f"--set {assignment!r}: expected NAME=VALUE, NAME one of {sorted(known)}"
                )
            current = getattr(self, name)
            try:
                changes[name] = int(value) if isinstance(current, int) else float(value)
            except ValueError:
                raise ValueError(f"--set {assignment!r}: {value!r} is not a number") from None
        return replace(self, **changes)  # type: ignore[arg-type]


_NOT_SCALED = {"ingest_first_rate", "ingest_rate_factor", "ingest_max_steps"}
_FLOORS: dict[str, int] = {
    "baseline_starts": 50,
    "baseline_signals": 50,
    "enroll_bulk": 50,
    "enroll_import": 50,
    "idle_seconds": 5,
    "ingest_prospects": 20,
    "ingest_step_seconds": 5,
    "latency_samples": 10,
    "history_demo_prospects": 1,
    "history_days": 14,
    # Temporal's own floor for a run's history limit (JourneyInput.history_limit).
    "history_limit": 50,
    "interpreter_prospects": 20,
}
