"""Token buckets, one per caller: the arithmetic of the API's rate limit (pure, clock injected).

Each caller's bucket holds up to `burst` tokens and refills at `per_minute / 60` tokens a
second; a request takes one token, or is refused with the time until the next token. A bucket
that has refilled to the brim is the same as no bucket, so it is forgotten: the least recently
used buckets are dropped once full, and the oldest anyway beyond `max_callers` (a caller dropped
early merely starts again with a full bucket), so memory stays bounded whatever the callers.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

DEFAULT_MAX_CALLERS = 100_000


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: float  # seconds until the caller's next token; 0 when allowed


@dataclass
class _Bucket:
    tokens: float
    updated_at: float


class TokenBuckets:
    def __init__(
        self,
        *,
        per_minute: int,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
        max_callers: int = DEFAULT_MAX_CALLERS,
    ) -> None:
        if per_minute <= 0 or burst <= 0 or max_callers <= 0:
            raise ValueError("a rate limit needs a positive rate, burst and number of callers")
        self.per_minute = per_minute
        self.burst = burst
        self._per_second = per_minute / 60
        self._clock = clock
        self._max_callers = max_callers
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def take(self, caller: str) -> Verdict:
        """Take a token from `caller`'s bucket if it has one."""
        now = self._clock()
        known = self._buckets.pop(caller, None)
        tokens = float(self.burst) if known is None else self._refilled(known, now)
        allowed = tokens >= 1
        if allowed:
            tokens -= 1
        # Most recently used last; never full after a take, so not forgotten below.
        self._buckets[caller] = _Bucket(tokens=tokens, updated_at=now)
        self._forget_idle(now)
        if allowed:
            return Verdict(allowed=True, retry_after=0.0)
        return Verdict(allowed=False, retry_after=(1 - tokens) / self._per_second)

    def __len__(self) -> int:
        """How many callers are remembered (full buckets are not)."""
        return len(self._buckets)

    def _refilled(self, bucket: _Bucket, now: float) -> float:
        elapsed = max(0.0, now - bucket.updated_at)
        return min(float(self.burst), bucket.tokens + elapsed * self._per_second)

    def _forget_idle(self, now: float) -> None:
        while self._buckets:
            caller, oldest = next(iter(self._buckets.items()))
            full = self._refilled(oldest, now) >= self.burst
            if not full and len(self._buckets) <= self._max_callers:
                return
            del self._buckets[caller]
