"""Token buckets on a hand-moved clock: bursts, the steady rate, waiting, forgetting."""

from __future__ import annotations

import pytest

from api.token_bucket import TokenBuckets


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def buckets(clock: Clock, *, per_minute: int = 60, burst: int = 3, **kwargs: int) -> TokenBuckets:
    return TokenBuckets(per_minute=per_minute, burst=burst, clock=clock, **kwargs)


def test_a_burst_is_allowed_then_the_next_request_waits_for_a_token() -> None:
    clock = Clock()
    limiter = buckets(clock)

    allowed = [limiter.take("a").allowed for _ in range(3)]
    refused = limiter.take("a")

    assert allowed == [True, True, True]
    assert not refused.allowed
    assert refused.retry_after == pytest.approx(1.0)  # 60 a minute: one token a second


def test_tokens_come_back_at_the_steady_rate() -> None:
    clock = Clock()
    limiter = buckets(clock, per_minute=120, burst=1)
    assert limiter.take("a").allowed

    clock.now += 0.25
    early = limiter.take("a")
    clock.now += 0.25
    on_time = limiter.take("a")

    assert not early.allowed
    assert early.retry_after == pytest.approx(0.25)
    assert on_time.allowed


def test_a_refused_request_does_not_cost_a_token() -> None:
    clock = Clock()
    limiter = buckets(clock, burst=1)
    limiter.take("a")
    for _ in range(5):
        assert not limiter.take("a").allowed

    clock.now += 1.0

    assert limiter.take("a").allowed


def test_an_idle_caller_gets_back_no_more_than_the_burst() -> None:
    clock = Clock()
    limiter = buckets(clock)
    for _ in range(3):
        limiter.take("a")

    clock.now += 3600
    results = [limiter.take("a").allowed for _ in range(4)]

    assert results == [True, True, True, False]


def test_callers_have_buckets_of_their_own() -> None:
    clock = Clock()
    limiter = buckets(clock, burst=1)

    assert limiter.take("a").allowed
    assert not limiter.take("a").allowed
    assert limiter.take("b").allowed


def test_callers_whose_buckets_refilled_are_forgotten() -> None:
    clock = Clock()
    limiter = buckets(clock, burst=2)
    for caller in ("a", "b", "c"):
        limiter.take(caller)
    assert len(limiter) == 3

    clock.now += 1.0  # one token back: every bucket is full again
    limiter.take("d")

    assert len(limiter) == 1


def test_memory_is_bounded_by_dropping_the_least_recently_seen() -> None:
    clock = Clock()
    limiter = buckets(clock, burst=1, max_callers=2)
    for caller in ("a", "b", "c"):
        limiter.take(caller)

    assert len(limiter) == 2
    assert not limiter.take("c").allowed  # remembered: still empty
    assert limiter.take("a").allowed  # forgotten: starts again with a full bucket


def test_a_clock_going_backwards_adds_no_tokens() -> None:
    clock = Clock()
    limiter = buckets(clock, burst=1)
    limiter.take("a")

    clock.now -= 100

    assert not limiter.take("a").allowed


@pytest.mark.parametrize(("per_minute", "burst"), [(0, 1), (1, 0)])
def test_a_limit_needs_a_positive_rate_and_burst(per_minute: int, burst: int) -> None:
    with pytest.raises(ValueError, match="positive"):
        TokenBuckets(per_minute=per_minute, burst=burst)
