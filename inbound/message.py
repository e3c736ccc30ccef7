"""An inbound e-mail reduced to what classification needs, parsed without ever giving up.

`parse_message` raises only when the input is not an e-mail at all. Anything else that senders
get wrong (missing headers, broken MIME, wrong charsets, huge bodies) yields the best message
that can be recovered, because a reply we fail to read is a reply nobody answers. A body that
cannot be read at all (parts nested thousands deep) leaves its headers and `unreadable_body`,
the reason, for a person to review. Single-line fields (subject, names, addresses) never hold a
line break, whatever encoded words a sender wrote: they end up in task titles and e-mails.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from types import MappingProxyType

from inbound.bounces import read_bounce
from inbound.delivery import DeliveryStatus
from inbound.mime import body_text, header_text, is_attachment, leaf_parts, unfolded

__all__ = ["DeliveryStatus", "InboundMessage", "MessageUnreadable", "parse_message"]

_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
_TOO_DEEP = "the MIME parts are nested too deeply to read: a person reads the message"
_CONTROLS_AS_SPACES = {code: " " for code in (*range(32), 127)}


class MessageUnreadable(ValueError):
    """The input is not an e-mail at all: empty, or without a single header."""


@dataclass(frozen=True)
class InboundMessage:
    message_id: str | None
    from_address: str | None
    from_name: str | None
    to_addresses: tuple[str, ...]
    subject: str
    sent_at: datetime | None
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    headers: Mapping[str, str]
    text: str
    has_attachments: bool
    delivery_status: DeliveryStatus | None
    returned_message_ids: tuple[str, ...]
    unreadable_body: str | None = None


def parse_message(raw: bytes | str) -> InboundMessage:
    if not raw.strip():
        raise MessageUnreadable("the message is empty")
    # Text is parsed as its UTF-8 bytes: the parser decodes non-ASCII bodies of a str badly.
    data = raw if isinstance(raw, bytes) else raw.encode("utf-8", "surrogateescape")
    try:
        return _read(data, body_unreadable=None)
    except RecursionError:
        # The standard parser descends one stack frame per nested part; no mail client nests
        # thousands, but such a message must still reach a person, not crash the request.
        return _read(data, body_unreadable=_TOO_DEEP)


def _read(data: bytes, *, body_unreadable: str | None) -> InboundMessage:
    parser = BytesParser(policy=policy.default)
    parsed = parser.parsebytes(data, headersonly=body_unreadable is not None)
    if not isinstance(parsed, EmailMessage):  # the default policy always builds these
        raise MessageUnreadable("the input could not be parsed as an e-mail")
    raw_headers = _raw_headers(parsed)
    if not raw_headers:
        raise MessageUnreadable("the input has no e-mail headers")
    headers = {name: header_text(value) for name, value in raw_headers.items()}

    from_name, from_address = _first_address(raw_headers.get("from", ""))
    to_addresses = _addresses(raw_headers.get("to", ""))
    subject = _one_line(headers.get("subject", ""))
    text = body_text(parsed) if body_unreadable is None else ""
    delivery_status, returned_ids = (
        read_bounce(
            parsed,
            text=text,
            from_address=from_address,
            from_name=from_name,
            subject=subject,
            to_addresses=to_addresses,
        )
        if body_unreadable is None
        else (None, ())
    )
    message_ids = _message_ids(headers.get("message-id", ""))
    return InboundMessage(
        message_id=message_ids[0] if message_ids else None,
        from_address=from_address,
        from_name=from_name,
        to_addresses=to_addresses,
        subject=subject,
        sent_at=_sent_at(headers.get("date")),
        in_reply_to=_message_ids(headers.get("in-reply-to", "")),
        references=_message_ids(headers.get("references", "")),
        headers=MappingProxyType(headers),
        text=text,
        has_attachments=body_unreadable is None
        and any(is_attachment(part) for part in leaf_parts(parsed)),
        delivery_status=delivery_status,
        returned_message_ids=returned_ids,
        unreadable_body=body_unreadable,
    )


def _raw_headers(parsed: EmailMessage) -> dict[str, str]:
    """Each header's first value, unfolded, as written (encoded words not yet decoded)."""
    headers: dict[str, str] = {}
    # raw_items() skips the policy's header parsing, which can raise on malformed values.
    for name, value in parsed.raw_items():
        headers.setdefault(name.strip().lower(), unfolded(value))
    return headers


def _first_address(raw: str) -> tuple[str | None, str | None]:
    """Parsed before encoded words are decoded: a display name such as
    `=?utf-8?q?Bcc=3A_x=40y.z?=` stays a name and cannot pass for an address."""
    pairs = getaddresses([raw])
    for name, address in pairs:
        if "@" in address:
            return _name(name), _one_line(address).lower() or None
    # No address at all: keep a display name if the sender wrote only that.
    return _name(pairs[0][0] if pairs else ""), None


def _name(raw: str) -> str | None:
    return _one_line(header_text(raw)) or None


def _addresses(raw: str) -> tuple[str, ...]:
    return tuple(_one_line(address).lower() for _, address in getaddresses([raw]) if "@" in address)


def _one_line(value: str) -> str:
    """No line breaks or other control characters: the value may become a header or a title."""
    return " ".join(value.translate(_CONTROLS_AS_SPACES).split())


def _message_ids(value: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(_MESSAGE_ID.findall(value)))


def _sent_at(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        sent = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    # "-0000" means the zone is unknown; UTC is the least surprising reading.
    return sent if sent.tzinfo is not None else sent.replace(tzinfo=UTC)
