"""Signed webhooks end to end: events and inbound e-mail signed in the Standard Webhooks scheme,
posted to the real API with a real worker, Temporal dev server, database and SMTP sink. The
app's settings carry a webhook secret, so every request here must be signed."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import pytest
from pydantic import SecretStr
from sqlmodel import col, func, select

from nurture.settings import Settings
from nurture.tables import DecisionRecord, EventRecord, SalesTask
from nurture.webhook_deliveries import WebhookDelivery
from nurture.webhook_signatures import signature_headers
from tests.integration.api_driver import Api, at_least, eventually

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
OLD_SECRET = "whsec_b2xkIHNlY3JldCBiZWluZyByb3RhdGVkIG91dA=="


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The `api` fixture's settings, with two secrets (one being rotated out)."""
    return settings.model_copy(
        update={"webhook_secrets": [SecretStr(SECRET), SecretStr(OLD_SECRET)]}
    )


def signed(
    webhook_id: str, body: bytes, *, secret: str = SECRET, content_type: str
) -> dict[str, str]:
    return {
        "content-type": content_type,
        **signature_headers(
            secrets=[secret], webhook_id=webhook_id, timestamp=int(time.time()), body=body
        ),
    }


def event_body(event_id: str, prospect_id: str, kind: str, **data: Any) -> bytes:
    event = {"id": event_id, "prospect_id": prospect_id, "type": kind, "data": data}
    return json.dumps(event).encode()


async def applied(api: Api, prospect_id: str, event_id: str) -> int:
    """How many times the prospect's journey applied the event (from its decisions)."""
    async with api.db.session() as session:
        count = await session.exec(
            select(func.count())
            .select_from(DecisionRecord)
            .where(col(DecisionRecord.workflow_id) == api.workflow(prospect_id).id)
            .where(col(DecisionRecord.kind) == "event_applied")
            .where(col(DecisionRecord.event_id) == event_id)
        )
        return count.one()


async def test_a_signed_event_is_applied_once_and_its_replay_changes_nothing(api: Api) -> None:
    await api.publish()
    await api.enroll("ann")
    body = event_body("webinar-1", "ann", "form_submitted", form_id="webinar")
    headers = signed("msg_ann_1", body, content_type="application/json")

    first = await api.http.post("/events", content=body, headers=headers)
    replayed = await api.http.post("/events", content=body, headers=headers)
    other_body = event_body("webinar-2", "ann", "form_submitted", form_id="webinar")
    reused = await api.http.post(
        "/events",
        content=other_body,
        headers=signed("msg_ann_1", other_body, content_type="application/json"),
    )

    assert first.status_code == 202, first.text
    assert first.json()["events"][0]["delivered_to"] == [api.workflow("ann").id]
    assert (replayed.status_code, replayed.json()["events"][0]["duplicate"]) == (202, True)
    assert reused.status_code == 409
    assert "webhook id reused" in reused.json()["detail"]
    # A later event, applied after the replay (one prospect's signals keep their order).
    read = event_body("read-1", "ann", "content_consumed", content_id="intro")
    later = await api.http.post(
        "/events", content=read, headers=signed("msg_ann_2", read, content_type="application/json")
    )
    assert later.status_code == 202, later.text
    state = await eventually(lambda: api.state_if("ann", lambda state: state["score"] >= 105))
    assert state["score"] == 105  # the webinar bonus counted once, the read's 5 points after it
    assert await eventually(lambda: applied(api, "ann", "webinar-1")) == 1
    async with api.db.session() as session:
        assert await session.get(EventRecord, "webinar-2") is None  # refused before recording
        assert await session.get(WebhookDelivery, "msg_ann_1") is not None


async def test_an_event_signed_with_the_secret_being_rotated_out_is_accepted(api: Api) -> None:
    await api.publish()
    await api.enroll("ben")
    body = event_body("webinar-1", "ben", "form_submitted", form_id="webinar")

    response = await api.http.post(
        "/events",
        content=body,
        headers=signed("msg_ben_1", body, secret=OLD_SECRET, content_type="application/json"),
    )

    assert response.status_code == 202, response.text
    assert await eventually(lambda: applied(api, "ben", "webinar-1")) == 1


async def test_unsigned_and_badly_signed_events_are_refused_and_not_recorded(api: Api) -> None:
    await api.publish()
    await api.enroll("cy")
    body = event_body("webinar-1", "cy", "form_submitted", form_id="webinar")
    wrong_secret = "whsec_" + "QUFB" * 8

    unsigned = await api.http.post(
        "/events", content=body, headers={"content-type": "application/json"}
    )
    wrongly_signed = await api.http.post(
        "/events",
        content=body,
        headers=signed("msg_cy_1", body, secret=wrong_secret, content_type="application/json"),
    )
    stale = await api.http.post(
        "/events",
        content=body,
        headers={
            "content-type": "application/json",
            **signature_headers(
                secrets=[SECRET],
                webhook_id="msg_cy_2",
                timestamp=int(time.time()) - 3600,
                body=body,
            ),
        },
    )

    assert [unsigned.status_code, wrongly_signed.status_code, stale.status_code] == [401] * 3
    assert unsigned.json()["detail"].startswith("unsigned request")
    assert wrongly_signed.json()["detail"].startswith("no signature matches")
    assert "too old" in stale.json()["detail"]
    async with api.db.session() as session:
        assert await session.get(EventRecord, "webinar-1") is None
    assert await applied(api, "cy", "webinar-1") == 0


async def test_a_signature_is_credential_enough_and_no_key_without_one_gets_in(api: Api) -> None:
    await api.publish()
    await api.enroll("dee")
    del api.http.headers["authorization"]  # a webhook sender with the secret and no API key
    body = event_body("webinar-1", "dee", "form_submitted", form_id="webinar")

    signed_only = await api.http.post(
        "/events", content=body, headers=signed("msg_dee_1", body, content_type="application/json")
    )
    neither = await api.http.post(
        "/events", content=body, headers={"content-type": "application/json"}
    )
    forged = await api.http.post(
        "/events",
        content=body,
        headers=signed(
            "msg_dee_2", body, secret="whsec_" + "QUFB" * 8, content_type="application/json"
        ),
    )

    assert signed_only.status_code == 202, signed_only.text
    assert (neither.status_code, forged.status_code) == (401, 401)
    assert await eventually(lambda: applied(api, "dee", "webinar-1")) == 1


async def test_a_signed_inbound_email_is_applied_and_its_retry_answered_alike(api: Api) -> None:
    await api.publish()
    await api.enroll("dee")
    [first] = await eventually(lambda: at_least(1, api.mail_to("dee@example.com")))
    raw = (
        "From: Dee <dee@example.com>\r\n"
        "To: sender@example.com\r\n"
        f"Subject: Re: {first.message['Subject']}\r\n"
        f"Date: {format_datetime(datetime.now(UTC))}\r\n"
        "Message-ID: <reply-dee-1@client.example>\r\n"
        f"In-Reply-To: {first.message['Message-ID']}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n"
        "Sounds good, can you call me on Thursday?\r\n"
    ).encode()
    headers = signed("msg_dee_1", raw, content_type="message/rfc822")

    unsigned = await api.http.post(
        "/inbound/email", content=raw, headers={"content-type": "message/rfc822"}
    )
    received = await api.http.post("/inbound/email", content=raw, headers=headers)
    retried = await api.http.post("/inbound/email", content=raw, headers=headers)

    assert unsigned.status_code == 401
    assert received.status_code == 202, received.text
    assert (received.json()["kind"], received.json()["matched_by"]) == ("reply", "message-id")
    assert (retried.status_code, retried.json()["duplicate"]) == (202, True)
    event_id = received.json()["event_id"]
    await eventually(lambda: applied(api, "dee", event_id))
    async with api.db.session() as session:
        tasks = (
            await session.exec(select(SalesTask).where(col(SalesTask.prospect_id) == "dee"))
        ).all()
    assert [task.title for task in tasks] == ["Answer the reply"]
    assert await applied(api, "dee", event_id) == 1
