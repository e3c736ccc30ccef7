"""Parsing inbound e-mail: fields, bodies, and everything senders get wrong."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inbound.classify import classify
from inbound.message import MessageUnreadable, parse_message
from inbound.mime import MAX_TEXT_CHARS

HEADERS = (
    b"From: =?utf-8?q?Zofia_=C5=BBak?= <Zofia.Zak@Firma.PL>\r\n"
    b"To: Sales <sales@us.example>, bob@us.example\r\n"
    b"Subject: =?utf-8?b?WmFweXRhbmllIG8gb2ZlcnTEmQ==?=\r\n"
    b"Date: Thu, 20 Aug 2026 10:00:00 +0200\r\n"
    b"Message-ID: <reply-1@firma.pl>\r\n"
    b"In-Reply-To: <sent-1@us.example>\r\n"
    b"References: <sent-0@us.example>\r\n <sent-1@us.example>\r\n"
)

CONTENT_TYPES = [
    b"Content-Type: text/plain; charset=utf-8\r\n\r\n",
    b"Content-Type: text/html; charset=x-bogus\r\n\r\n",
    b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n',
    b"Content-Type: multipart/report; report-type=delivery-status\r\n\r\n",
    b"Content-Transfer-Encoding: base64\r\n\r\n",
    b"Content-Transfer-Encoding: quoted-printable\r\n\r\n",
]


def test_header_fields() -> None:
    message = parse_message(HEADERS + b"Content-Type: text/plain\r\n\r\nHello\r\n")

    assert message.message_id == "<reply-1@firma.pl>"
    assert message.from_address == "zofia.zak@firma.pl"
    assert message.from_name == "Zofia Żak"
    assert message.to_addresses == ("sales@us.example", "bob@us.example")
    assert message.subject == "Zapytanie o ofertę"
    assert message.sent_at == datetime(2026, 8, 20, 8, 0, tzinfo=UTC)
    assert message.sent_at.utcoffset() == timedelta(hours=2)
    assert message.in_reply_to == ("<sent-1@us.example>",)
    assert message.references == ("<sent-0@us.example>", "<sent-1@us.example>")
    assert message.headers["message-id"] == "<reply-1@firma.pl>"
    assert message.text == "Hello\n"
    assert not message.has_attachments
    assert message.delivery_status is None


def test_a_string_is_accepted_as_well_as_bytes() -> None:
    message = parse_message("From: a@b.example\nSubject: Zażółć\n\nGęślą jaźń")

    assert message.subject == "Zażółć"
    assert message.text == "Gęślą jaźń"


def test_missing_headers_are_none_or_empty() -> None:
    message = parse_message(b"X-Custom: 1\r\n\r\nbody")

    assert message.from_address is None
    assert message.subject == ""
    assert message.sent_at is None
    assert message.message_id is None
    assert message.to_addresses == ()


def test_a_date_without_a_zone_is_read_as_utc() -> None:
    message = parse_message(b"Date: Thu, 20 Aug 2026 10:00:00 -0000\r\n\r\nhi")

    assert message.sent_at == datetime(2026, 8, 20, 10, 0, tzinfo=UTC)


def test_a_garbled_date_is_none() -> None:
    assert parse_message(b"Date: sometime soon\r\n\r\nhi").sent_at is None


@pytest.mark.parametrize("raw", [b"", b"   \r\n", "", b"just some words, no headers at all"])
def test_input_that_is_no_email_is_unreadable(raw: bytes | str) -> None:
    with pytest.raises(MessageUnreadable):
        parse_message(raw)


def test_an_unknown_charset_falls_back_to_utf8() -> None:
    raw = "Content-Type: text/plain; charset=x-no-such-charset\r\n\r\nZażółć".encode()

    assert parse_message(raw).text == "Zażółć"


def test_ascii_declared_but_utf8_sent_is_read_as_utf8() -> None:
    raw = b"Content-Type: text/plain; charset=us-ascii\r\n\r\nGr\xc3\xbc\xc3\x9fe"

    assert parse_message(raw).text == "Grüße"


def test_bytes_invalid_in_every_declared_charset_never_raise() -> None:
    raw = b"Content-Type: text/plain; charset=utf-8\r\n\r\nbad \xff\xfe\xc3 bytes"

    assert parse_message(raw).text.startswith("bad ")


def test_undeclared_latin2_header_bytes_are_kept_readable() -> None:
    message = parse_message(b"Subject: Wiadomo\xc5\x9b\xc4\x87\r\n\r\nhi")

    assert message.subject == "Wiadomość"


def test_an_html_only_body_becomes_text_with_quotes_marked() -> None:
    raw = (
        b"Content-Type: text/html; charset=utf-8\r\n\r\n"
        b"<html><head><style>p {color: red}</style></head><body>"
        b"<p>Thanks&nbsp;&amp; see you</p><div>Bob</div>"
        b"<blockquote><p>Our offer</p></blockquote></body></html>"
    )

    assert parse_message(raw).text == "Thanks & see you\n\nBob\n> Our offer"


def test_the_plain_part_of_an_alternative_is_preferred() -> None:
    raw = (
        b'Content-Type: multipart/alternative; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nplain text\r\n"
        b"--b\r\nContent-Type: text/html\r\n\r\n<p>html text</p>\r\n--b--\r\n"
    )

    assert parse_message(raw).text.strip() == "plain text"


def test_an_attachment_is_noticed_and_not_read_as_the_body() -> None:
    raw = (
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\n\r\n"
        b'--b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename="a.txt"\r\n'
        b"\r\nfile content\r\n"
        b'--b\r\nContent-Type: application/pdf; name="x.pdf"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n--b--\r\n"
    )
    message = parse_message(raw)

    assert message.has_attachments
    assert message.text == ""


def test_broken_mime_still_yields_the_text() -> None:
    raw = (
        b'Content-Type: multipart/mixed; boundary="never-closed"\r\n\r\n'
        b"--never-closed\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        b"SGVsbG8gdGhlcmU=!!not base64 at all\r\n"
    )

    assert "Hello" in parse_message(raw).text


def test_a_multipart_without_boundary_is_read_as_plain_text() -> None:
    raw = b"Content-Type: multipart/mixed\r\n\r\nsome text without parts"

    assert parse_message(raw).text == "some text without parts"


def test_a_huge_body_is_capped_quickly() -> None:
    raw = b"Content-Type: text/plain\r\n\r\n" + b"spam and eggs " * (5_000_000 // 14)
    started = time.perf_counter()

    message = parse_message(raw)

    assert len(message.text) == MAX_TEXT_CHARS
    assert time.perf_counter() - started < 5


def test_a_huge_html_body_is_capped_too() -> None:
    raw = b"Content-Type: text/html\r\n\r\n" + b"<p>spam and eggs</p>" * (5_000_000 // 20)

    assert len(parse_message(raw).text) <= MAX_TEXT_CHARS


def test_other_zones_are_kept() -> None:
    message = parse_message(b"Date: Thu, 20 Aug 2026 23:30:00 -0500\r\n\r\nhi")

    assert message.sent_at is not None
    assert message.sent_at.tzinfo == timezone(timedelta(hours=-5))


@settings(max_examples=300, deadline=None)
@given(body=st.binary(max_size=2000), content_type=st.sampled_from(CONTENT_TYPES))
def test_no_body_makes_parsing_or_classifying_raise(body: bytes, content_type: bytes) -> None:
    raw = b"From: a@b.example\r\nDate: Thu, 20 Aug 2026 10:00:00 +0000\r\n" + content_type + body

    result = classify(parse_message(raw))

    assert result.kind in {"reply", "autoreply", "bounce", "unsubscribe", "unknown"}
