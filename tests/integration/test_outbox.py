"""The outbox against real SMTP servers and a real database: each message leaves at most once.

Every server here is aiosmtpd on a real socket, made to answer as real servers do when they
defer, bounce, refuse us, or drop the connection in the middle of DATA.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from sqlalchemy import update
from sqlmodel import col
from temporalio.exceptions import ApplicationError

from activities.outbox_delivery import Envelope, Outcome, deliver_once
from nurture.db import Database
from nurture.metrics import SMTP_ALERTS
from nurture.outbox import OutboxMessage
from nurture.settings import Settings
from nurture.smtp_sink import CatchingHandler, MailSink, free_port
from nurture.suppressions import suppress, suppression_of
from tests.fixtures.smtp import RefusingHandler

ADA = "ada@example.com"


def _message(key: str = "journey:j:prospect:ada/send/1", to: str = ADA) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "anna@acme.example"
    message["To"] = to
    message["Subject"] = "Your guide"
    message["Message-ID"] = f"<{abs(hash(key))}@acme.example>"
    message.set_content("Hello")
    return message


def _envelope(key: str = "journey:j:prospect:ada/send/1", to: str = ADA) -> Envelope:
    return Envelope(key=key, kind="journey", to_address=to, prospect_id="ada")


async def _send(
    db: Database, settings: Settings, key: str = "journey:j:prospect:ada/send/1"
) -> Outcome:
    return await deliver_once(db, settings, envelope=_envelope(key), message=_message(key))


async def _row(db: Database, key: str = "journey:j:prospect:ada/send/1") -> OutboxMessage:
    async with db.session() as session:
        row = await session.get(OutboxMessage, key)
    assert row is not None
    return row


Server = Callable[[type[CatchingHandler]], tuple[MailSink, Settings]]


@pytest.fixture
def server(settings: Settings) -> Iterator[Server]:
    """Starts a sink with the handler a test names; answers it and settings pointing at it."""
    sinks: list[MailSink] = []

    def start(handler_class: type[CatchingHandler]) -> tuple[MailSink, Settings]:
        sink = MailSink(handler_class=handler_class)
        sink.start()
        sinks.append(sink)
        return sink, settings.model_copy(update={"smtp_port": sink.port, "smtp_timeout_seconds": 5})

    yield start
    for sink in sinks:
        sink.stop()


async def test_a_second_attempt_after_success_sends_nothing(
    database: Database, settings: Settings, smtp_sink: MailSink
) -> None:
    first = await _send(database, settings)
    again = await _send(database, settings)

    assert first.state == again.state == "sent"
    assert first.message_id == again.message_id
    assert len(smtp_sink.messages) == 1
    row = await _row(database)
    assert (row.state, row.attempts) == ("sent", 1)


async def test_concurrent_attempts_transmit_one_copy(
    database: Database, settings: Settings, smtp_sink: MailSink
) -> None:
    outcomes = await asyncio.gather(
        *(_send(database, settings) for _ in range(5)), return_exceptions=True
    )

    await asyncio.sleep(0.3)
    assert len(smtp_sink.messages) == 1
    sent = [o for o in outcomes if isinstance(o, Outcome)]
    # The others stopped before DATA with a retryable error; their retry answers "sent".
    in_progress = [o for o in outcomes if isinstance(o, ApplicationError)]
    assert all(o.type == "SendInProgress" and not o.non_retryable for o in in_progress)
    assert len(sent) + len(in_progress) == 5
    assert (await _send(database, settings)).state == "sent"
    assert len(smtp_sink.messages) == 1


class DeferOnce(CatchingHandler):
    def __init__(self, sink: MailSink) -> None:
        super().__init__(sink)
        self.deferred = False

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if not self.deferred:
            self.deferred = True
            return "451 4.7.1 greylisted, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"


async def test_a_4xx_is_retryable_and_the_retry_delivers_once(
    database: Database, server: Server
) -> None:
    sink, settings = server(DeferOnce)

    with pytest.raises(ApplicationError) as deferred:
        await _send(database, settings)
    assert deferred.value.type == "RecipientDeferred"
    assert not deferred.value.non_retryable
    assert (await _row(database)).state == "pending"

    assert (await _send(database, settings)).state == "sent"
    assert len(sink.messages) == 1


async def test_a_hard_bounce_fails_for_good_and_suppresses_the_address(
    database: Database, server: Server
) -> None:
    sink, settings = server(RefusingHandler)

    with pytest.raises(ApplicationError) as bounced:
        await _send(database, settings)

    assert bounced.value.type == "AddressRejected"
    assert bounced.value.non_retryable
    assert "5.1.1" in str(bounced.value)
    row = await _row(database)
    assert row.state == "failed"
    async with database.session() as session:
        entry = await suppression_of(session, address="ADA@example.com ")
    assert entry is not None
    assert entry.reason == "hard_bounce"
    # Asked again (a reset workflow, a replay), it fails the same way without any SMTP.
    with pytest.raises(ApplicationError) as again:
        await _send(database, settings)
    assert again.value.type == "AddressRejected"
    assert sink.messages == []


class PolicyRefusal(CatchingHandler):
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        return "554 5.7.1 message refused: sender reputation"


async def test_a_policy_refusal_is_an_alert_not_a_bounce(
    database: Database, server: Server
) -> None:
    _, settings = server(PolicyRefusal)
    alerts = SMTP_ALERTS.labels(kind="policy")._value.get()

    with pytest.raises(ApplicationError) as refused:
        await _send(database, settings)

    assert refused.value.type == "SmtpRefused"
    assert refused.value.non_retryable
    assert SMTP_ALERTS.labels(kind="policy")._value.get() == alerts + 1
    async with database.session() as session:
        assert await suppression_of(session, address=ADA) is None


async def test_a_refused_login_is_an_alert(database: Database, settings: Settings) -> None:
    port = free_port()
    controller = Controller(
        CatchingHandler(MailSink()),
        hostname="127.0.0.1",
        port=port,
        auth_require_tls=False,
        authenticator=lambda *_: AuthResult(success=False, handled=False),
    )
    controller.start()
    alerts = SMTP_ALERTS.labels(kind="auth")._value.get()
    try:
        with pytest.raises(ApplicationError) as refused:
            await _send(
                database,
                settings.model_copy(
                    update={"smtp_port": port, "smtp_username": "u", "smtp_password": "wrong"}
                ),
            )
    finally:
        controller.stop()

    assert refused.value.type == "SmtpAuthFailed"
    assert refused.value.non_retryable
    assert "535" in str(refused.value)
    assert SMTP_ALERTS.labels(kind="auth")._value.get() == alerts + 1
    assert (await _row(database)).state == "failed"


class DropAfterData(CatchingHandler):
    """Keeps the message, then hangs up before answering: the client cannot know it arrived."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await super().handle_DATA(server, session, envelope)
        server.transport.close()
        return "250 accepted"


async def test_a_connection_lost_during_data_is_uncertain_and_not_sent_again(
    database: Database, server: Server
) -> None:
    sink, settings = server(DropAfterData)

    first = await _send(database, settings)
    again = await _send(database, settings)

    assert (first.state, again.state) == ("uncertain", "uncertain")
    assert "during DATA" in (first.detail or "")
    assert len(sink.messages) == 1
    assert (await _row(database)).state == "uncertain"


async def test_the_resend_policy_sends_an_uncertain_message_again_with_its_message_id(
    database: Database, server: Server
) -> None:
    sink, settings = server(DropAfterData)
    settings = settings.model_copy(update={"uncertain_sends": "resend"})

    with pytest.raises(ApplicationError) as lost:
        await _send(database, settings)
    assert lost.value.type == "DeliveryUncertain"
    assert not lost.value.non_retryable
    with pytest.raises(ApplicationError):
        await _send(database, settings)

    copies = sink.messages
    assert len(copies) == 2
    assert copies[0].message["Message-ID"] == copies[1].message["Message-ID"]


async def test_an_attempt_that_died_during_data_leaves_an_uncertain_message(
    database: Database, settings: Settings, smtp_sink: MailSink
) -> None:
    await _send(database, settings, key="other")  # a row to copy
    await _send(database, settings)
    # As a worker killed between the compare-and-set and DATA's reply would leave it.
    async with database.session() as session:
        await session.exec(
            update(OutboxMessage)
            .where(col(OutboxMessage.key) == "journey:j:prospect:ada/send/1")
            .values(state="sending")
        )
        await session.commit()
    smtp_sink.clear()

    outcome = await _send(database, settings)

    assert outcome.state == "uncertain"
    assert smtp_sink.messages == []


async def test_under_resend_a_message_an_attempt_may_still_be_sending_is_not_sent_again_yet(
    database: Database, settings: Settings, smtp_sink: MailSink
) -> None:
    resend = settings.model_copy(update={"uncertain_sends": "resend"})
    await _send(database, settings)
    key = "journey:j:prospect:ada/send/1"
    smtp_sink.clear()

    async def set_sending(since: datetime) -> None:
        # As an attempt past its activity timeout, still in DATA, leaves the row.
        async with database.session() as session:
            await session.exec(
                update(OutboxMessage)
                .where(col(OutboxMessage.key) == key)
                .values(state="sending", updated_at=since)
            )
            await session.commit()

    await set_sending(datetime.now(UTC))
    with pytest.raises(ApplicationError) as waiting:
        await _send(database, resend)
    assert (waiting.value.type, waiting.value.non_retryable) == ("SendInProgress", False)
    assert smtp_sink.messages == []
    assert (await _row(database)).state == "sending"

    # Longer ago than an attempt can still be busy with it: that attempt is gone.
    await set_sending(datetime.now(UTC) - timedelta(minutes=5))
    outcome = await _send(database, resend)

    assert outcome.state == "sent"
    [copy] = await smtp_sink.wait_for(1)
    assert copy.message["Message-ID"] == _message(key)["Message-ID"]


async def test_a_suppressed_address_is_never_sent_to(
    database: Database, settings: Settings, smtp_sink: MailSink
) -> None:
    async with database.session() as session:
        await suppress(
            session,
            address="Ada@Example.com",
            reason="unsubscribed",
            source="test",
            at=datetime.now(UTC),
        )

    outcome = await _send(database, settings)

    assert outcome.state == "suppressed"
    assert "unsubscribed" in (outcome.detail or "")
    await asyncio.sleep(0.2)
    assert smtp_sink.messages == []
    assert (await _row(database)).state == "suppressed"


class RefuseSecond(CatchingHandler):
    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address.startswith("gone"):
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"


async def test_a_partial_refusal_stops_before_data_and_suppresses_only_the_refused(
    database: Database, server: Server
) -> None:
    sink, settings = server(RefuseSecond)
    message = _message()
    message["Cc"] = "gone@example.com"

    with pytest.raises(ApplicationError) as refused:
        await deliver_once(database, settings, envelope=_envelope(), message=message)

    assert refused.value.type == "AddressRejected"
    assert sink.messages == []
    async with database.session() as session:
        assert await suppression_of(session, address="gone@example.com") is not None
        assert await suppression_of(session, address=ADA) is None


async def test_an_address_that_cannot_be_put_on_the_wire_fails_for_good(
    database: Database, settings: Settings, smtp_sink: MailSink
) -> None:
    # Enrolled before the API refused such addresses, or named by a salesperson: retrying
    # would fail the same way forever.
    unusable = "bo\x01b@example.com"

    with pytest.raises(ApplicationError) as refused:
        await deliver_once(
            database, settings, envelope=_envelope(to=unusable), message=_message(to=unusable)
        )

    assert refused.value.type == "AddressRejected"
    assert refused.value.non_retryable
    assert "cannot be used" in str(refused.value)
    assert (await _row(database)).state == "failed"
    assert smtp_sink.messages == []


async def test_the_smtp_server_down_leaves_the_message_pending_for_the_retry(
    database: Database, settings: Settings
) -> None:
    nowhere = settings.model_copy(update={"smtp_port": free_port(), "smtp_timeout_seconds": 2})

    with pytest.raises(Exception) as down:
        await _send(database, nowhere)

    assert not isinstance(down.value, ApplicationError) or not down.value.non_retryable
    row = await _row(database)
    assert row.state == "pending"
    assert row.last_error
