"""What an SMTP server's refusal means for us, read from its reply code and enhanced status.

The sorting is by what a retry could change and who must act:

- 4xx replies, disconnects and timeouts: the server may take the message later. Retried by
  Temporal with backoff.
- 5.1.x (or a bare 550/551/553 to RCPT): the mailbox does not exist. A hard bounce: the
  address goes on the suppression list, and the journey marks the prospect undeliverable.
- 535 and other authentication replies, 5.7.x: *we* are refused (bad login, policy, our
  reputation). No prospect is at fault, no retry will help, and somebody must look: an alert.
- A 5xx to our MAIL FROM, HELO or greeting: the server refuses us. Also an alert.
- Any other 5xx about the recipient or the message (mailbox full for good, message refused):
  permanent for this prospect, but not proof the address is dead, so not suppressed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

# RFC 3463: class.subject.detail, at the start of the reply text (RFC 2034).
_ENHANCED_STATUS = re.compile(r"^\s*([245])\.(\d{1,3})\.(\d{1,3})\b")
_AUTH_CODES = frozenset({530, 534, 535, 538})
_NO_SUCH_MAILBOX_CODES = frozenset({550, 551, 553})

Phase = Literal["connect", "sender", "recipient", "data"]
Meaning = Literal["retry", "hard_bounce", "rejected", "auth", "policy", "refused_us"]


@dataclass(frozen=True)
class Reply:
    code: int
    text: str

    def __str__(self) -> str:
        return f"{self.code} {self.text}".strip()


def enhanced_status(text: str) -> tuple[int, int, int] | None:
    match = _ENHANCED_STATUS.match(text)
    if match is None:
        return None
    klass, subject, detail = (int(part) for part in match.groups())
    return klass, subject, detail


def meaning(reply: Reply, *, phase: Phase) -> Meaning:
    """What the reply to the given phase of the conversation says we should do."""
    if reply.code < 500:
        return "retry"
    status = enhanced_status(reply.text)
    if reply.code in _AUTH_CODES:
        return "auth"
    if status is not None and status[1] == 7:
        return "policy"
    if phase in ("connect", "sender"):
        return "refused_us"
    if status is not None:
        return "hard_bounce" if status[1] == 1 else "rejected"
    if phase == "recipient" and reply.code in _NO_SUCH_MAILBOX_CODES:
        return "hard_bounce"
    return "rejected"


def is_alert(meaning_: Meaning) -> bool:
    """Failures a person must fix on our side; they page somebody, not only fail a send."""
    return meaning_ in ("auth", "policy", "refused_us")
