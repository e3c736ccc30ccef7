"""What every scenario is given, and what one scenario hands to a later one."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rich.console import Console

from bench.sampling import Sampler, Usage
from bench.sizes import Sizes
from bench.stack import Stack


@dataclass(frozen=True)
class BareFigures:
    """What bare Temporal achieved in this run: the yardstick for every ratio."""

    starts_per_second: float
    signals_per_second: float


@dataclass(frozen=True)
class WavePlan:
    """Prospects enrolled in the wave journey, all waiting for one moment (monotonic clock)."""

    journey_id: str
    workflow_ids: list[str]
    opens_at: float
    enrolled_by: float


@dataclass
class RunContext:
    sizes: Sizes
    console: Console
    stack: Stack | None = None
    sampler: Sampler | None = None
    bare: BareFigures | None = None
    wave: WavePlan | None = None
    max_event_rate: float | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def live(self) -> tuple[Stack, Sampler]:
        """The running stack and its sampler (the scenarios that need them run inside both)."""
        if self.stack is None or self.sampler is None:
            raise RuntimeError("this scenario needs the running stack")
        self.stack.check_alive()
        return self.stack, self.sampler

    def usage(self, start: float, end: float) -> dict[str, Usage]:
        _, sampler = self.live
        return sampler.usage(start, end)

    def cpu_ms_each(self, component: str, start: float, end: float, count: int) -> float | None:
        """CPU milliseconds a component spent per item of work done in the window."""
        usage = self.usage(start, end).get(component)
        if usage is None or count == 0:
            return None
        return usage.cpu_percent / 100 * (end - start) / count * 1000

    def say(self, message: str) -> None:
        self.console.print(f"[dim]·[/] {message}")
