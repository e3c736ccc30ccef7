"""The API's rate limit: a token bucket per caller, 429 with `Retry-After` beyond it.

A caller is its API key (the SHA-256 of the `Authorization` or `X-API-Key` header value, so no
key is held in memory) or, without one, its client address. The buckets live in this process:
each API process limits on its own, so N processes behind a load balancer let a caller make up
to N times the rate. Probes and metrics are exempt, so monitoring never starves.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from api.token_bucket import TokenBuckets
from nurture.settings import Settings

EXEMPT_PATHS = frozenset({"/health", "/ready", "/metrics"})
KEY_HEADERS = ("authorization", "x-api-key")
# For the OpenAPI document: any operation but the exempt ones may answer it.
RESPONSES: dict[int | str, dict[str, str]] = {
    429: {"description": "Over the caller's rate limit; `Retry-After` says when to try again."}
}


def caller_of(scope: Scope) -> tuple[str, str]:
    """(bucket key, what it is) of the request's caller."""
    headers = Headers(scope=scope)
    for name in KEY_HEADERS:
        value = headers.get(name)
        if value:
            return f"key:{hashlib.sha256(value.encode()).hexdigest()}", "API key"
    client = scope.get("client")
    address = client[0] if client else "unknown"
    return f"address:{address}", "client address"


class RateLimit:
    """ASGI middleware; `rate_limit_per_minute=0` lets everything through."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        settings: Settings,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._app = app
        per_minute, burst = settings.rate_limit_per_minute, settings.rate_limit_burst
        self._buckets = (
            TokenBuckets(per_minute=per_minute, burst=burst, clock=clock) if per_minute else None
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._buckets is None or scope["type"] != "http" or scope["path"] in EXEMPT_PATHS:
            await self._app(scope, receive, send)
            return
        caller, kind = caller_of(scope)
        verdict = self._buckets.take(caller)
        if verdict.allowed:
            await self._app(scope, receive, send)
            return
        seconds = max(1, math.ceil(verdict.retry_after))
        refusal = JSONResponse(
            {
                "detail": (
                    f"rate limit exceeded: {self._buckets.per_minute} requests a minute "
                    f"(bursts of {self._buckets.burst}) per {kind}; retry in {seconds} s"
                )
            },
            status_code=429,
            headers={"Retry-After": str(seconds)},
        )
        await refusal(scope, receive, send)
