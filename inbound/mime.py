"""Reading a parsed e-mail's parts without ever failing on what senders get wrong.

Real mail declares charsets that do not exist, declares ASCII and sends UTF-8, folds headers
oddly and nests parts in unexpected ways. Every function here degrades to the best text it can
recover instead of raising, because one unreadable message must not stop a whole inbox.
"""

from __future__ import annotations

import codecs
import contextlib
import re
from collections.abc import Iterator
from email.header import decode_header, make_header
from email.message import EmailMessage, Message

from inbound.html_text import html_to_text

# The text kept from one body: far more than any person writes, small enough to scan quickly.
MAX_TEXT_CHARS = 200_000
# HTML is cut before conversion, since markup can be many times the size of its text.
_MAX_HTML_CHARS = 2_000_000

# Windows-1252 decodes any byte sequence, so it is the last resort for undeclared 8-bit text.
_LAST_RESORT = "cp1252"
_FOLD = re.compile(r"\r?\n[ \t]+")
_SURROGATES = re.compile(r"[\udc80-\udcff]")


def decode_bytes(data: bytes, declared: str | None) -> str:
    """The declared charset when it works, else UTF-8, else a charset that cannot fail."""
    for charset in (_known_charset(declared), "utf-8"):
        if charset is None:
            continue
        try:
            return data.decode(charset)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode(_known_charset(declared) or _LAST_RESORT, errors="replace")


def unfolded(raw: str) -> str:
    """A header value on one line, with raw 8-bit bytes decoded (encoded words left as they
    are, so addresses can be parsed before a display name is decoded)."""
    value = _FOLD.sub(" ", raw)
    if _SURROGATES.search(value):
        # The parser keeps undecodable 8-bit header bytes as surrogates; most are UTF-8.
        value = decode_bytes(value.encode("utf-8", "surrogateescape"), None)
    return value.strip()


def header_text(raw: str) -> str:
    """A header value unfolded, with RFC 2047 encoded words and raw 8-bit bytes decoded."""
    value = unfolded(raw)
    if "=?" in value:
        # A broken encoded word stays as written, which is still readable.
        with contextlib.suppress(ValueError, LookupError, UnicodeError, AssertionError):
            value = str(make_header(decode_header(value)))
    return value.strip()


def leaf_parts(message: Message) -> Iterator[Message]:
    """Every non-multipart part, not descending into attached messages or delivery reports."""
    if message.is_multipart() and not message.get_content_type().startswith("message/"):
        payload = message.get_payload()
        if isinstance(payload, list):
            for part in payload:
                if isinstance(part, Message):
                    yield from leaf_parts(part)
        return
    yield message


def part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if isinstance(payload, bytes):
        return decode_bytes(payload, part.get_content_charset())
    raw = part.get_payload()
    return raw if isinstance(raw, str) else ""


def is_attachment(part: Message) -> bool:
    disposition = (part.get("content-disposition") or "").split(";")[0].strip().lower()
    if disposition == "attachment":
        return True
    content_type = part.get_content_type()
    if content_type in {"text/plain", "text/html"} or content_type.startswith("multipart/"):
        return False
    # Inline images of an HTML signature carry no filename; real files do.
    return part.get_filename() is not None or content_type in {"message/rfc822"}


def body_text(message: EmailMessage) -> str:
    """The first readable text/plain body, else the first HTML body converted to text."""
    plain: str | None = None
    html: str | None = None
    for part in leaf_parts(message):
        if is_attachment(part):
            continue
        content_type = part.get_content_type()
        if content_type.startswith("multipart/"):
            # A multipart without a usable boundary leaves its whole body as one string.
            content_type = "text/plain"
        if content_type == "text/plain" and plain is None:
            text = part_text(part)
            plain = text if text.strip() else None
        elif content_type == "text/html" and html is None:
            html = part_text(part)[:_MAX_HTML_CHARS]
    if plain is not None:
        text = plain
    elif html is not None:
        text = html_to_text(html)
    else:
        text = ""
    return _normalise(text)[:MAX_TEXT_CHARS]


def _normalise(text: str) -> str:
    # NUL is no text (and PostgreSQL cannot store it): it goes, whatever sent it.
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ").replace("\x00", "")


def _known_charset(name: str | None) -> str | None:
    if not name:
        return None
    cleaned = name.strip().strip('"').lower()
    try:
        return codecs.lookup(cleaned).name
    except LookupError:
        return None
