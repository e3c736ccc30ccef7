"""An open-loop load of `POST /events`: requests leave at their planned moments whatever the
API's answers, so a slow answer delays nothing else and shows up as latency (no coordinated
omission). Delays are measured from the planned moment."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import cycle
from typing import Any

import httpx

ARTICLES = ("article-1", "article-2", "article-3")


@dataclass(frozen=True)
class Request:
    at: float
    events: list[dict[str, Any]]


@dataclass
class Sent:
    """How the requests went: answers other than 202, and how long each answer took."""

    failures: list[str] = field(default_factory=list)
    answer_seconds: list[float] = field(default_factory=list)


def article_events(prefix: str, prospect_ids: Sequence[str], count: int) -> list[dict[str, Any]]:
    """`count` content views spread round robin over the prospects (1 point each)."""
    prospects, articles = cycle(prospect_ids), cycle(ARTICLES)
    return [
        {
            "id": f"{prefix}-{number}",
            "prospect_id": next(prospects),
            "type": "content_consumed",
            "data": {"content_id": next(articles)},
        }
        for number in range(count)
    ]


def plan(
    events: Sequence[dict[str, Any]], *, rate: float, batch: int, start: float
) -> list[Request]:
    """Requests of `batch` events each, spaced so that `rate` events leave per second."""
    if rate <= 0 or batch < 1:
        raise ValueError("the rate must be positive and a batch at least one event")
    return [
        Request(at=start + index / rate, events=list(events[index : index + batch]))
        for index in range(0, len(events), batch)
    ]


async def send(http: httpx.AsyncClient, requests: Sequence[Request]) -> Sent:
    sent = Sent()

    async def post(request: Request) -> None:
        body: Any = request.events[0] if len(request.events) == 1 else request.events
        try:
            response = await http.post("/events", json=body)
        except httpx.HTTPError as error:
            sent.failures.append(f"{type(error).__name__}: {error}")
            return
        sent.answer_seconds.append(time.monotonic() - request.at)
        if response.status_code != 202:
            sent.failures.append(f"{response.status_code}: {response.text[:200]}")

    async with asyncio.TaskGroup() as group:
        for request in requests:
            await asyncio.sleep(max(0.0, request.at - time.monotonic()))
            group.create_task(post(request))
    return sent


def http_client(base_url: str, *, headers: dict[str, str]) -> httpx.AsyncClient:
    # Enough connections that an open-loop burst is never queued on our side.
    limits = httpx.Limits(max_connections=1000, max_keepalive_connections=100)
    return httpx.AsyncClient(base_url=base_url, timeout=120, limits=limits, headers=headers)
