"""Nurture against bare Temporal on this machine, in one run: `python -m bench`.

    .venv/bin/python -m bench [--scale S] [--only NAME ...] [--json PATH] [--keep]

Starts the embedded stack (Temporal dev server, worker, API, SMTP sink, SQLite) as separate
processes, runs each scenario, prints one table and writes the figures as JSON (by default to
bench/results/<timestamp>.json). Scenarios: baseline, enrollment, idle, ingestion, latency,
history, interpreter. See docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console

from bench import (
    scenario_baseline,
    scenario_enrollment,
    scenario_history,
    scenario_idle,
    scenario_ingestion,
    scenario_interpreter,
    scenario_latency,
)
from bench.context import RunContext
from bench.processes import SERVER_STORAGE, ServerStorage
from bench.report import TABLE_WIDTH, Row, as_json, print_report, write_json
from bench.sampling import Sampler
from bench.sizes import Sizes
from bench.stack import running_stack

Scenario = Callable[[RunContext], Awaitable[list[Row]]]

# In the order they run. The first five share one running stack; history starts its own
# time-skipping server and interpreter needs none, so both run after the stack has stopped.
ON_STACK: dict[str, Scenario] = {
    "baseline": scenario_baseline.run,
    "enrollment": scenario_enrollment.run,
    "idle": scenario_idle.run,
    "ingestion": scenario_ingestion.run,
    "latency": scenario_latency.run,
}
OFF_STACK: dict[str, Scenario] = {
    "history": scenario_history.run,
    "interpreter": scenario_interpreter.run,
}
ALL = [*ON_STACK, *OFF_STACK]
# A scenario that needs another's results brings it along.
NEEDS = {
    "enrollment": {"baseline"},
    "idle": {"enrollment"},
    "ingestion": {"baseline"},
    "latency": set(),
}
RESULTS = Path(__file__).resolve().parent / "results"


def selected(only: Sequence[str] | None) -> list[str]:
    """The scenarios to run, with what they need, in running order."""
    wanted = set(only or ALL)
    unknown = wanted - set(ALL)
    if unknown:
        raise SystemExit(f"unknown scenario(s): {', '.join(sorted(unknown))}; known: {ALL}")
    while True:
        more = {need for name in wanted for need in NEEDS.get(name, set())} - wanted
        if not more:
            break
        wanted |= more
    return [name for name in ALL if name in wanted]


async def run(
    names: Sequence[str],
    sizes: Sizes,
    console: Console,
    *,
    storage: ServerStorage,
    keep: bool,
) -> RunContext:
    context = RunContext(sizes=sizes, console=console)
    rows: list[Row] = []
    on_stack = [name for name in names if name in ON_STACK]
    if on_stack:
        console.print("Starting the stack: Temporal dev server, worker, API, bare worker…")
        async with running_stack(storage=storage, keep=keep) as stack:
            context.stack = stack
            if keep:
                console.print(f"[dim]work directory: {stack.workdir}[/]")
            with Sampler(stack.pids) as sampler:
                context.sampler = sampler
                for name in on_stack:
                    rows += await _timed(name, ON_STACK[name], context)
            context.stack = context.sampler = None
    for name in names:
        if name in OFF_STACK:
            rows += await _timed(name, OFF_STACK[name], context)
    context.details["rows"] = rows
    return context


async def _timed(name: str, scenario: Scenario, context: RunContext) -> list[Row]:
    began = time.monotonic()
    rows = await scenario(context)
    context.details.setdefault("seconds", {})[name] = time.monotonic() - began
    context.say(f"{name} done in {time.monotonic() - began:.0f} s")
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale", type=float, default=1.0, help="multiply every size (0.05: smoke)"
    )
    parser.add_argument("--only", nargs="+", choices=ALL, metavar="NAME", help=f"of {ALL}")
    parser.add_argument("--json", type=Path, help="where to write the figures")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override one size after scaling, e.g. --set ingest_step_seconds=60",
    )
    parser.add_argument(
        "--server-db",
        choices=SERVER_STORAGE,
        default="wal",
        help="the Temporal dev server's storage: a temp SQLite file in WAL mode (default), "
        "the same with SQLite's defaults (as `nurture dev` today), or memory",
    )
    parser.add_argument("--keep", action="store_true", help="keep the work directory and logs")
    arguments = parser.parse_args(argv)
    if arguments.scale <= 0:
        parser.error("--scale must be positive")
    try:
        sizes = Sizes().scaled(arguments.scale).with_overrides(arguments.set)
    except ValueError as error:
        parser.error(str(error))
    console = Console()
    if not console.is_terminal:
        # A log file gets the whole table, not one squeezed into 80 columns.
        console = Console(width=TABLE_WIDTH)
    names = selected(arguments.only)
    began = time.monotonic()
    stamp = datetime.now(UTC)
    context = asyncio.run(
        run(names, sizes, console, storage=arguments.server_db, keep=arguments.keep)
    )
    rows: list[Row] = context.details.pop("rows")
    seconds = time.monotonic() - began
    title = f"Nurture vs bare Temporal — scale {arguments.scale:g}, {os.cpu_count()} cores"
    print_report(console, rows, title=title)
    meta = {
        "started_at": stamp.isoformat(),
        "seconds": seconds,
        "scale": arguments.scale,
        "scenarios": names,
        "server_db": arguments.server_db,
        "sizes": asdict(sizes),
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
    }
    path = arguments.json or RESULTS / f"{stamp:%Y%m%dT%H%M%SZ}.json"
    write_json(path, as_json(rows, meta=meta, details=context.details))
    console.print(f"Done in {seconds:.0f} s; figures written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
