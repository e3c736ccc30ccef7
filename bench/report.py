"""The one table every run prints (rich), and the same figures as JSON for comparing runs."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.sampling import Usage
from bench.stats import Latencies

# Whose CPU and memory a row shows: Nurture's parts, or the bare worker for the baseline rows.
NURTURE_COMPONENTS = ("worker", "api", "server")
BARE_COMPONENTS = ("baseline", "server")
TABLE_WIDTH = 180
_SHORT = {"worker": "w", "api": "a", "server": "s", "baseline": "b", "harness": "h"}


@dataclass(frozen=True)
class Row:
    scenario: str
    load: str
    throughput: float | None = None
    unit: str = ""
    latency: Latencies | None = None
    usage: Mapping[str, Usage] = field(default_factory=dict)
    history_per_prospect: float | None = None
    # Nurture's throughput divided by bare Temporal's for the same kind of work, same run.
    ratio: float | None = None
    bare: bool = False
    note: str = ""

    @property
    def components(self) -> tuple[str, ...]:
        return BARE_COMPONENTS if self.bare else NURTURE_COMPONENTS


def _number(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "-"
    return f"{value:,.{digits}f}" if value < 1000 else f"{value:,.0f}"


def _seconds(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value * 1000:,.0f} ms" if value < 1 else f"{value:,.2f} s"


def _usage_cell(row: Row, *, cpu: bool) -> str:
    parts = []
    for name in row.components:
        usage = row.usage.get(name)
        if usage is None:
            continue
        value = usage.cpu_percent if cpu else usage.peak_rss_mb
        parts.append(f"{_SHORT[name]} {value:,.0f}")
    return " · ".join(parts) or "-"


def table(rows: Sequence[Row], *, title: str) -> Table:
    grid = Table(title=title, title_justify="left")
    for name in ("Scenario", "Load", "Throughput", "p50", "p95", "p99"):
        grid.add_column(name, justify="left" if name in ("Scenario", "Load") else "right")
    grid.add_column("CPU %\n(mean)", justify="right")
    grid.add_column("Peak RSS MB", justify="right")
    grid.add_column("History\nev./prospect", justify="right")
    grid.add_column("vs bare", justify="right")
    for row in rows:
        latency = row.latency
        throughput = f"{_number(row.throughput)} {row.unit}".strip() if row.throughput else "-"
        grid.add_row(
            row.scenario,
            row.load,
            throughput,
            _seconds(latency.p50 if latency else None),
            _seconds(latency.p95 if latency else None),
            _seconds(latency.p99 if latency else None),
            _usage_cell(row, cpu=True),
            _usage_cell(row, cpu=False),
            _number(row.history_per_prospect),
            f"{row.ratio:.0%}" if row.ratio is not None else "-",
        )
    return grid


def legend() -> str:
    return (
        "CPU and RSS per process: w = Nurture worker, a = API, s = Temporal server, "
        "b = bare-Temporal worker. CPU is the mean over the scenario (100 = one core busy)."
    )


def print_report(console: Console, rows: Sequence[Row], *, title: str) -> None:
    console.print(table(rows, title=title))
    console.print(legend(), markup=False, soft_wrap=True)
    for row in rows:
        if row.note:
            console.print(f"  {row.scenario}: {row.note}", markup=False, soft_wrap=True)


def as_json(
    rows: Sequence[Row], *, meta: Mapping[str, Any], details: Mapping[str, Any]
) -> dict[str, Any]:
    return {"meta": dict(meta), "rows": [asdict(row) for row in rows], "details": dict(details)}


def write_json(path: Path, document: Mapping[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8")
