"""CPU and resident memory of each component, sampled with psutil while scenarios run.

A thread reads every process (and its children) a few times a second. A scenario marks when it
begins and ends; its figures are the mean CPU over that window (CPU seconds used / wall seconds,
so 100% is one core busy) and the peak resident memory seen in it.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass

import psutil

INTERVAL_SECONDS = 0.25
MB = 1024 * 1024


@dataclass(frozen=True)
class Sample:
    at: float
    cpu_seconds: float
    rss_bytes: int


@dataclass(frozen=True)
class Usage:
    """One component over one window."""

    cpu_percent: float
    peak_rss_mb: float


def _tree_usage(process: psutil.Process, *, with_children: bool) -> tuple[float, int]:
    cpu = rss = 0.0
    members = [process]
    if with_children:
        with contextlib.suppress(psutil.Error):
            members += process.children(recursive=True)
    for member in members:
        try:
            times = member.cpu_times()
            cpu += times.user + times.system
            rss += member.memory_info().rss
        except psutil.Error:
            continue
    return cpu, int(rss)


def usage_between(samples: list[Sample], start: float, end: float) -> Usage | None:
    """Mean CPU and peak RSS from the samples taken in [start, end]; None with under two."""
    inside = [sample for sample in samples if start <= sample.at <= end]
    if len(inside) < 2:
        return None
    first, last = inside[0], inside[-1]
    wall = last.at - first.at
    cpu = (last.cpu_seconds - first.cpu_seconds) / wall * 100 if wall > 0 else 0.0
    return Usage(cpu_percent=cpu, peak_rss_mb=max(s.rss_bytes for s in inside) / MB)


class Sampler:
    def __init__(self, pids: Mapping[str, int], interval: float = INTERVAL_SECONDS) -> None:
        self._processes = {name: psutil.Process(pid) for name, pid in pids.items()}
        self._samples: dict[str, list[Sample]] = {name: [] for name in pids}
        self._interval = interval
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-sampler", daemon=True)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def now(self) -> float:
        """A moment on the sampler's clock, to mark a window with (a sample is taken then)."""
        return self.sample_once()

    def usage(self, start: float, end: float) -> dict[str, Usage]:
        """Each component's usage between two marks (components with too few samples left out)."""
        with self._lock:
            found = {name: usage_between(list(s), start, end) for name, s in self._samples.items()}
        return {name: usage for name, usage in found.items() if usage is not None}

    def sample_once(self) -> float:
        at = time.monotonic()
        readings = {
            # The harness started the others: its own figures must not include theirs.
            name: _tree_usage(process, with_children=process.pid != os.getpid())
            for name, process in self._processes.items()
        }
        with self._lock:
            for name, (cpu, rss) in readings.items():
                self._samples[name].append(Sample(at, cpu, rss))
        return at

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.sample_once()
