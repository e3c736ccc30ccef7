"""What a bounce says about the failed delivery, from RFC 3464 fields or from free text.

Standard reports carry one block of fields per recipient; non-standard bounces (Postfix, Exim,
Exchange, Gmail) say the same in prose, usually with an enhanced status code such as 5.1.1 and
the recipient's address somewhere near it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_FOLD = re.compile(r"\r?\n[ \t]+")
_BLOCK_SPLIT = re.compile(r"\n[ \t]*\n")
_FIELD = re.compile(r"^([A-Za-z][A-Za-z0-9-]*)[ \t]*:[ \t]*(.*)$", re.MULTILINE)
_STATUS = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.]*\d)")
_SMTP_CODE = re.compile(r"(?<![\d.])([45])[0-5]\d(?=[ -])")
_ADDRESS = re.compile(r"[A-Za-z0-9._%+'=-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# Where bounces name the failed recipient, most specific first.
_RECIPIENT_CUES = (
    re.compile(r"RCPT TO:\s*<([^>\s]+@[^>\s]+)>", re.IGNORECASE),
    re.compile(r"^\s*<([^>\s]+@[^>\s]+)>:", re.MULTILINE),
    re.compile(
        r"(?:recipients?|adresat\w*|empfänger\w*|delivered to|delivery to|dostarczyć do|"
        r"zugestellt werden)\W{0,40}?([A-Za-z0-9._%+'=-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)",
        re.IGNORECASE,
    ),
)
_DELAY_WORDS = re.compile(
    r"\bdelay(?:ed)?\b|will (?:keep|continue) trying|still (?:being )?(?:retried|trying)|"
    r"will be retried|wird (?:weiterhin|erneut) versucht|ponowi\w* próbę|"
    r"not yet been delivered|verzögert|opóźni",
    re.IGNORECASE,
)
_EXPLANATION = re.compile(
    r"does not exist|doesn't exist|couldn't be found|could not be found|user unknown|"
    r"unknown user|no such user|mailbox (?:unavailable|full|not found)|recipient not found|"
    r"address rejected|not be delivered|wasn't delivered|nie istnieje|existiert nicht|"
    r"unbekannt|quota",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class DeliveryStatus:
    """Parsed from a DSN (RFC 3464) or a non-standard bounce."""

    recipient: str | None
    status: str | None
    action: str | None
    diagnostic: str | None
    permanent: bool


def status_from_report(fields: str) -> DeliveryStatus | None:
    """The first failed recipient of a message/delivery-status body (else the first at all)."""
    blocks = [_fields(block) for block in _BLOCK_SPLIT.split(_FOLD.sub(" ", fields))]
    recipients = [
        block for block in blocks if {"final-recipient", "original-recipient", "status"} & {*block}
    ]
    if not recipients:
        return None
    chosen = next((b for b in recipients if b.get("action", "").lower() == "failed"), None)
    block = chosen or recipients[0]
    recipient = _address_field(block.get("final-recipient") or block.get("original-recipient"))
    status_match = _STATUS.search(block.get("status", ""))
    status = status_match.group(0) if status_match else None
    action = (block.get("action") or "").strip().lower() or None
    diagnostic = _diagnostic_field(block.get("diagnostic-code"))
    return DeliveryStatus(recipient, status, action, diagnostic, _permanent(status, action, ""))


def status_from_text(text: str, *, not_recipients: frozenset[str]) -> DeliveryStatus:
    """What a prose bounce says; `not_recipients` are addresses that cannot be the failed one."""
    status_match = _STATUS.search(text)
    status = status_match.group(0) if status_match else None
    return DeliveryStatus(
        recipient=_recipient_in_text(text, not_recipients),
        status=status,
        action=None,
        diagnostic=_diagnostic_line(text, status),
        permanent=_permanent(status, None, text),
    )


def has_status_code(text: str) -> bool:
    return bool(_STATUS.search(text) or _SMTP_CODE.search(text))


def _fields(block: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, value in _FIELD.findall(block):
        found.setdefault(name.lower(), value.strip())
    return found


def _address_field(value: str | None) -> str | None:
    if not value:
        return None
    address = value.split(";", 1)[-1].strip().strip("<>").strip()
    return address.lower() or None


def _diagnostic_field(value: str | None) -> str | None:
    if not value:
        return None
    kind, semicolon, rest = value.partition(";")
    return (rest if semicolon and " " not in kind.strip() else value).strip() or None


def _permanent(status: str | None, action: str | None, text: str) -> bool:
    if action in {"delayed", "delivered", "relayed", "expanded"}:
        return False
    if action == "failed":
        return True
    if status is not None:
        return status.startswith("5")
    code = _SMTP_CODE.search(text)
    if code is not None:
        return code.group(1) == "5"
    return not _DELAY_WORDS.search(text)


def _recipient_in_text(text: str, not_recipients: frozenset[str]) -> str | None:
    for cue in _RECIPIENT_CUES:
        for match in cue.finditer(text):
            address = match.group(1).lower()
            if address not in not_recipients and not _is_daemon(address):
                return address
    for match in _ADDRESS.finditer(text):
        address = match.group(0).lower()
        if address not in not_recipients and not _is_daemon(address):
            return address
    return None


def _is_daemon(address: str) -> bool:
    local = address.split("@", 1)[0]
    return local in {"mailer-daemon", "postmaster", "mail-daemon", "noreply", "no-reply"}


def _diagnostic_line(text: str, status: str | None) -> str | None:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if status is not None:
        for line in lines:
            if status in line:
                return line[:500]
    for line in lines:
        if _SMTP_CODE.search(line) or _EXPLANATION.search(line):
            return line[:500]
    return None
