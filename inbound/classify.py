"""What an inbound e-mail is, with the reason, following docs/inbound-semantics.md.

Precedence: a bounce beats everything (a delivery report may quote an autoreply); then an
autoreply; then a request to unsubscribe; then a reply from a person; `unknown` when nothing
can be said with confidence. Every rule reads only the new text, never the quoted history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from inbound.autoreply import Signal, header_signal
from inbound.contacts import AlternateContact, alternate_contact
from inbound.dates import ReturnDate, find_return_date
from inbound.message import DeliveryStatus, InboundMessage
from inbound.notices import (
    absence_phrase,
    acknowledgement_phrase,
    challenge_phrase,
    mentions_absence,
)
from inbound.quotes import strip_history, strip_signature
from inbound.unsubscribe import unsubscribe_phrase

__all__ = ["AlternateContact", "Classification", "Kind", "classify"]

Kind = Literal["reply", "autoreply", "bounce", "unsubscribe", "unknown"]


@dataclass(frozen=True)
class Classification:
    kind: Kind
    return_date: date | None
    alternate_contact: AlternateContact | None
    reason: str
    reply_text: str
    delivery_status: DeliveryStatus | None
    referenced_message_ids: tuple[str, ...]


@dataclass(frozen=True)
class _Verdict:
    kind: Kind
    reason: str
    return_date: date | None = None
    alternate_contact: AlternateContact | None = None


def classify(message: InboundMessage, *, received_at: datetime | None = None) -> Classification:
    """Dates are computed relative to message.sent_at, else received_at, else ValueError."""
    moment = message.sent_at or received_at
    if moment is None:
        raise ValueError("the message has no Date header and no received_at was given")
    reply_text = strip_signature(strip_history(message.text))
    verdict = _verdict(message, reply_text, sent=moment.date())
    referenced = (*message.in_reply_to, *message.references, *message.returned_message_ids)
    return Classification(
        kind=verdict.kind,
        return_date=verdict.return_date,
        alternate_contact=verdict.alternate_contact,
        reason=verdict.reason,
        reply_text=reply_text,
        delivery_status=message.delivery_status,
        referenced_message_ids=tuple(dict.fromkeys(referenced)),
    )


def _verdict(message: InboundMessage, text: str, *, sent: date) -> _Verdict:
    if message.unreadable_body is not None:
        return _Verdict("unknown", message.unreadable_body)
    if message.delivery_status is not None:
        return _Verdict("bounce", _bounce_reason(message.delivery_status))
    challenge = challenge_phrase(text)
    if challenge is not None:
        return _Verdict("unknown", f"challenge-response request: {challenge!r}")
    signal = header_signal(
        message.headers, subject=message.subject, from_address=message.from_address
    )
    autoreply_reason = _autoreply_reason(signal, text)
    if autoreply_reason is not None:
        return _autoreply(message, text, autoreply_reason, sent=sent)
    if signal is not None:
        return _Verdict("unknown", f"{signal.reason}, but no absence notice or acknowledgement")
    request = unsubscribe_phrase(text) or _subject_request(message.subject)
    if request is not None:
        return _Verdict("unsubscribe", f"unsubscribe request in the new text: {request!r}")
    if any(character.isalnum() for character in text):
        contact = alternate_contact(text, sender=message.from_address)
        return _Verdict("reply", "new text written by a person", alternate_contact=contact)
    if message.has_attachments:
        return _Verdict("unknown", "no new text, only an attachment")
    return _Verdict("unknown", "no new text")


def _autoreply_reason(signal: Signal | None, text: str) -> str | None:
    if signal is not None and signal.is_autoreply:
        return signal.reason
    if signal is not None:
        # Machine-sent: an autoreply only if it reads as one, whatever else it says.
        if mentions_absence(text):
            return f"{signal.reason} with an absence notice"
        acknowledgement = acknowledgement_phrase(text)
        return f"{signal.reason} with {acknowledgement!r}" if acknowledgement else None
    absence = absence_phrase(text)
    if absence is not None:
        return f"absence notice in the text: {absence!r}"
    acknowledgement = acknowledgement_phrase(text)
    return f"acknowledgement in the text: {acknowledgement!r}" if acknowledgement else None


def _autoreply(message: InboundMessage, text: str, reason: str, *, sent: date) -> _Verdict:
    found = find_return_date(text, sent=sent) or find_return_date(message.subject, sent=sent)
    contact = alternate_contact(text, sender=message.from_address)
    return_date = found.date if found is not None else None
    return _Verdict("autoreply", f"{reason}; {_date_reason(found)}", return_date, contact)


def _date_reason(found: ReturnDate | None) -> str:
    if found is None:
        return "no return date found"
    if found.date is None:
        return f"return date {found.phrase!r} has passed, so none"
    return f"return date from {found.phrase!r}"


def _subject_request(subject: str) -> str | None:
    # A subject of our own quoted after "Re:" is not the sender's words.
    if subject.lstrip().lower().startswith(("re:", "aw:", "odp:", "fw:", "fwd:", "wg:")):
        return None
    return unsubscribe_phrase(subject)


def _bounce_reason(status: DeliveryStatus) -> str:
    kind = "permanent" if status.permanent else "temporary"
    details = ", ".join(
        f"{label} {value}"
        for label, value in (
            ("status", status.status),
            ("action", status.action),
            ("recipient", status.recipient),
        )
        if value
    )
    return f"delivery status notification ({kind} failure{': ' + details if details else ''})"
