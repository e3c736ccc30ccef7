"""Event ingestion: the highest sustained `POST /events` rate at which every event is applied
within 1 s, one event per request and in batches, against bare signals/s.

Content views (1 point each, nothing sent) go round robin to prospects enrolled in the bench
journey. Each rate is held for a step of `ingest_step_seconds`; a step passes when every
request was accepted and every event's `event_applied` decision was in the database within 1 s
of the moment its request was due. Rates climb by a factor until a step fails, then one step
is tried between the last pass and the failure (`bench.rate_search`). Before the next step the
stack is let to drain, so a failed step's backlog does not spoil the next.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, replace
from typing import Any

import httpx

from bench.context import RunContext
from bench.driving import bench_definition, enroll, prospect, publish, wait_until, workflow_ids
from bench.history import mean_events
from bench.load import article_events, http_client, plan, send
from bench.rate_search import Step, next_rate, sustainable_rate
from bench.report import Row
from bench.sampling import Usage
from bench.stats import Latencies
from bench.watch import AppliedEvents

JOURNEY = "bench-events"
APPLIED_WITHIN = 1.0
BATCH = 20
MODES = {"single": 1, "batched": BATCH}
GRACE_SECONDS = 2.0


@dataclass(frozen=True)
class StepResult:
    mode: str
    rate: float
    events: int
    passed: bool
    latency: Latencies | None
    late: int
    failures: int
    usage: dict[str, Usage]
    # How long the API took to answer (202), from the moment each request was due.
    answers: Latencies | None = None

    def summary(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "rate": self.rate,
            "events": self.events,
            "passed": self.passed,
            "latency": self.latency,
            "late_or_missing": self.late,
            "api_answer": self.answers,
            "failed_requests": self.failures,
            "usage": self.usage,
        }


async def prepare(context: RunContext, journey_id: str, prefix: str, count: int) -> list[str]:
    """Enrol `count` prospects in a fresh bench journey and wait until their welcome is sent."""
    stack, _ = context.live
    prospects = [prospect(prefix, number) for number in range(count)]
    await publish(stack.db, bench_definition(journey_id))
    since = time.monotonic()
    async with httpx.AsyncClient(
        base_url=stack.api_url, timeout=600, headers=stack.api_headers
    ) as http:
        await enroll(http, journey_id, prospects)

    async def welcomed() -> bool:
        return stack.arrivals.count_since(since, subject_prefix="Welcome") >= count

    await wait_until(welcomed, within=60 + count, what=f"welcome e-mails of {prefix}")
    # Let the last projections land: a quiet stack before measuring.
    await asyncio.sleep(2)
    return [item["id"] for item in prospects]


async def run(context: RunContext) -> list[Row]:
    stack, _ = context.live
    sizes = context.sizes
    context.say(f"ingestion: enrolling {sizes.ingest_prospects} prospects")
    prospect_ids = await prepare(context, JOURNEY, "ev", sizes.ingest_prospects)
    rows, steps_done = [], []
    watcher = AppliedEvents(stack.db)
    async with watcher.watching(), http_client(stack.api_url, headers=stack.api_headers) as http:
        for mode, batch in MODES.items():
            steps: list[Step] = []
            results: list[StepResult] = []
            while (
                rate := next_rate(
                    steps,
                    first=sizes.ingest_first_rate,
                    factor=sizes.ingest_rate_factor,
                    max_steps=sizes.ingest_max_steps,
                )
            ) is not None:
                result = await _step(context, http, watcher, mode, batch, rate, prospect_ids)
                answers = result.answers
                context.say(
                    f"ingestion {mode}: {rate:.1f} events/s "
                    f"(API answers p99 {answers.p99 if answers else float('nan'):.2f} s) "
                    f"{'passed' if result.passed else 'failed'} (p99 "
                    f"{result.latency.p99 if result.latency else float('nan'):.2f} s, "
                    f"{result.late} late)"
                )
                steps.append(Step(rate, result.passed))
                results.append(result)
            steps_done += [result.summary() for result in results]
            rows.append(_row(context, mode, batch, steps, results, len(prospect_ids)))
    history = await mean_events(stack.temporal, workflow_ids(JOURNEY, _as_prospects(prospect_ids)))
    events_each = sum(step["events"] for step in steps_done) / len(prospect_ids)
    # Every prospect got many events here: per event is the comparable figure.
    per_event = f"{history:,.0f} history events after {events_each:,.0f} events each"
    rows = [
        replace(row, history_per_prospect=history, note=f"{row.note}; {per_event}") for row in rows
    ]
    context.details["ingestion"] = {
        "journey": JOURNEY,
        "steps": steps_done,
        "events_per_prospect": events_each,
        "history_events_per_prospect": history,
    }
    passed = [row.throughput for row in rows if row.throughput]
    context.max_event_rate = max(passed) if passed else None
    return rows


async def _step(
    context: RunContext,
    http: httpx.AsyncClient,
    watcher: AppliedEvents,
    mode: str,
    batch: int,
    rate: float,
    prospect_ids: list[str],
) -> StepResult:
    stack, sampler = context.live
    seconds = context.sizes.ingest_step_seconds
    count = max(batch, round(rate * seconds))
    prefix = f"ev-{mode}-{rate:.2f}-{time.monotonic_ns()}"
    events = article_events(prefix, prospect_ids, count)
    began = sampler.now()
    requests = plan(events, rate=rate, batch=batch, start=time.monotonic() + 0.1)
    due = {event["id"]: request.at for request in requests for event in request.events}
    sent = await send(http, requests)
    deadline = requests[-1].at + APPLIED_WITHIN + GRACE_SECONDS

    async def all_applied() -> bool:
        return not watcher.missing(due)

    with contextlib.suppress(TimeoutError):
        await wait_until(all_applied, within=max(0.0, deadline - time.monotonic()), what="")
    ended = sampler.now()
    delays = [
        watcher.seen[event_id] - at for event_id, at in due.items() if event_id in watcher.seen
    ]
    late = len(due) - sum(1 for delay in delays if delay <= APPLIED_WITHIN)
    passed = not sent.failures and late == 0
    usage = context.usage(began, ended)
    # Drain what is left before the next step.
    with_backlog = 2 * seconds + 30
    try:
        await wait_until(all_applied, within=with_backlog, what="ingestion backlog")
    except TimeoutError:
        context.say(f"ingestion: {len(watcher.missing(due))} events still unapplied; going on")
    stack.check_alive()
    return StepResult(
        mode,
        rate,
        count,
        passed,
        Latencies.of(delays),
        late,
        len(sent.failures),
        usage,
        Latencies.of(sent.answer_seconds),
    )


def _row(
    context: RunContext,
    mode: str,
    batch: int,
    steps: list[Step],
    results: list[StepResult],
    prospects: int,
) -> Row:
    best = sustainable_rate(steps)
    shown = next((r for r in results if r.rate == best), results[-1] if results else None)
    bare = context.bare.signals_per_second if context.bare else None
    tried = ", ".join(f"{r.rate:.0f}{'✓' if r.passed else '✗'}" for r in results)
    seconds = context.sizes.ingest_step_seconds
    per_request = "1 event/request" if batch == 1 else f"{batch} events/request"
    return Row(
        scenario=f"Event ingestion ({mode})",
        load=f"{prospects:,} prospects, {per_request}, {seconds:.0f} s per rate",
        throughput=best,
        unit="events/s",
        latency=shown.latency if shown else None,
        usage=shown.usage if shown else {},
        ratio=best / bare if best and bare else None,
        note=f"rates tried (events/s): {tried}; latency shown at the best rate"
        if best
        else f"no rate passed: {tried}",
    )


def _as_prospects(prospect_ids: list[str]) -> list[dict[str, str]]:
    return [{"id": prospect_id} for prospect_id in prospect_ids]
