"""Enrolment: prospects/s through the bulk API and through `nurture import`, against bare starts.

Both enrol into the wave journey (`bench-wave`): its send window opens at one moment, computed
here so that every prospect is enrolled and waiting in a timer by then, with time left to
measure the idle stack. The idle scenario then watches the wave. The rate is the API's: from the
first request to the last answer (each prospect's workflow has been started by then); the
worker's first turn for each (plan the send, record the projection) follows behind it and is
reported too. Bulk and import are each measured on a quiet stack (the import starts once the
worker has caught up with the bulk prospects), and the import's rate leaves out the command's
own start-up, timed on a file without rows (the figure with it is in the note).
"""

from __future__ import annotations

import asyncio
import csv
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.context import RunContext, WavePlan
from bench.driving import (
    bench_definition,
    enroll,
    projected,
    prospect,
    publish,
    wait_until,
    workflow_ids,
)
from bench.history import mean_events
from bench.report import Row
from bench.sizes import CONCURRENCY

WAVE_JOURNEY = "bench-wave"
WEEK = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
# A guess of the worker's first turns per second for a waiting prospect, relative to bare
# starts; the wave must not open before the last prospect waits (checked, and said if it did).
FIRST_TURNS_SHARE_OF_BARE_STARTS = 0.12
MARGIN_SECONDS = 15.0


def wave_window(after: datetime) -> tuple[dict[str, Any], datetime]:
    """A send window (UTC, every day) opening on the first whole second after `after`, open
    for hours, and the moment it opens."""
    start = after.astimezone(UTC).replace(microsecond=0) + timedelta(seconds=1)
    end = min(start + timedelta(hours=6), start.replace(hour=23, minute=59, second=59))
    window = {"days": WEEK, "start": start.time().isoformat(), "end": end.time().isoformat()}
    return window, start


def wave_delay(*, prospects: int, bare_starts_per_second: float, idle_seconds: float) -> float:
    """Seconds from now until the wave: enrolment, the worker's first turns, idle sampling."""
    first_turns = max(1.0, bare_starts_per_second * FIRST_TURNS_SHARE_OF_BARE_STARTS)
    return prospects / first_turns + idle_seconds + MARGIN_SECONDS


async def run(context: RunContext) -> list[Row]:
    stack, sampler = context.live
    sizes = context.sizes
    bulk = [prospect("bulk", number) for number in range(sizes.enroll_bulk)]
    imported = [prospect("import", number) for number in range(sizes.enroll_import)]
    everyone = workflow_ids(WAVE_JOURNEY, bulk + imported)
    bare_starts = context.bare.starts_per_second if context.bare else 100.0
    delay = wave_delay(
        prospects=len(everyone),
        bare_starts_per_second=bare_starts,
        idle_seconds=sizes.idle_seconds,
    )
    window, opens = wave_window(datetime.now(UTC) + timedelta(seconds=delay))
    opens_at = time.monotonic() + (opens - datetime.now(UTC)).total_seconds()
    document = bench_definition(WAVE_JOURNEY) | {"sending": {"window": window}}
    context.say(
        f"enrolment: {len(bulk)} bulk + {len(imported)} imported; wave at {window['start']}"
    )

    await publish(stack.db, document)
    async with httpx.AsyncClient(
        base_url=stack.api_url, timeout=600, headers=stack.api_headers
    ) as http:
        began = sampler.now()
        await enroll(http, WAVE_JOURNEY, bulk)
        bulk_done = sampler.now()
    bulk_usage = context.usage(began, bulk_done)
    # Each way of enrolling is measured on a quiet stack: the worker's first turns for the bulk
    # prospects would otherwise compete with the import for the two cores.
    bulk_turns = await _first_turns(context, len(bulk), since=began, until=opens_at)
    turn_cpu = context.cpu_ms_each("worker", began, sampler.now(), len(bulk))
    startup = await _import_startup(stack.workdir, stack.api_url)
    csv_path = _write_csv(stack.workdir / "import.csv", imported)
    import_began = sampler.now()
    await _import(stack.workdir, stack.api_url, csv_path)
    import_done = sampler.now()
    import_usage = context.usage(import_began, import_done)
    await _first_turns(context, len(everyone), since=import_began, until=opens_at)
    caught_up = time.monotonic()
    history = await mean_events(stack.temporal, everyone)
    context.wave = WavePlan(WAVE_JOURNEY, everyone, opens_at=opens_at, enrolled_by=caught_up)
    bulk_rate = len(bulk) / (bulk_done - began)
    end_to_end = len(imported) / (import_done - import_began)
    import_rate = len(imported) / max(1e-3, import_done - import_began - startup)
    context.details["enrollment"] = {
        "journey": WAVE_JOURNEY,
        "bulk": len(bulk),
        "bulk_per_second": bulk_rate,
        "imported": len(imported),
        "import_per_second": import_rate,
        "import_per_second_with_startup": end_to_end,
        "import_command_startup_seconds": startup,
        "worker_first_turns_per_second": bulk_turns,
        "worker_cpu_ms_per_first_turn": turn_cpu,
        "wave_window": window,
    }
    note = f"the worker's first turns followed at {bulk_turns:,.0f} prospects/s" + (
        f", {turn_cpu:.1f} ms of worker CPU each" if turn_cpu is not None else ""
    )
    return [
        _row("Enrolment: bulk API", len(bulk), bulk_rate, bulk_usage, history, context, note),
        _row(
            "Enrolment: nurture import",
            len(imported),
            import_rate,
            import_usage,
            history,
            context,
            f"without the command's {startup:.1f} s start-up; {end_to_end:,.0f} prospects/s "
            "with it",
        ),
    ]


async def _first_turns(context: RunContext, count: int, *, since: float, until: float) -> float:
    """Wait until the worker has reported on `count` prospects; their number per second."""
    stack, _ = context.live

    async def done() -> bool:
        return await projected(stack.db, WAVE_JOURNEY) >= count

    seen = await wait_until(
        done, within=max(60.0, until - time.monotonic()), what="the worker's first turns"
    )
    return count / (seen - since)


def _row(
    scenario: str,
    prospects: int,
    rate: float,
    usage: Any,
    history: float,
    context: RunContext,
    note: str,
) -> Row:
    ratio = rate / context.bare.starts_per_second if context.bare else None
    return Row(
        scenario=scenario,
        load=f"{prospects:,} prospects, batches of 500 ({CONCURRENCY} starts in flight)",
        throughput=rate,
        unit="prospects/s",
        usage=usage,
        history_per_prospect=history,
        ratio=ratio,
        note=note,
    )


def _write_csv(path: Path, prospects: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["id", "email"])
        writer.writeheader()
        writer.writerows(prospects)
    return path


async def _import_startup(workdir: Path, api_url: str) -> float:
    """Seconds `nurture import` takes for a file without rows: its start-up, not enrolment."""
    empty = _write_csv(workdir / "import-empty.csv", [])
    began = time.monotonic()
    await _import(workdir, api_url, empty)
    return time.monotonic() - began


async def _import(workdir: Path, api_url: str, csv_path: Path) -> None:
    """`nurture import` as a user runs it, progress bar and all (its output goes to a log)."""
    with (workdir / "import.log").open("ab") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "nurture.cli",
            "import",
            str(csv_path),
            "--journey",
            WAVE_JOURNEY,
            "--api-url",
            api_url,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log,
            stderr=log,
        )
        code = await process.wait()
    if code != 0:
        tail = (workdir / "import.log").read_text(errors="replace").splitlines()[-5:]
        raise RuntimeError(f"nurture import exited with {code}: " + " / ".join(tail))
