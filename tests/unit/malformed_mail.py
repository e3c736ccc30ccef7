"""Malformed inbound e-mails, shared by the unit tests (parsing, classifying) and the API test.

Each is what a real sender, mail server or attacker may send: broken MIME, wrong charsets,
undecodable bytes, missing headers, huge bodies, parts nested thousands deep, line breaks
smuggled into headers through encoded words. `sender` lets a test make it come from a prospect.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

SENT = "Mon, 7 Sep 2026 10:00:00 +0200"
FIVE_MB = 5 * 1024 * 1024


def headers(sender: str, *, message_id: str, subject: str = "Re: Your support inbox") -> str:
    return (
        f"From: Ada <{sender}>\r\nTo: hello@northwind.example.com\r\nSubject: {subject}\r\n"
        f"Date: {SENT}\r\nMessage-ID: <{message_id}@client.example>\r\nMIME-Version: 1.0\r\n"
    )


def _nested(sender: str, name: str, depth: int) -> str:
    opening = "".join(
        f'Content-Type: multipart/mixed; boundary="b{level}"\r\n\r\n--b{level}\r\n'
        for level in range(depth)
    )
    closing = "".join(f"\r\n--b{level}--" for level in reversed(range(depth)))
    return (
        headers(sender, message_id=name)
        + opening
        + "Content-Type: text/plain\r\n\r\nCan we talk on Tuesday?"
        + closing
        + "\r\n"
    )


@dataclass(frozen=True)
class Malformed:
    name: str
    build: Callable[[str], bytes]  # the raw message, from the given sender address

    def raw(self, sender: str) -> bytes:
        return self.build(sender)


def _text(name: str, content_type: str, body: bytes) -> Callable[[str], bytes]:
    def build(sender: str) -> bytes:
        top = headers(sender, message_id=name) + content_type + "\r\n\r\n"
        return top.encode() + body

    return build


CORPUS = [
    Malformed(
        "boundary that never occurs",
        lambda s: (
            headers(s, message_id="boundary")
            + 'Content-Type: multipart/alternative; boundary="declared"\r\n\r\n--other\r\n'
            "Content-Type: text/plain\r\n\r\nThanks, call me on Tuesday.\r\n--other--\r\n"
        ).encode(),
    ),
    Malformed(
        "multipart without a boundary",
        _text("no-boundary", "Content-Type: multipart/mixed", b"Thanks, call me on Tuesday.\r\n"),
    ),
    Malformed(
        "boundary never closed",
        lambda s: (
            headers(s, message_id="unclosed")
            + 'Content-Type: multipart/mixed; boundary="a"\r\n\r\n--a\r\n'
            "Content-Type: text/plain\r\n\r\nThanks, call me on Tuesday.\r\n"
        ).encode(),
    ),
    Malformed(
        "unknown charset",
        _text("klingon", 'Content-Type: text/plain; charset="x-klingon"', "Grüße".encode()),
    ),
    Malformed(
        "UTF-8 declared as ASCII",
        _text("ascii", 'Content-Type: text/plain; charset="us-ascii"', "Zażółć gęślą".encode()),
    ),
    Malformed(
        "Windows-1250 declared as UTF-8",
        _text(
            "cp1250",
            'Content-Type: text/plain; charset="utf-8"',
            "Jestem na urlopie do 15 września.".encode("cp1250"),
        ),
    ),
    Malformed(
        "undecodable bytes",
        _text("bytes", "Content-Type: text/plain", bytes(range(1, 256)) * 4),
    ),
    Malformed(
        "broken base64",
        _text(
            "base64",
            "Content-Type: text/plain\r\nContent-Transfer-Encoding: base64",
            b"!!! not base64 @@@\r\n",
        ),
    ),
    Malformed(
        "broken quoted-printable",
        _text(
            "qp",
            "Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable",
            b"=ZZ broken =\r\n=",
        ),
    ),
    Malformed(
        "no Date, Message-ID or Subject",
        lambda s: f"From: {s}\r\n\r\nThanks, call me on Tuesday.\r\n".encode(),
    ),
    Malformed(
        "a Date nobody can read",
        lambda s: f"From: {s}\r\nDate: 99 Foo 99999 99:99:99 +9999\r\n\r\nCall me.\r\n".encode(),
    ),
    Malformed("headers and no body", lambda s: f"From: {s}\r\nSubject: hi\r\n".encode()),
    Malformed(
        "5 MB of text",
        _text("big-text", "Content-Type: text/plain", b"I am away until Monday. " * 220_000),
    ),
    Malformed(
        "5 MB of HTML",
        _text(
            "big-html",
            "Content-Type: text/html",
            b"<div><p>Call me <b>on Tuesday</b></p></div>" * 125_000,
        ),
    ),
    Malformed("5 MB on one line", _text("one-line", "Content-Type: text/plain", b"x" * FIVE_MB)),
    Malformed("parts nested 50 deep", lambda s: _nested(s, "nested-50", 50).encode()),
    Malformed("parts nested 5000 deep", lambda s: _nested(s, "nested-5000", 5000).encode()),
    Malformed(
        "a line break in an encoded subject",
        lambda s: (
            f"From: {s}\r\nSubject: =?utf-8?q?Hello=0D=0ABcc:_victim@example.net?=\r\n"
            f"Message-ID: <inject@client.example>\r\n\r\nCall me.\r\n"
        ).encode(),
    ),
    Malformed(
        "an address smuggled in an encoded display name",
        lambda s: (
            "From: =?utf-8?q?Eve=0D=0ABcc=3A_victim=40example.net?= "
            f"<{s}>\r\nMessage-ID: <smuggle@client.example>\r\n\r\nCall me.\r\n"
        ).encode(),
    ),
    Malformed(
        "NUL bytes",
        lambda s: f"From: {s}\r\nMessage-ID: <nul@client.example>\r\n\r\nCall\x00 me.\r\n".encode(),
    ),
    Malformed(
        "an absurd phone number in an autoreply",
        _text(
            "phone",
            "Content-Type: text/plain\r\nAuto-Submitted: auto-replied",
            b"I am out of office. In urgent matters please call " + b"1 " * 100,
        ),
    ),
]

# Not e-mails at all: refused (422 over the API) with the reason.
NOT_EMAILS = {
    "empty": (b"", "the message is empty"),
    "blank": (b" \r\n \r\n", "the message is empty"),
    "no headers": (b"just some text, no headers at all", "no e-mail headers"),
}
