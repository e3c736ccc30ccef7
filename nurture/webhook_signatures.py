"""Webhook signatures in the Standard Webhooks scheme (the one of Svix): who sent a request, when.

A sender signs `{webhook-id}.{webhook-timestamp}.{raw body}` with HMAC-SHA256 under a shared
secret `whsec_<base64 of the key>` and sends the result as `webhook-signature: v1,<base64>`;
while a secret is being rotated it sends one signature per secret, space-separated, and we try
every configured secret against every signature. The timestamp (unix seconds) must lie within the
tolerance of our clock, so a captured request cannot be replayed for long.

Pure: no clock and no I/O. The caller passes `now`, the raw body bytes exactly as received (never
JSON parsed and re-serialised, which would change them) and the secrets from the settings.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

SECRET_PREFIX = "whsec_"
# The Standard Webhooks spec recommends keys of 24 to 64 bytes; a shorter one is guessable.
MINIMUM_KEY_BYTES = 24
ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"
SIGNATURE_VERSION = "v1"
# Longer than any provider's message id; the replay table's key column holds this much.
MAX_WEBHOOK_ID_LENGTH = 256

_UNIX_SECONDS = re.compile(r"[0-9]{1,12}")


class SignatureRejected(Exception):
    """The request is not signed by a configured secret; `reason` says why, for a 401."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def secret_key(secret: str) -> bytes:
    """The HMAC key of a `whsec_<base64>` secret; `ValueError` naming what is wrong with it."""
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError(f"a webhook secret starts with {SECRET_PREFIX!r}")
    try:
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except binascii.Error as error:
        raise ValueError(f"a webhook secret is {SECRET_PREFIX!r} and base64: {error}") from error
    if len(key) < MINIMUM_KEY_BYTES:
        raise ValueError(
            f"a webhook secret's key is {MINIMUM_KEY_BYTES}+ random bytes, not {len(key)}"
        )
    return key


def sign(*, secret: str, webhook_id: str, timestamp: int, body: bytes) -> str:
    """The `v1,<base64>` signature of a request: what a sender puts in `webhook-signature`."""
    digest = _digest(secret_key(secret), webhook_id=webhook_id, timestamp=str(timestamp), body=body)
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode('ascii')}"


def signature_headers(
    *, secrets: Sequence[str], webhook_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """The three headers a sender adds to a request: signed by each secret (while rotating)."""
    signatures = [
        sign(secret=secret, webhook_id=webhook_id, timestamp=timestamp, body=body)
        for secret in secrets
    ]
    return {
        ID_HEADER: webhook_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: " ".join(signatures),
    }


def verify(
    *,
    headers: Mapping[str, str],
    body: bytes,
    secrets: Sequence[str],
    now: datetime,
    tolerance: timedelta,
) -> None:
    """Accept a request signed by any of `secrets` within `tolerance` of `now`, else raise
    `SignatureRejected`. `headers` may be any case (Starlette's are already lower case)."""
    lowered = {name.lower(): value for name, value in headers.items()}
    required = (ID_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER)
    missing = [name for name in required if not lowered.get(name, "").strip()]
    if missing:
        raise SignatureRejected(f"unsigned request: no {', '.join(missing)} header")
    webhook_id = lowered[ID_HEADER].strip()
    timestamp = lowered[TIMESTAMP_HEADER].strip()
    if len(webhook_id) > MAX_WEBHOOK_ID_LENGTH:
        raise SignatureRejected(
            f"malformed {ID_HEADER}: longer than {MAX_WEBHOOK_ID_LENGTH} characters"
        )
    _check_timestamp(timestamp, now=now, tolerance=tolerance)
    offered = _offered_signatures(lowered[SIGNATURE_HEADER])
    for secret in secrets:
        expected = _digest(
            secret_key(secret), webhook_id=webhook_id, timestamp=timestamp, body=body
        )
        # Constant time: how long a comparison takes must not tell an attacker how much matched.
        if any(hmac.compare_digest(expected, signature) for signature in offered):
            return
    raise SignatureRejected(
        "no signature matches: signed with another secret, or the body or headers were changed"
    )


def _check_timestamp(timestamp: str, *, now: datetime, tolerance: timedelta) -> None:
    if not _UNIX_SECONDS.fullmatch(timestamp):
        raise SignatureRejected(f"malformed {TIMESTAMP_HEADER}: expected unix seconds")
    sent_at = datetime.fromtimestamp(int(timestamp), UTC)
    limit = int(tolerance.total_seconds())
    if now - sent_at > tolerance:
        age = int((now - sent_at).total_seconds())
        raise SignatureRejected(
            f"{TIMESTAMP_HEADER} too old: signed {age} s ago, over the {limit} s tolerance"
        )
    if sent_at - now > tolerance:
        ahead = int((sent_at - now).total_seconds())
        raise SignatureRejected(
            f"{TIMESTAMP_HEADER} in the future: {ahead} s ahead, over the {limit} s tolerance"
        )


def _offered_signatures(header: str) -> list[bytes]:
    """The decoded `v1` signatures of the header; other versions (e.g. `v1a`) are skipped."""
    offered: list[bytes] = []
    for entry in header.split():
        version, _, encoded = entry.partition(",")
        if version != SIGNATURE_VERSION:
            continue
        try:
            offered.append(base64.b64decode(encoded, validate=True))
        except binascii.Error:
            continue
    if not offered:
        raise SignatureRejected(
            f"malformed {SIGNATURE_HEADER}: expected 'v1,<base64>', space-separated"
        )
    return offered


def _digest(key: bytes, *, webhook_id: str, timestamp: str, body: bytes) -> bytes:
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    return hmac.new(key, signed, hashlib.sha256).digest()
