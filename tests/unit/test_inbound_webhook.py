"""Webhook payloads of the common inbound-parse providers become raw messages."""

from __future__ import annotations

from typing import Any

import pytest

from inbound.message import parse_message
from inbound.webhook import message_from_webhook

RAW = "From: bob@x.example\r\nSubject: Hi\r\nMessage-ID: <m1@x.example>\r\n\r\nHello"


@pytest.mark.parametrize("key", ["raw", "email", "body-mime"])
def test_a_raw_message_is_passed_through(key: str) -> None:
    assert message_from_webhook({key: RAW}) == RAW.encode()


def test_raw_bytes_are_passed_through_unchanged() -> None:
    assert message_from_webhook({"raw": b"From: a@b.example\r\n\r\n\xff"}) == (
        b"From: a@b.example\r\n\r\n\xff"
    )


def test_postmark_fields_are_rebuilt_into_a_message() -> None:
    payload: dict[str, Any] = {
        "From": "Zofia Żak <zofia@firma.pl>",
        "To": "sales@us.example",
        "Subject": "Automatyczna odpowiedź: Oferta",
        "Date": "Thu, 20 Aug 2026 10:00:00 +0200",
        "MessageID": "22c74902-a0c1-4511-804f-341342852c90",
        "TextBody": "Jestem na urlopie do 15 września.",
        "HtmlBody": "<p>Jestem na urlopie do 15 września.</p>",
        "Headers": [
            {"Name": "Auto-Submitted", "Value": "auto-replied"},
            {"Name": "Message-ID", "Value": "<real-id@firma.pl>"},
            {"Name": "In-Reply-To", "Value": "<sent-1@us.example>"},
            {"Name": "Content-Type", "Value": "multipart/alternative; boundary=gone"},
        ],
    }

    message = parse_message(message_from_webhook(payload))

    assert message.from_address == "zofia@firma.pl"
    assert message.from_name == "Zofia Żak"
    assert message.subject == "Automatyczna odpowiedź: Oferta"
    assert message.headers["auto-submitted"] == "auto-replied"
    # The message's own Message-ID header wins over the provider's id.
    assert message.message_id == "<real-id@firma.pl>"
    assert message.in_reply_to == ("<sent-1@us.example>",)
    assert message.text.strip() == "Jestem na urlopie do 15 września."


def test_postmark_message_id_is_used_when_the_headers_lack_one() -> None:
    payload = {"From": "bob@x.example", "MessageID": "abc-123", "TextBody": "Hi"}

    assert parse_message(message_from_webhook(payload)).message_id == "<abc-123>"


def test_sendgrid_fields_are_rebuilt_into_a_message() -> None:
    payload = {
        "headers": (
            "From: Bob <bob@x.example>\nTo: sales@us.example\nSubject: Re: Offer\n"
            "Date: Thu, 20 Aug 2026 10:00:00 +0000\nMessage-ID: <r1@x.example>\n"
            "In-Reply-To: <sent-1@us.example>\nContent-Type: multipart/mixed; boundary=x\n"
        ),
        "text": "Sounds good, call me.",
        "html": "<p>Sounds good, call me.</p>",
        "from": "Bob <bob@x.example>",
        "to": "sales@us.example",
        "subject": "Re: Offer",
    }

    message = parse_message(message_from_webhook(payload))

    assert message.from_address == "bob@x.example"
    assert message.message_id == "<r1@x.example>"
    assert message.in_reply_to == ("<sent-1@us.example>",)
    assert message.text.strip() == "Sounds good, call me."


def test_sendgrid_html_only() -> None:
    payload = {"from": "bob@x.example", "html": "<p>Please remove me</p>"}

    assert parse_message(message_from_webhook(payload)).text == "Please remove me"


def test_an_unknown_payload_names_what_is_missing() -> None:
    with pytest.raises(ValueError, match=r"'raw'.*'From'"):
        message_from_webhook({"foo": "bar"})


def test_a_postmark_payload_without_a_body_names_what_is_missing() -> None:
    with pytest.raises(ValueError, match="'TextBody' or 'HtmlBody'"):
        message_from_webhook({"From": "bob@x.example", "Subject": "Hi"})


def test_a_sendgrid_payload_without_a_sender_names_what_is_missing() -> None:
    with pytest.raises(ValueError, match="'from'"):
        message_from_webhook({"headers": "Subject: hi\n", "text": "Hello"})


def test_header_values_cannot_inject_headers() -> None:
    payload = {
        "From": "bob@x.example",
        "TextBody": "Hi",
        "Headers": [{"Name": "X-Note", "Value": "a\r\nBcc: victim@x.example"}],
    }

    message = parse_message(message_from_webhook(payload))

    assert "bcc" not in message.headers
