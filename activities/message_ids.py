"""Ids derived from a command's stable key, so a retried or replayed command gets the same id.

The same Message-ID on a resent e-mail lets mail clients and our own records recognise the
duplicate; the same task id makes a retried task creation find its earlier row.
"""

from __future__ import annotations

from email.utils import parseaddr

from workflows.commands import stable_digest, task_id_for

__all__ = ["message_id_for", "task_id_for"]

# Used only when the sender has no domain, which the validator should already have refused.
_FALLBACK_DOMAIN = "nurture.invalid"


def message_id_for(key: str, sender_address: str) -> str:
    """`<hash@sender-domain>`: the domain makes it globally unique, as RFC 5322 asks."""
    _, address = parseaddr(sender_address)
    domain = address.rpartition("@")[2] or _FALLBACK_DOMAIN
    return f"<{stable_digest(key)[:32]}@{domain}>"
