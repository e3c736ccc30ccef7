"""Request limits through the real app (no Temporal: nothing here may reach it): body size 413,
with and without a declared length, the event batch 422 and the rate limit 429."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx

from api.app import create_app
from nurture.db import Database
from nurture.settings import Settings
from tests.fixtures.auth import admin_headers
from tests.fixtures.temporal import no_temporal


def client(settings: Settings, database: Database, **limits: int) -> httpx.AsyncClient:
    limited = settings.model_copy(update=limits)
    app = create_app(settings=limited, db=database, temporal=no_temporal())
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://testserver",
        headers=admin_headers(settings),
    )


def events(count: int) -> list[dict[str, Any]]:
    return [
        {"id": f"evt-{n}", "prospect_id": "p-1", "type": "unsubscribed", "data": {}}
        for n in range(count)
    ]


async def streamed(body: bytes, size: int = 1000) -> AsyncIterator[bytes]:
    """A body without a Content-Length: httpx sends an iterator chunked."""
    for start in range(0, len(body), size):
        yield body[start : start + size]


async def test_a_declared_body_over_the_limit_is_413_naming_the_limit(
    settings: Settings, database: Database
) -> None:
    body = json.dumps(events(40)).encode()
    async with client(settings, database, max_request_bytes=len(body) - 1) as http:
        response = await http.post(
            "/events", content=body, headers={"content-type": "application/json"}
        )

    assert response.status_code == 413
    assert response.json() == {
        "detail": f"request body too large: the limit here is {len(body) - 1} bytes"
    }


async def test_a_chunked_body_is_counted_as_it_arrives(
    settings: Settings, database: Database
) -> None:
    body = json.dumps(events(40)).encode()
    async with client(settings, database, max_request_bytes=len(body) - 1) as http:
        response = await http.post(
            "/events", content=streamed(body), headers={"content-type": "application/json"}
        )

    assert response.request.headers.get("content-length") is None
    assert response.status_code == 413
    assert "limit here is" in response.json()["detail"]


async def test_a_body_at_the_limit_passes_the_door(settings: Settings, database: Database) -> None:
    body = json.dumps(events(1)).encode()
    async with client(settings, database, max_request_bytes=len(body)) as http:
        response = await http.post(
            "/events", content=streamed(body), headers={"content-type": "application/json"}
        )

    # Past the size check: refused for the unknown prospect, before Temporal.
    assert response.status_code == 404


async def test_inbound_email_has_a_limit_of_its_own(settings: Settings, database: Database) -> None:
    message = b"From: a@example.com\r\nSubject: hi\r\n\r\n" + b"x" * 5000
    async with client(
        settings, database, max_request_bytes=1000, max_inbound_email_bytes=4000
    ) as http:
        too_big = await http.post(
            "/inbound/email", content=message, headers={"content-type": "message/rfc822"}
        )
        streamed_too_big = await http.post(
            "/inbound/email",
            content=streamed(message),
            headers={"content-type": "message/rfc822"},
        )

    assert (too_big.status_code, streamed_too_big.status_code) == (413, 413)
    assert too_big.json()["detail"].endswith("the limit here is 4000 bytes")


async def test_more_events_than_the_batch_limit_is_422_naming_the_limit(
    settings: Settings, database: Database
) -> None:
    async with client(settings, database, max_event_batch=3) as http:
        response = await http.post("/events", json=events(4))

    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["type"] == "too_long"
    assert error["loc"] == ["body"]
    assert error["msg"] == "at most 3 events per request (max_event_batch), not 4"


async def test_the_default_batch_limit_is_1000(settings: Settings, database: Database) -> None:
    async with client(settings, database) as http:
        response = await http.post("/events", json=events(1001))

    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"].startswith("at most 1000 events per request")


async def test_over_the_rate_limit_is_429_with_retry_after(
    settings: Settings, database: Database
) -> None:
    async with client(settings, database, rate_limit_per_minute=6, rate_limit_burst=2) as http:
        answers = [(await http.get("/journeys")).status_code for _ in range(3)]
        refused = await http.get("/journeys")
        other_key = await http.get("/journeys", headers={"Authorization": "Bearer someone-else"})
        probes = [(await http.get(path)).status_code for path in ("/metrics",) * 5]

    assert answers == [200, 200, 429]
    assert refused.headers["Retry-After"] == "10"  # 6 a minute: a token every 10 s
    assert refused.json()["detail"] == (
        "rate limit exceeded: 6 requests a minute (bursts of 2) per API key; retry in 10 s"
    )
    assert other_key.status_code == 401  # its own bucket: on to the key check, which refuses
    assert probes == [200] * 5


async def test_without_a_key_the_client_address_is_the_caller(
    settings: Settings, database: Database
) -> None:
    async with client(settings, database, rate_limit_per_minute=60, rate_limit_burst=1) as http:
        del http.headers["Authorization"]
        answers = [(await http.get("/journeys")).status_code for _ in range(2)]
        refused = await http.get("/journeys")

    assert answers == [401, 429]
    assert refused.json()["detail"].endswith("per client address; retry in 1 s")


async def test_a_rate_limit_of_zero_is_no_limit(settings: Settings, database: Database) -> None:
    async with client(settings, database, rate_limit_per_minute=0, rate_limit_burst=1) as http:
        answers = {(await http.get("/journeys")).status_code for _ in range(30)}

    assert answers == {200}
