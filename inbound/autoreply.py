"""Header and subject signals that a message was sent by a machine, not typed by a person.

Two strengths: some signals say "this is an automatic reply" (RFC 3834 `auto-replied`,
`X-Autoreply`, an "Automatic reply:" subject), others only "a machine sent this"
(`auto-generated`, `Precedence: bulk`, a no-reply sender, a read receipt). The second kind
makes an autoreply only together with text that reads as one; a machine-sent newsletter or
verification request is not an answer to our e-mail.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

_AUTOREPLY_SUBJECT = re.compile(
    r"^\W{0,3}(?:automatic\s+reply|auto[- ]?reply|autoreply|auto[- ]?response|autoresponder|"
    r"out\s+of\s+(?:the\s+)?office|ooo\b|away\s+from\s+(?:the\s+)?office|"
    r"automatyczna\s+odpowied[źz]|odpowied[źz]\s+automatyczna|autoodpowied[źz]|"
    r"nieobecno[śs][ćc]|poza\s+biurem|abwesenheitsnotiz|automatische\s+antwort|"
    r"abwesenheit|abwesend|nicht\s+im\s+b[üu]ro|r[ée]ponse\s+automatique)",
    re.IGNORECASE,
)
_REPLY_PREFIX = re.compile(r"^\s*(?:re|aw|odp|fw|fwd|wg|pd)\s*:", re.IGNORECASE)
_READ_RECEIPT = re.compile(r"report-type\s*=\s*\"?disposition-notification", re.IGNORECASE)
_NO_REPLY_SENDER = re.compile(r"^(?:no-?reply|do-?not-?reply|noreply|nie-?odpowiadaj)\b")


@dataclass(frozen=True)
class Signal:
    reason: str
    # True: the header says "automatic reply"; False: only "sent by a machine".
    is_autoreply: bool


def header_signal(
    headers: Mapping[str, str], *, subject: str, from_address: str | None
) -> Signal | None:
    """The strongest machine-sent signal among the headers and subject, if any."""
    return _autoreply_signal(headers, subject) or _automation_signal(headers, from_address)


def _autoreply_signal(headers: Mapping[str, str], subject: str) -> Signal | None:
    submitted = headers.get("auto-submitted", "").strip().lower()
    if submitted.startswith("auto-replied"):
        return Signal(f"header Auto-Submitted: {submitted}", True)
    for name in ("x-autoreply", "x-autorespond", "x-autoresponder", "x-auto-reply"):
        value = headers.get(name, "").strip()
        if name in headers and value.lower() not in {"no", "false", "0"}:
            return Signal(f"header {_title(name)}: {value}".rstrip(": "), True)
    precedence = headers.get("precedence", "").strip().lower()
    if precedence == "auto_reply":
        return Signal("header Precedence: auto_reply", True)
    if _is_autoreply_subject(subject):
        suppress = "x-auto-response-suppress" in headers
        source = "header X-Auto-Response-Suppress and subject" if suppress else "subject"
        return Signal(f"{source} {subject[:60]!r}", True)
    return None


def _automation_signal(headers: Mapping[str, str], from_address: str | None) -> Signal | None:
    if _READ_RECEIPT.search(headers.get("content-type", "")):
        return Signal("read receipt (disposition-notification report)", False)
    submitted = headers.get("auto-submitted", "").strip().lower()
    if submitted and submitted != "no":
        return Signal(f"header Auto-Submitted: {submitted}", False)
    precedence = headers.get("precedence", "").strip().lower()
    if precedence in {"bulk", "junk", "list"}:
        return Signal(f"header Precedence: {precedence}", False)
    local = (from_address or "").split("@", 1)[0]
    if _NO_REPLY_SENDER.match(local):
        return Signal(f"sender {from_address}", False)
    return None


def _is_autoreply_subject(subject: str) -> bool:
    return not _REPLY_PREFIX.match(subject) and bool(_AUTOREPLY_SUBJECT.match(subject))


def _title(name: str) -> str:
    return "-".join(part.capitalize() for part in name.split("-"))
