"""Malformed inbound e-mails are classified or refused with a clear reason, never an exception.

The corpus is `tests/unit/malformed_mail.py` (shared with the API test). Each message is read,
classified, and what can still be recovered from it (the sender, the words) is.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from inbound.classify import Classification, classify
from inbound.contacts import alternate_contact
from inbound.message import InboundMessage, MessageUnreadable, parse_message
from inbound.mime import MAX_TEXT_CHARS
from inbound.webhook import message_from_webhook
from tests.unit.malformed_mail import CORPUS, NOT_EMAILS, Malformed

SENDER = "ada@shop.example"
RECEIVED = datetime(2026, 9, 7, 9, 0, tzinfo=UTC)
# A 5 MB message on a busy 2-core machine; a reply must not hold the API much longer.
SECONDS = 5.0


def _read(case: Malformed) -> tuple[InboundMessage, Classification]:
    message = parse_message(case.raw(SENDER))
    return message, classify(message, received_at=RECEIVED)


def _by_name(name: str) -> Malformed:
    return next(case for case in CORPUS if case.name == name)


@pytest.mark.parametrize("case", CORPUS, ids=[case.name for case in CORPUS])
def test_each_is_classified_with_a_reason_in_bounded_time(case: Malformed) -> None:
    started = time.monotonic()

    message, verdict = _read(case)

    assert time.monotonic() - started < SECONDS
    assert verdict.kind in {"reply", "autoreply", "bounce", "unsubscribe", "unknown"}
    assert verdict.reason
    assert message.from_address == SENDER  # whom it came from is never lost
    assert len(message.text) <= MAX_TEXT_CHARS


@pytest.mark.parametrize(
    "name",
    [
        "boundary that never occurs",
        "multipart without a boundary",
        "boundary never closed",
        "no Date, Message-ID or Subject",
        "parts nested 50 deep",
    ],
)
def test_broken_mime_still_gives_the_words_of_the_reply(name: str) -> None:
    message, verdict = _read(_by_name(name))

    assert "call me on Tuesday" in message.text.replace("Can we talk", "call me")
    assert verdict.kind == "reply"


def test_a_wrong_or_unknown_charset_still_gives_readable_text() -> None:
    assert "Zażółć gęślą" in _read(_by_name("UTF-8 declared as ASCII"))[0].text
    assert "Grüße" in _read(_by_name("unknown charset"))[0].text
    message, verdict = _read(_by_name("Windows-1250 declared as UTF-8"))
    # The one byte that is not UTF-8 is replaced; the rest of the sentence still reads.
    assert "Jestem na urlopie do 15 wrze\ufffdnia" in message.text
    assert verdict.kind == "autoreply"  # "na urlopie": an absence notice, if without its date


def test_undecodable_bytes_are_decoded_as_well_as_they_can_be() -> None:
    message, _ = _read(_by_name("undecodable bytes"))

    assert message.text  # Windows-1252 decodes any byte
    assert "\x00" not in message.text


def test_missing_headers_leave_the_fields_empty_and_the_date_to_the_receipt() -> None:
    message, verdict = _read(_by_name("no Date, Message-ID or Subject"))

    assert (message.message_id, message.subject, message.sent_at) == (None, "", None)
    assert verdict.kind == "reply"
    assert _read(_by_name("a Date nobody can read"))[0].sent_at is None


def test_headers_without_a_body_are_unknown_for_lack_of_words() -> None:
    _, verdict = _read(_by_name("headers and no body"))

    assert (verdict.kind, verdict.reason) == ("unknown", "no new text")


@pytest.mark.parametrize("name", ["5 MB of text", "5 MB of HTML", "5 MB on one line"])
def test_a_huge_body_is_cut_to_the_text_kept(name: str) -> None:
    message, _ = _read(_by_name(name))

    assert 0 < len(message.text) <= MAX_TEXT_CHARS


def test_parts_nested_too_deep_to_read_go_to_a_person_with_the_reason() -> None:
    message, verdict = _read(_by_name("parts nested 5000 deep"))

    assert verdict.kind == "unknown"
    assert verdict.reason == (
        "the MIME parts are nested too deeply to read: a person reads the message"
    )
    assert message.message_id == "<nested-5000@client.example>"


def test_an_encoded_line_break_never_reaches_the_subject() -> None:
    message, _ = _read(_by_name("a line break in an encoded subject"))

    assert message.subject == "Hello Bcc: victim@example.net"


def test_an_encoded_display_name_cannot_pass_for_the_sender_address() -> None:
    message, _ = _read(_by_name("an address smuggled in an encoded display name"))

    assert message.from_address == SENDER
    assert message.from_name == "Eve Bcc: victim@example.net"


def test_nul_bytes_are_dropped_from_the_text() -> None:
    message, verdict = _read(_by_name("NUL bytes"))

    assert message.text.strip() == "Call me."
    assert verdict.kind == "reply"


def test_an_absurd_phone_number_is_no_alternate_contact() -> None:
    _, verdict = _read(_by_name("an absurd phone number in an autoreply"))

    assert verdict.kind == "autoreply"
    assert verdict.alternate_contact is None
    found = alternate_contact("In urgent matters please call +48 601 234 567.", sender=None)
    assert found is not None
    assert found.phone == "+48 601 234 567"


@pytest.mark.parametrize("name", list(NOT_EMAILS))
def test_what_is_not_an_email_is_refused_with_the_reason(name: str) -> None:
    raw, reason = NOT_EMAILS[name]

    with pytest.raises(MessageUnreadable, match=reason):
        parse_message(raw)


def test_a_webhook_header_the_standard_library_chokes_on_costs_only_that_header() -> None:
    # `;` as an address header made the header registry raise AttributeError.
    payload = {"From": "ada@shop.example", "To": ";", "TextBody": "Call me."}

    message = parse_message(message_from_webhook(payload))

    assert (message.from_address, message.text.strip()) == ("ada@shop.example", "Call me.")
