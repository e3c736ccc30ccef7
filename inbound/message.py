"""An inbound e-mail reduced to what classification needs, parsed without ever giving up.

`parse_message` raises only when the input is not an e-mail at all. Anything else that senders
get wrong (missing headers, broken MIME, wrong charsets, huge bodies) yields the best message
that can be recovered, because a reply we fail to read is a reply nobody answers.
"""

from __future__ import annotations

import email
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import getaddresses, parsedate_to_datetime
from types import MappingProxyType

from inbound.bounces import read_bounce
from inbound.delivery import DeliveryStatus
from inbound.mime import body_text, header_text, is_attachment, leaf_parts

__all__ = ["DeliveryStatus", "InboundMessage", "MessageUnreadable", "parse_message"]

_MESSAGE_ID = re.compile(r"<[^<>\s]+>")


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


def parse_message(raw: bytes | str) -> InboundMessage:
    if not raw.strip():
        raise MessageUnreadable("the message is empty")
    # Text is parsed as its UTF-8 bytes: the parser decodes non-ASCII bodies of a str badly.
    data = raw if isinstance(raw, bytes) else raw.encode("utf-8", "surrogateescape")
    parsed = email.message_from_bytes(data, policy=policy.default)
    if not isinstance(parsed, EmailMessage):  # the default policy always builds these
        raise MessageUnreadable("the input could not be parsed as an e-mail")
    headers = _headers(parsed)
    if not headers:
        raise MessageUnreadable("the input has no e-mail headers")

    from_name, from_address = _first_address(headers.get("from", ""))
    to_addresses = _addresses(headers.get("to", ""))
    subject = headers.get("subject", "")
    text = body_text(parsed)
    delivery_status, returned_ids = read_bounce(
        parsed,
        text=text,
        from_address=from_address,
        from_name=from_name,
        subject=subject,
        to_addresses=to_addresses,
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
        has_attachments=any(is_attachment(part) for part in leaf_parts(parsed)),
        delivery_status=delivery_status,
        returned_message_ids=returned_ids,
    )


def _headers(parsed: EmailMessage) -> dict[str, str]:
    headers: dict[str, str] = {}
    # raw_items() skips the policy's header parsing, which can raise on malformed values.
    for name, value in parsed.raw_items():
        headers.setdefault(name.strip().lower(), header_text(value))
    return headers


def _first_address(value: str) -> tuple[str | None, str | None]:
    pairs = getaddresses([value])
    for name, address in pairs:
        if "@" in address:
            return (name.strip() or None), address.strip().lower()
    # No address at all: keep a display name if the sender wrote only that.
    name = pairs[0][0].strip() if pairs else ""
    return (name or None), None


def _addresses(value: str) -> tuple[str, ...]:
    return tuple(address.strip().lower() for _, address in getaddresses([value]) if "@" in address)


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
