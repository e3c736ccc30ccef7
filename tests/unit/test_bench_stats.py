"""The benchmark's pure arithmetic: percentiles, the rate search, sizes, load plans, CPU use."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from bench.load import article_events, plan
from bench.rate_search import Step, next_rate, sustainable_rate
from bench.sampling import Sample, usage_between
from bench.scenario_baseline import signals_per_workflow
from bench.scenario_enrollment import wave_delay, wave_window
from bench.sizes import Sizes
from bench.stats import Latencies, percentile


def test_percentiles_interpolate_between_ranks() -> None:
    values = [0.4, 0.1, 0.3, 0.2, 0.5]
    assert percentile(values, 0.0) == 0.1
    assert percentile(values, 0.5) == 0.3
    assert percentile(values, 1.0) == 0.5
    assert percentile(values, 0.95) == pytest.approx(0.48)
    assert percentile([7.0], 0.99) == 7.0


def test_percentile_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        percentile([], 0.5)
    with pytest.raises(ValueError):
        percentile([1.0], 1.5)


def test_latencies_summarise_and_none_for_nothing() -> None:
    summary = Latencies.of([float(n) for n in range(1, 101)])
    assert summary is not None
    assert (summary.count, summary.p50, summary.max) == (100, 50.5, 100.0)
    assert summary.p99 == pytest.approx(99.01)
    assert Latencies.of([]) is None


def _next(steps: list[Step]) -> float | None:
    return next_rate(steps, first=10.0, factor=2.0, max_steps=8)


def test_rate_search_climbs_until_a_failure_then_tries_once_between() -> None:
    assert _next([]) == 10.0
    steps = [Step(10, True), Step(20, True)]
    assert _next(steps) == 40.0
    steps.append(Step(40, False))
    between = _next(steps)
    assert between == pytest.approx(28.28, abs=0.01)
    steps.append(Step(28.28, True))
    assert _next(steps) is None
    assert sustainable_rate(steps) == 28.28


def test_rate_search_looks_lower_once_when_the_first_rate_fails() -> None:
    assert _next([Step(10, False)]) == 5.0
    assert _next([Step(10, False), Step(5, False)]) is None
    assert sustainable_rate([Step(10, False), Step(5, False)]) is None


def test_rate_search_stops_at_the_step_limit_and_ignores_passes_above_a_failure() -> None:
    steps = [Step(10, True), Step(20, True)]
    assert next_rate(steps, first=10, factor=2, max_steps=2) is None
    # A lucky pass above a failure is not a sustainable rate.
    assert sustainable_rate([Step(10, True), Step(20, False), Step(30, True)]) == 10


def test_sizes_scale_with_floors_and_accept_overrides() -> None:
    smoke = Sizes().scaled(0.05)
    assert smoke.enroll_bulk == 50
    assert smoke.history_days == round(365 * 0.05)
    assert smoke.ingest_first_rate == Sizes().ingest_first_rate
    assert smoke.ingest_step_seconds == 5.0
    tuned = smoke.with_overrides(["ingest_step_seconds=60", "enroll_bulk=10000"])
    assert (tuned.ingest_step_seconds, tuned.enroll_bulk) == (60.0, 10000)
    with pytest.raises(ValueError, match="NAME=VALUE"):
        smoke.with_overrides(["no_such_size=1"])
    with pytest.raises(ValueError, match="not a number"):
        smoke.with_overrides(["enroll_bulk=many"])


def test_load_plan_spaces_batches_to_hold_the_rate() -> None:
    events = article_events("e", ["p1", "p2"], 10)
    assert [event["prospect_id"] for event in events[:3]] == ["p1", "p2", "p1"]
    assert len({event["id"] for event in events}) == 10
    single = plan(events, rate=5.0, batch=1, start=100.0)
    assert [request.at for request in single[:3]] == [100.0, 100.2, 100.4]
    batched = plan(events, rate=5.0, batch=4, start=100.0)
    assert [len(request.events) for request in batched] == [4, 4, 2]
    assert [request.at for request in batched] == [100.0, 100.8, 101.6]
    with pytest.raises(ValueError):
        plan(events, rate=0, batch=1, start=0)


def test_bare_signals_go_round_robin_over_the_started_workflows() -> None:
    assert signals_per_workflow(starts=4, signals=10) == [3, 3, 2, 2]
    assert signals_per_workflow(starts=4, signals=2) == [1, 1, 0, 0]


def test_the_wave_window_opens_on_the_next_whole_second_every_day() -> None:
    window, opens = wave_window(datetime(2026, 3, 2, 10, 15, 30, 400_000, tzinfo=UTC))
    assert opens == datetime(2026, 3, 2, 10, 15, 31, tzinfo=UTC)
    assert window["start"] == "10:15:31"
    assert window["end"] == "16:15:31"
    assert len(window["days"]) == 7
    late, _ = wave_window(datetime(2026, 3, 2, 22, 0, tzinfo=UTC))
    assert time.fromisoformat(late["end"]) == time(23, 59, 59)


def test_the_wave_waits_for_enrolment_and_idle_sampling() -> None:
    # 1200 prospects at 12% of 500 starts/s, plus 20 s idle, plus the margin.
    assert wave_delay(prospects=1200, bare_starts_per_second=500, idle_seconds=20) == 55.0


def test_cpu_is_cpu_seconds_over_wall_seconds_and_memory_the_peak() -> None:
    samples = [
        Sample(at=0.0, cpu_seconds=1.0, rss_bytes=100 * 1024 * 1024),
        Sample(at=1.0, cpu_seconds=1.5, rss_bytes=300 * 1024 * 1024),
        Sample(at=2.0, cpu_seconds=2.0, rss_bytes=200 * 1024 * 1024),
        Sample(at=9.0, cpu_seconds=9.0, rss_bytes=900 * 1024 * 1024),
    ]
    usage = usage_between(samples, 0.0, 2.0)
    assert usage is not None
    assert usage.cpu_percent == pytest.approx(50.0)
    assert usage.peak_rss_mb == pytest.approx(300.0)
    assert usage_between(samples, 0.5, 1.5) is None
