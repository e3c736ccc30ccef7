"""Signed tokens for the links inside e-mails: tracked clicks and one-click unsubscribes.

A token is `<base64url JSON payload>.<base64url HMAC-SHA256 of the payload>`. The signature is
what stops anybody who sees one link from forging clicks or unsubscribes for other prospects;
the payload is readable (not secret), so it holds ids only, never personal data.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any, Literal

LinkKind = Literal["click", "unsubscribe"]

# The id prefix of the `content_consumed` events a tracked-link click produces, so reports can
# tell a click in one of our e-mails from a view reported by the website.
CLICK_EVENT_PREFIX = "click:"


class InvalidLinkToken(ValueError):
    """The token was garbled, forged, or signed with another secret."""


@dataclass(frozen=True)
class LinkToken:
    kind: LinkKind
    prospect_id: str
    journey_id: str
    content_id: str | None = None


def make_click_token(secret: str, *, prospect_id: str, journey_id: str, content_id: str) -> str:
    return _seal(secret, LinkToken("click", prospect_id, journey_id, content_id))


def make_unsubscribe_token(secret: str, *, prospect_id: str, journey_id: str) -> str:
    return _seal(secret, LinkToken("unsubscribe", prospect_id, journey_id))


def read_token(secret: str, token: str) -> LinkToken:
    """The token's contents, once its signature proves we issued it; else InvalidLinkToken."""
    payload, dot, signature = token.rpartition(".")
    if not dot or not payload:
        raise InvalidLinkToken("not a link token")
    # Encoded to bytes so a non-ASCII forgery fails the comparison instead of raising TypeError.
    if not hmac.compare_digest(_sign(secret, payload).encode(), signature.encode()):
        raise InvalidLinkToken("bad signature")
    return _parse(_decode(payload))


def tracked_link(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/t/{token}"


def unsubscribe_link(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/u/{token}"


def _seal(secret: str, token: LinkToken) -> str:
    # Short keys keep links short; sorted so the same token always encodes the same way.
    fields = {"k": token.kind, "p": token.prospect_id, "j": token.journey_id}
    if token.content_id is not None:
        fields["c"] = token.content_id
    payload = _encode(json.dumps(fields, separators=(",", ":"), sort_keys=True).encode())
    return f"{payload}.{_sign(secret, payload)}"


def _sign(secret: str, payload: str) -> str:
    if not secret:
        raise ValueError("the link secret must not be empty")
    digest = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest()
    return _encode(digest)


def _encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as error:
        raise InvalidLinkToken("payload is not base64url") from error


def _parse(payload: bytes) -> LinkToken:
    try:
        fields: Any = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidLinkToken("payload is not JSON") from error
    if not isinstance(fields, dict):
        raise InvalidLinkToken("payload is not an object")
    kind, prospect_id, journey_id = fields.get("k"), fields.get("p"), fields.get("j")
    content_id = fields.get("c")
    if not (isinstance(prospect_id, str) and isinstance(journey_id, str)):
        raise InvalidLinkToken("payload lacks its ids")
    if kind == "click" and isinstance(content_id, str):
        return LinkToken("click", prospect_id, journey_id, content_id)
    if kind == "unsubscribe" and content_id is None:
        return LinkToken("unsubscribe", prospect_id, journey_id)
    raise InvalidLinkToken("payload has an unknown shape")
