"""Recognising a bounce: a standard delivery report, or one of the common prose shapes.

RFC 3464 reports are unambiguous. Postfix, Exim, Exchange and Gmail also send prose bounces,
which we accept only when two signals agree: a sender or subject that only mail systems use,
and a body that names a status code or a delivery failure. A person who writes "your e-mail
could not be delivered to my boss" has only one of them.
"""

from __future__ import annotations

import re
from dataclasses import replace
from email.message import Message

from inbound.delivery import DeliveryStatus, has_status_code, status_from_report, status_from_text
from inbound.mime import leaf_parts, part_text

_REPORT_TYPES = frozenset(
    {"message/delivery-status", "message/global-delivery-status", "text/delivery-status"}
)
_RETURNED_HEADERS = frozenset({"text/rfc822-headers", "message/global-headers"})
_DAEMON_LOCAL_PARTS = frozenset({"mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon"})
_DAEMON_NAMES = re.compile(
    r"mail delivery (?:system|subsystem|service)|mailer[- ]daemon|postmaster|"
    r"e-?mail delivery|systemadministrator",
    re.IGNORECASE,
)
_BOUNCE_SUBJECT = re.compile(
    r"undeliver|undelivered mail|delivery status notification|delivery (?:has )?failed|"
    r"delivery failure|mail delivery failed|returned mail|failure notice|"
    r"could not (?:be )?deliver|delivery (?:delayed|delay)|delayed mail|warning: could not send|"
    r"non[- ]?delivery|niedostarcz|nie (?:można|udało się) dostarczyć|unzustellbar|"
    r"nicht zustellbar|zustellung (?:fehlgeschlagen|verzögert)|rückläufer",
    re.IGNORECASE,
)
_FAILURE_TEXT = re.compile(
    r"could not be delivered|couldn't be delivered|wasn't delivered|was not delivered|"
    r"delivery (?:has )?failed|permanent(?:ly)? (?:error|failure|fatal)|"
    r"failed permanently|undeliverable|will (?:keep|continue) trying|not yet been delivered|"
    r"address (?:couldn't|could not) be found|user unknown|mailbox unavailable|"
    r"nie (?:może|mogła|można) (?:zostać )?dostarcz|nie została dostarczona|"
    r"konnte nicht zugestellt|nicht zugestellt werden",
    re.IGNORECASE,
)
_ADDRESS = re.compile(r"[^\s<>,;\"]+@[^\s<>,;\"]+")
_MESSAGE_ID_LINE = re.compile(
    r"^[ \t>]*Message-ID:[ \t]*(<[^<>\s]+>)", re.IGNORECASE | re.MULTILINE
)


def read_bounce(
    message: Message,
    *,
    text: str,
    from_address: str | None,
    from_name: str | None,
    subject: str,
    to_addresses: tuple[str, ...],
) -> tuple[DeliveryStatus | None, tuple[str, ...]]:
    """The delivery status and returned Message-IDs, or (None, ()) when this is no bounce."""
    own = frozenset(a for a in (from_address, *to_addresses) if a)
    report = _report_fields(message)
    if report is not None:
        status = status_from_report(report) or status_from_text(text, not_recipients=own)
        return status, _returned_message_ids(message)
    failed = _failed_recipient(message)
    if failed is not None:
        # Exim and Gmail name the failed address in a header: the most reliable source.
        status = replace(status_from_text(text, not_recipients=own), recipient=failed)
        return status, _returned_message_ids(message)
    if _looks_like_bounce(text, from_address, from_name, subject):
        return status_from_text(text, not_recipients=own), _returned_message_ids(message)
    return None, ()


def _failed_recipient(message: Message) -> str | None:
    for name, value in message.raw_items():
        if name.lower() == "x-failed-recipients":
            address = _ADDRESS.search(value)
            if address is not None:
                return address.group(0).lower()
    return None


def _looks_like_bounce(
    text: str, from_address: str | None, from_name: str | None, subject: str
) -> bool:
    sender = _is_mail_system(from_address, from_name)
    bounce_subject = bool(_BOUNCE_SUBJECT.search(subject))
    failure_body = bool(_FAILURE_TEXT.search(text)) or has_status_code(text)
    if sender and bounce_subject:
        return True
    return (sender or bounce_subject) and failure_body


def _is_mail_system(address: str | None, name: str | None) -> bool:
    local = (address or "").split("@", 1)[0]
    return local in _DAEMON_LOCAL_PARTS or bool(name and _DAEMON_NAMES.search(name))


def _report_fields(message: Message) -> str | None:
    for part in leaf_parts(message):
        if part.get_content_type() not in _REPORT_TYPES:
            continue
        payload = part.get_payload()
        if isinstance(payload, list):
            # The parser reads each block of fields as a header-only sub-message.
            blocks = [
                "\n".join(f"{name}: {value}" for name, value in block.raw_items())
                for block in payload
                if isinstance(block, Message)
            ]
            return "\n\n".join(blocks)
        return part_text(part)
    return None


def _returned_message_ids(message: Message) -> tuple[str, ...]:
    found: list[str] = []
    for part in leaf_parts(message):
        content_type = part.get_content_type()
        if content_type in {"message/rfc822", "message/global"}:
            payload = part.get_payload()
            if isinstance(payload, list) and payload and isinstance(payload[0], Message):
                found.extend(_header_ids(payload[0]))
        elif content_type in _RETURNED_HEADERS or content_type == "text/plain":
            found.extend(_MESSAGE_ID_LINE.findall(part_text(part)))
    return tuple(dict.fromkeys(found))


def _header_ids(message: Message) -> list[str]:
    return [
        match
        for name, value in message.raw_items()
        if name.lower() == "message-id"
        for match in re.findall(r"<[^<>\s]+>", value)
    ]
