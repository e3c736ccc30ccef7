"""Idle capacity: every enrolled prospect waiting in a timer, then all their timers at once.

The prospects are the enrolment scenario's, in the wave journey whose send window opens at one
moment. While they wait: the worker's and server's memory, idle CPU, and the size of both
databases. Then the window opens: every workflow's timer fires at the same instant, and the wave
lasts until the last welcome e-mail reaches the SMTP sink (each e-mail's delay is measured from
the opening, to the microsecond, by the sink in this process).
"""

from __future__ import annotations

import asyncio
import time

from bench.context import RunContext, WavePlan
from bench.driving import file_size_mb, wait_until
from bench.report import Row
from bench.stats import Latencies

SETTLE_SECONDS = 2.0
WELCOME = "Welcome"


async def run(context: RunContext) -> list[Row]:
    stack, sampler = context.live
    plan = context.wave
    if plan is None:
        raise RuntimeError("the idle scenario needs the enrolment scenario's prospects")
    waiting = len(plan.workflow_ids)
    rows = []
    idle_from = plan.enrolled_by + SETTLE_SECONDS
    idle_until = plan.opens_at - 1.0
    if idle_until - idle_from >= 2.0:
        await asyncio.sleep(max(0.0, idle_from - time.monotonic()))
        context.say(f"idle: {waiting} prospects waiting, {idle_until - idle_from:.0f} s")
        began = sampler.now()
        await asyncio.sleep(max(0.0, idle_until - time.monotonic()))
        ended = sampler.now()
        nurture_mb = file_size_mb(stack.database_path)
        temporal_mb = file_size_mb(stack.temporal_database_path)
        context.details["idle"] = {
            "prospects_waiting": waiting,
            "seconds": ended - began,
            "nurture_db_mb": nurture_mb,
            "temporal_db_mb": temporal_mb,
        }
        rows.append(
            Row(
                scenario="Idle: prospects waiting in timers",
                load=f"{waiting:,} prospects, {ended - began:.0f} s",
                usage=context.usage(began, ended),
                note=f"databases: Nurture {nurture_mb:.1f} MB, Temporal {temporal_mb:.1f} MB",
            )
        )
    else:
        context.say("idle: the wave opens before every prospect waits; no idle figures")
    rows.append(await _wave(context, plan))
    return rows


async def _wave(context: RunContext, plan: WavePlan) -> Row:
    stack, sampler = context.live
    waiting = len(plan.workflow_ids)
    context.say(f"wave: {waiting} timers fire at once")

    async def all_sent() -> bool:
        return stack.arrivals.count_since(plan.opens_at, subject_prefix=WELCOME) >= waiting

    await asyncio.sleep(max(0.0, plan.opens_at - time.monotonic()))
    began = sampler.now()
    await wait_until(all_sent, within=120 + waiting / 2, what="the wave's e-mails", poll=0.1)
    arrivals = [
        arrival
        for arrival in stack.arrivals.since(plan.opens_at)
        if arrival.subject.startswith(WELCOME)
    ]
    delays = [arrival.at - plan.opens_at for arrival in arrivals]
    last = max(arrival.at for arrival in arrivals)
    ended = sampler.now()
    seconds = last - plan.opens_at
    email_cpu = context.cpu_ms_each("worker", began, ended, waiting)
    context.details["wave"] = {
        "worker_cpu_ms_per_email": email_cpu,
        "prospects": waiting,
        "all_sent_after_seconds": seconds,
        "emails_per_second": waiting / seconds,
        "began_before_all_waited": plan.enrolled_by > plan.opens_at,
    }
    late = " (it opened before all were waiting)" if plan.enrolled_by > plan.opens_at else ""
    return Row(
        scenario="Idle: wave of timers firing at once",
        load=f"{waiting:,} timers due at one instant",
        throughput=waiting / seconds,
        unit="e-mails/s",
        latency=Latencies.of(delays),
        usage=context.usage(began, ended),
        note=f"all e-mails sent {seconds:.1f} s after the instant{late}"
        + (f", {email_cpu:.1f} ms of worker CPU each" if email_cpu is not None else ""),
    )
