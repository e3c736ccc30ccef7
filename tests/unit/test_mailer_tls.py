"""NURTURE_SMTP_TLS reaches the SMTP connection: a required STARTTLS or implicit TLS never
falls back to a plain connection (the sink here speaks plain SMTP only)."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

import aiosmtplib
import pytest

from activities.smtp_transaction import transmit
from nurture.settings import Settings
from nurture.smtp_sink import MailSink


def _message() -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@acme.example", "b@x.example", "Hi"
    message.set_content("Hello")
    return message


async def _nothing() -> None:
    return None


def _settings(sink: MailSink, **tls: Any) -> Settings:
    return Settings(
        _env_file=None, smtp_host=sink.host, smtp_port=sink.port, smtp_timeout_seconds=5, **tls
    )


async def test_plain_smtp_delivers(smtp_sink: MailSink) -> None:
    await transmit(_message(), settings=_settings(smtp_sink, smtp_tls="none"), before_data=_nothing)

    assert [mail.message["Subject"] for mail in await smtp_sink.wait_for(1)] == ["Hi"]


@pytest.mark.parametrize("tls", [{"smtp_tls": "starttls"}, {"smtp_starttls": True}])
async def test_starttls_is_required_not_opportunistic(
    smtp_sink: MailSink, tls: dict[str, Any]
) -> None:
    with pytest.raises(aiosmtplib.SMTPException, match="STARTTLS extension not supported"):
        await transmit(_message(), settings=_settings(smtp_sink, **tls), before_data=_nothing)

    assert smtp_sink.messages == []


async def test_implicit_tls_handshakes_before_any_smtp(smtp_sink: MailSink) -> None:
    with pytest.raises(aiosmtplib.SMTPException):
        await transmit(
            _message(), settings=_settings(smtp_sink, smtp_tls="implicit"), before_data=_nothing
        )

    assert smtp_sink.messages == []
