"""`GET /metrics` for Prometheus, and the count of the API's server errors.

The counters are Nurture's own registry (`nurture.metrics`): events received here, e-mails and
tasks counted by the activities of any worker in this process (all of them in `nurture dev`).
"""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nurture.metrics import ERRORS, REGISTRY

router = APIRouter(tags=["health"])

# Probes answer 503 to report a state, not because serving failed.
_PROBES = frozenset({"/health", "/ready"})


@router.get("/metrics", response_class=Response, include_in_schema=False)
async def metrics() -> Response:
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


class CountServerErrors:
    """Counts every 5xx answer and unhandled exception as `nurture_errors_total{where="api"}`."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in _PROBES:
            await self._app(scope, receive, send)
            return

        async def counting(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] >= 500:
                ERRORS.labels(where="api").inc()
            await send(message)

        try:
            await self._app(scope, receive, counting)
        except Exception:
            # Unhandled: Starlette's outermost middleware answers 500 without passing here.
            ERRORS.labels(where="api").inc()
            raise
