"""Inbound e-mail end to end: raw messages posted to the API drive journeys on a real Temporal
dev server (virtual time), with a real database and a real SMTP sink."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiosmtplib
from sqlmodel import select

from nurture.inbound_smtp import serve_inbound_smtp
from nurture.smtp_sink import CaughtMail
from nurture.tables import InboundEmail, SalesTask
from tests.integration.api_driver import Api, at_least, eventually
from workflows.contract import STATE_QUERY, JourneyView, journey_workflow_id

DEMO = (Path(__file__).parents[2] / "definitions" / "b2b_funnel.yaml").read_text()
WARSAW = ZoneInfo("Europe/Warsaw")
MONTHS_PL = [
    "stycznia",
    "lutego",
    "marca",
    "kwietnia",
    "maja",
    "czerwca",
    "lipca",
    "sierpnia",
    "września",
    "października",
    "listopada",
    "grudnia",
]


async def enrolled(api: Api, prospect_id: str) -> CaughtMail:
    """Enrol in the demo journey; returns the first e-mail, the one the prospect answers."""
    await api.publish(DEMO.replace("journey: b2b-funnel", "journey: {journey_id}", 1))
    response = await api.enroll(prospect_id, first_name="Ola", timezone="Europe/Warsaw")
    assert response.status_code == 201, response.text
    return (await eventually(lambda: at_least(1, api.mail_to(f"{prospect_id}@example.com"))))[0]


async def post_raw(api: Api, raw: str) -> tuple[int, dict[str, Any]]:
    response = await api.http.post(
        "/inbound/email", content=raw.encode(), headers={"content-type": "message/rfc822"}
    )
    return response.status_code, dict(response.json())


def answer_to(original: CaughtMail, *, sender: str, headers: str, body: str) -> str:
    return (
        f"From: {sender}\r\n"
        "To: hello@northwind.example.com\r\n"
        f"Subject: {headers}Re: {original.message['Subject']}\r\n"
        f"Date: {format_datetime(datetime.now(UTC))}\r\n"
        f"Message-ID: <{abs(hash(body))}@client.example>\r\n"
        f"In-Reply-To: {original.message['Message-ID']}\r\n"
        f"References: {original.message['Message-ID']}\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n"
        "\r\n"
        f"{body}\r\n"
    )


async def test_an_out_of_office_pauses_until_the_return_date_then_the_sequence_resumes(
    api: Api,
) -> None:
    first = await enrolled(api, "ola")
    back = date.today() + timedelta(days=20)
    raw = answer_to(
        first,
        sender="Ola <ola@example.com>",
        headers="",
        body=(
            f"Dzień dobry,\r\n\r\njestem na urlopie do {back.day} {MONTHS_PL[back.month - 1]}"
            " i nie mam dostępu do poczty. W pilnych sprawach proszę o kontakt z Markiem "
            "Nowakiem: marek.nowak@example.com.\r\n\r\nPozdrawiam,\r\nOla"
        ),
    ).replace("Subject: Re:", "Auto-Submitted: auto-replied\r\nSubject: Automatyczna odpowiedź:")

    status, result = await post_raw(api, raw)
    again, duplicate = await post_raw(api, raw)

    assert status == 202, result
    assert (result["kind"], result["return_date"], result["matched_by"]) == (
        "autoreply",
        back.isoformat(),
        "message-id",
    )
    assert result["alternate_contact"]["email"] == "marek.nowak@example.com"
    assert result["delivered_to"] == [journey_workflow_id(api.journey_id, "ola")]
    assert (again, duplicate["duplicate"]) == (200, True)
    state = await eventually(lambda: api.state_if("ola", _status("paused")))
    resume = datetime.combine(back, datetime.min.time().replace(hour=9), tzinfo=WARSAW)
    assert datetime.fromisoformat(state["paused_until"]) == resume

    await api.forward("ola", timedelta(days=19))
    assert len(api.mail_to("ola@example.com")) == 1  # nothing during the vacation
    await api.forward("ola", resume - datetime.now(UTC) - timedelta(days=19) + timedelta(hours=1))
    [_, follow_up] = await eventually(
        lambda: at_least(2, api.mail_to("ola@example.com")), within=20
    )
    resumed = await eventually(lambda: api.decisions("ola", "resumed"))
    late = resumed[0].at.astimezone(UTC) - resume
    assert timedelta(0) <= late < timedelta(seconds=2), late
    assert follow_up.message["Subject"] != first.message["Subject"]


async def test_a_genuine_reply_hands_off_with_the_reply_text_without_its_history(
    api: Api,
) -> None:
    first = await enrolled(api, "rob")
    raw = answer_to(
        first,
        sender="Rob <rob@example.com>",
        headers="",
        body=(
            "Thanks, we are looking at this for Q3. Can you call me on Tuesday?\r\n\r\n"
            "On Mon, 2 Mar 2026 at 09:00, Northwind wrote:\r\n> Dear Rob,\r\n> "
            "Unsubscribe: https://nurture.example/u/abc"
        ),
    )

    status, result = await post_raw(api, raw)

    assert status == 202 and result["kind"] == "reply", result
    task = await eventually(lambda: _task(api, "rob"))
    assert task.kind == "handoff"
    assert task.message is not None and "call me on Tuesday" in task.message
    assert "Unsubscribe" not in task.message and "wrote:" not in task.message


async def test_a_bounce_marks_the_address_undeliverable(api: Api) -> None:
    first = await enrolled(api, "sam")
    dsn = (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.com>\r\n"
        "To: hello@northwind.example.com\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        f"Date: {format_datetime(datetime.now(UTC))}\r\n"
        "Message-ID: <dsn-1@mx.example.com>\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain\r\n\r\nI'm sorry, your message could not be delivered.\r\n"
        "--b\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.com\r\n\r\n"
        "Final-Recipient: rfc822; sam@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 <sam@example.com>: user unknown\r\n"
        "--b\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: {first.message['Message-ID']}\r\nTo: sam@example.com\r\n"
        "--b--\r\n"
    )

    status, result = await post_raw(api, dsn)

    assert status == 202 and result["kind"] == "bounce", result
    assert result["matched_by"] == "message-id"
    view = await eventually(lambda: _journey_if(api, "sam", lambda s: s["undeliverable"]))
    assert "5.1.1" in view["undeliverable_reason"]


async def test_what_cannot_be_classified_or_matched_becomes_a_review_task(api: Api) -> None:
    raw = (
        "From: stranger@nowhere.example\r\nTo: hello@northwind.example.com\r\n"
        "Subject: Hello\r\nDate: Mon, 2 Mar 2026 09:00:00 +0000\r\n"
        "Message-ID: <stranger-1@nowhere.example>\r\n\r\nWho are you?\r\n"
    )

    status, result = await post_raw(api, raw)
    not_mail = await api.http.post(
        "/inbound/email", content=b"", headers={"content-type": "message/rfc822"}
    )

    assert status == 202 and result["prospect_id"] is None, result
    async with api.db.session() as session:
        task = await session.get(SalesTask, result["review_task_id"])
    assert task is not None and task.queue == "inbound-review"
    assert task.message is not None and "Who are you?" in task.message
    assert not_mail.status_code == 422 and "not an e-mail" in not_mail.text


async def test_overlong_sender_and_message_id_are_kept_for_review_not_refused(api: Api) -> None:
    # Longer than their columns (320 and 400): PostgreSQL, unlike SQLite, would refuse the row.
    sender = f"{'x' * 330}@nowhere.example"
    message_id = f"<{'y' * 450}@nowhere.example>"
    raw = (
        f"From: {sender}\r\nTo: hello@northwind.example.com\r\n"
        "Subject: Hello\r\nDate: Mon, 2 Mar 2026 09:00:00 +0000\r\n"
        f"Message-ID: {message_id}\r\n\r\nWho are you?\r\n"
    )

    status, result = await post_raw(api, raw)
    again, duplicate = await post_raw(api, raw)

    assert status == 202 and result["prospect_id"] is None, result
    assert again == 200 and duplicate["duplicate"] is True, duplicate
    async with api.db.session() as session:
        row = await session.get(InboundEmail, result["inbound_id"])
    assert row is not None and row.message_id is None and row.from_address is None
    assert sender in row.raw and message_id in row.raw


async def _journey_if(api: Api, prospect_id: str, condition: Any) -> dict[str, Any] | None:
    view = await api.workflow(prospect_id).query(STATE_QUERY, result_type=JourneyView)
    state = view.state.model_dump(mode="json")
    return state if condition(state) else None


async def _task(api: Api, prospect_id: str) -> SalesTask | None:
    async with api.db.session() as session:
        return (
            await session.exec(select(SalesTask).where(SalesTask.prospect_id == prospect_id))
        ).first()


async def test_the_inbound_smtp_listener_applies_what_it_receives(api: Api) -> None:
    first = await enrolled(api, "tom")
    server = await serve_inbound_smtp(api.db, api.temporal.client, host="127.0.0.1", port=0)
    port = server.sockets[0].getsockname()[1]
    raw = answer_to(
        first, sender="Tom <tom@example.com>", headers="", body="Please remove me from your list."
    )
    try:
        errors, reply = await aiosmtplib.send(
            raw.encode(),
            sender="tom@example.com",
            recipients=["hello@northwind.example.com"],
            hostname="127.0.0.1",
            port=port,
        )
    finally:
        server.close()
        await server.wait_closed()

    assert errors == {} and reply.startswith("2.0.0"), reply
    state = await eventually(lambda: api.state_if("tom", _status("unsubscribed")))
    assert state["status"] == "unsubscribed"


def _status(status: str) -> Callable[[dict[str, Any]], bool]:
    return lambda state: bool(state["status"] == status)
