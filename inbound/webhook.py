"""Raw RFC 5322 bytes from the JSON that inbound-parse webhooks post.

Some providers post the original message whole (`raw`, `email`, Mailgun's `body-mime`), which is
always best. Postmark and SendGrid post it taken apart; we rebuild a message from their fields
so that `parse_message` sees one shape whatever the provider.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from email import policy
from email.message import EmailMessage
from email.parser import HeaderParser
from typing import Any

# Postmark adds the original as "RawEmail" when asked to; it beats its parsed fields too.
_RAW_KEYS = ("raw", "email", "body-mime", "RawEmail")
# Headers that describe the original body; the rebuilt body writes its own.
_BODY_HEADERS = frozenset({"content-type", "content-transfer-encoding", "mime-version"})
_HEADER_NAME = re.compile(r"^[!-9;-~]+$")


def message_from_webhook(payload: Mapping[str, Any]) -> bytes:
    for key in _RAW_KEYS:
        raw = payload.get(key)
        if isinstance(raw, bytes) and raw.strip():
            return raw
        if isinstance(raw, str) and raw.strip():
            return raw.encode("utf-8", "surrogateescape")
    if "From" in payload or "TextBody" in payload or "HtmlBody" in payload:
        return _postmark(payload)
    if "headers" in payload or "from" in payload:
        return _sendgrid(payload)
    raise ValueError(
        "the webhook payload has no raw message ('raw', 'email' or 'body-mime') and no parsed "
        "fields ('From' with 'TextBody'/'HtmlBody', or 'headers'/'from' with 'text'/'html')"
    )


def _postmark(payload: Mapping[str, Any]) -> bytes:
    headers: list[tuple[str, str]] = []
    listed = payload.get("Headers") or []
    if not isinstance(listed, list):
        raise ValueError("'Headers' must be a list of {'Name', 'Value'} objects")
    for item in listed:
        if isinstance(item, Mapping) and "Name" in item and "Value" in item:
            headers.append((str(item["Name"]), str(item["Value"])))
    message_id = _text(payload.get("MessageID"))
    if message_id and not message_id.startswith("<"):
        message_id = f"<{message_id}>"
    top = {
        "From": _text(payload.get("From")),
        "To": _text(payload.get("To")),
        "Cc": _text(payload.get("Cc")),
        "Subject": _text(payload.get("Subject")),
        "Date": _text(payload.get("Date")),
        "Message-ID": message_id,
    }
    return _build(
        headers=_merge(headers, top),
        text=_text(payload.get("TextBody")),
        html=_text(payload.get("HtmlBody")),
        missing="'From' and 'TextBody' or 'HtmlBody'",
    )


def _sendgrid(payload: Mapping[str, Any]) -> bytes:
    block = _text(payload.get("headers"))
    parsed = HeaderParser(policy=policy.compat32).parsestr(block) if block else None
    headers = [(name, str(value)) for name, value in parsed.items()] if parsed else []
    top = {
        "From": _text(payload.get("from")),
        "To": _text(payload.get("to")),
        "Subject": _text(payload.get("subject")),
    }
    return _build(
        headers=_merge(headers, top),
        text=_text(payload.get("text")),
        html=_text(payload.get("html")),
        missing="'from' (or a 'From:' line in 'headers') and 'text' or 'html'",
    )


def _merge(headers: list[tuple[str, str]], top: Mapping[str, str | None]) -> list[tuple[str, str]]:
    """The provider's header list, completed by its top-level fields where the list is silent."""
    present = {name.lower() for name, _ in headers}
    merged = list(headers)
    for name, value in top.items():
        if value and name.lower() not in present:
            merged.append((name, value))
    return merged


def _build(
    *, headers: Iterable[tuple[str, str]], text: str | None, html: str | None, missing: str
) -> bytes:
    headers = list(headers)
    if not any(name.lower() == "from" for name, _ in headers) or not (text or html):
        raise ValueError(f"the webhook payload lacks {missing}")
    message = EmailMessage(policy=policy.default)
    for name, value in headers:
        if name.lower() in _BODY_HEADERS or not _HEADER_NAME.match(name):
            continue
        # Line breaks inside a value would end the header early or inject new ones.
        clean = " ".join(value.split())
        try:
            message[name] = clean
        except Exception:  # the header registry raises all kinds (AttributeError on `;`)
            continue  # one unusable header should not cost us the message
    if text:
        message.set_content(text)
        if html:
            message.add_alternative(html, subtype="html")
    elif html:
        message.set_content(html, subtype="html")
    return message.as_bytes()


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)
