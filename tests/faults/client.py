"""The product's HTTP API as an integration uses it: publish, enrol, post events, resend on 503.

A real integration (a webhook sender) sends an event again when the answer says "try again"; so
does this client, and it keeps every answer it got so a test can report them. Any other refusal
ends the attempt: the test counts that event as not accepted.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import httpx

from tests.faults.journey import Event

RETRY_STATUSES = frozenset({503})
FIRST_BACKOFF_SECONDS = 0.25
LONGEST_BACKOFF_SECONDS = 2.0
# A request may wait on a locked database for its whole busy timeout (30 s) before it fails.
REQUEST_TIMEOUT_SECONDS = 60.0


@dataclass
class Posting:
    """What posting events gave: every answer, and the final one for each event id."""

    answers: Counter[int] = field(default_factory=Counter)
    requests: int = 0
    accepted: set[str] = field(default_factory=set)
    refused: dict[str, str] = field(default_factory=dict)


@dataclass
class ProductClient:
    http: httpx.AsyncClient
    posting: Posting = field(default_factory=Posting)

    async def publish(self, source: str) -> None:
        response = await self.http.post(
            "/journeys", content=source, headers={"content-type": "application/yaml"}
        )
        assert response.status_code == 201, response.text

    async def enroll(self, journey_id: str, prospect_ids: Sequence[str]) -> None:
        body = [{"id": pid, "email": f"{pid}@prospects.example.com"} for pid in prospect_ids]
        response = await self.http.post(f"/journeys/{journey_id}/enrollments", json=body)
        assert response.status_code == 201, response.text
        enrolled = {item["prospect_id"] for item in response.json()["enrolled"]}
        assert enrolled == set(prospect_ids), response.text

    async def post(self, event: Event, *, give_up_after: float = 90.0) -> None:
        """Post one event until the API accepts it (202) or refuses it for good."""
        backoff = FIRST_BACKOFF_SECONDS
        deadline = asyncio.get_running_loop().time() + give_up_after
        while True:
            self.posting.requests += 1
            try:
                response = await self.http.post("/events", json=event.body())
            except httpx.TransportError as error:
                # The API process itself is never the fault here: a lost connection is a finding.
                self.posting.refused[event.id] = f"{type(error).__name__}: {error}"
                return
            self.posting.answers[response.status_code] += 1
            if response.status_code == 202:
                self.posting.accepted.add(event.id)
                self.posting.refused.pop(event.id, None)
                return
            self.posting.refused[event.id] = f"{response.status_code}: {response.text[:300]}"
            if response.status_code not in RETRY_STATUSES:
                return
            if asyncio.get_running_loop().time() > deadline:
                return
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, LONGEST_BACKOFF_SECONDS)

    async def post_all(self, events: Iterable[Event], *, concurrency: int = 10) -> None:
        """Post events concurrently, each in its own resend loop, in the order given."""
        limit = asyncio.Semaphore(concurrency)

        async def post_one(event: Event) -> None:
            async with limit:
                await self.post(event)

        async with asyncio.TaskGroup() as group:
            for event in events:
                group.create_task(post_one(event))
