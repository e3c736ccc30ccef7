"""The `signed_webhook` dependency on a one-route app with a real database: what reaches the
handler, what is refused, and how retries and reused ids are told apart."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
import pytest_asyncio
from fastapi import FastAPI, HTTPException
from pydantic import SecretStr
from sqlmodel import select

from api.webhook_guard import SignedDelivery, SignedWebhookDep
from nurture.db import Database
from nurture.settings import Settings
from nurture.webhook_deliveries import WebhookDelivery
from nurture.webhook_signatures import signature_headers

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
BODY = b'{"id": "evt-1", "type": "content_consumed"}'


@dataclass
class Hook:
    http: httpx.AsyncClient
    db: Database
    reached: list[SignedDelivery | None] = field(default_factory=list)
    fail_next: bool = False

    async def post(self, headers: dict[str, str], body: bytes = BODY) -> httpx.Response:
        return await self.http.post("/hook", content=body, headers=headers)


async def hook_app(settings: Settings, database: Database) -> AsyncIterator[Hook]:
    app = FastAPI()
    app.state.settings = settings
    app.state.db = database
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        hook = Hook(http, database)

        @app.post("/hook", status_code=202)
        async def receive(delivery: SignedWebhookDep) -> dict[str, bool]:
            hook.reached.append(delivery)
            if hook.fail_next:
                hook.fail_next = False
                raise HTTPException(503, "a journey could not be reached; send again")
            return {"ok": True}

        yield hook


@pytest_asyncio.fixture
async def hook(settings: Settings, database: Database) -> AsyncIterator[Hook]:
    signed = settings.model_copy(update={"webhook_secrets": [SecretStr(SECRET)]})
    async for hook in hook_app(signed, database):
        yield hook


@pytest_asyncio.fixture
async def open_hook(settings: Settings, database: Database) -> AsyncIterator[Hook]:
    async for hook in hook_app(settings, database):
        yield hook


def signed(webhook_id: str, body: bytes = BODY, *, at: int | None = None) -> dict[str, str]:
    timestamp = int(time.time()) if at is None else at
    return signature_headers(
        secrets=[SECRET], webhook_id=webhook_id, timestamp=timestamp, body=body
    )


async def test_a_signed_request_reaches_the_handler_and_its_id_is_kept(hook: Hook) -> None:
    response = await hook.post(signed("msg_1"))

    assert response.status_code == 202
    assert hook.reached == [SignedDelivery(webhook_id="msg_1", retry=False)]
    async with hook.db.session() as session:
        [row] = (await session.exec(select(WebhookDelivery))).all()
    assert row.id == "msg_1"
    assert len(row.body_sha256) == 64


async def test_an_unsigned_or_badly_signed_request_is_401_and_never_reaches_the_handler(
    hook: Hook,
) -> None:
    unsigned = await hook.post({})
    tampered = await hook.post(signed("msg_2"), body=BODY.replace(b"evt-1", b"evt-2"))
    stale = await hook.post(signed("msg_3", at=int(time.time()) - 301))

    assert [unsigned.status_code, tampered.status_code, stale.status_code] == [401, 401, 401]
    assert unsigned.json()["detail"].startswith("unsigned request")
    assert tampered.json()["detail"].startswith("no signature matches")
    assert "too old" in stale.json()["detail"]
    assert hook.reached == []


async def test_a_retry_after_a_failed_attempt_reaches_the_handler_again(hook: Hook) -> None:
    """The sender retries after our 503: the idempotent handler must run again."""
    headers = signed("msg_4")
    hook.fail_next = True

    failed = await hook.post(headers)
    retried = await hook.post(headers)
    again = await hook.post(signed("msg_4"))  # a later retry, signed anew

    assert [failed.status_code, retried.status_code, again.status_code] == [503, 202, 202]
    assert [delivery.retry for delivery in hook.reached if delivery] == [False, True, True]


async def test_an_id_reused_with_another_body_is_409(hook: Hook) -> None:
    await hook.post(signed("msg_5"))
    other = b'{"id": "evt-9"}'

    response = await hook.post(signed("msg_5", other), body=other)

    assert response.status_code == 409
    assert response.json()["detail"] == (
        "webhook id reused: 'msg_5' was accepted before with a different body"
    )
    assert len(hook.reached) == 1


async def test_ids_older_than_twice_the_tolerance_are_forgotten(hook: Hook) -> None:
    old = datetime.now(UTC) - timedelta(seconds=601)
    recent = datetime.now(UTC) - timedelta(seconds=500)
    async with hook.db.session() as session:
        session.add(WebhookDelivery(id="msg_old", body_sha256="0" * 64, received_at=old))
        session.add(WebhookDelivery(id="msg_recent", body_sha256="0" * 64, received_at=recent))
        await session.commit()

    # The old id comes back with another body (a sender's id reused long after): not a conflict.
    response = await hook.post(signed("msg_old"))

    assert response.status_code == 202
    assert hook.reached == [SignedDelivery(webhook_id="msg_old", retry=False)]
    async with hook.db.session() as session:
        kept = sorted((await session.exec(select(WebhookDelivery.id))).all())
    assert kept == ["msg_old", "msg_recent"]


async def test_without_a_configured_secret_nothing_is_checked(open_hook: Hook) -> None:
    response = await open_hook.post({})

    assert response.status_code == 202
    assert open_hook.reached == [None]


async def test_concurrent_requests_with_one_id_let_one_body_in(hook: Hook) -> None:
    bodies = [BODY.replace(b"evt-1", f"evt-{n}".encode()) for n in range(4)]

    answers = await asyncio.gather(
        *(hook.post(signed("msg_6", body), body=body) for body in bodies * 2)
    )

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [202, 202, 409, 409, 409, 409, 409, 409]  # one body, sent twice
    assert sorted(delivery.retry for delivery in hook.reached if delivery) == [False, True]
