"""Web UI sessions: a signed, expiring cookie that names the API key a person logged in with.

The cookie holds `<key id>.<expiry>.<signature>`: the key's public id, never the key, so a stolen
cookie cannot be turned into an API key, and every request looks the key up again, so revoking
it ends its sessions at once. The signature is an HMAC-SHA256 under a key derived from the link
secret and the admin key: derived, so a session can never pass for a link token (or the other
way round), and changing either secret ends every session.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from nurture.settings import Settings

SESSION_COOKIE = "nurture_session"
SESSION_LIFETIME = timedelta(hours=12)  # a working day; then the key is pasted again
_PURPOSE = b"nurture web UI session\x00"


@dataclass(frozen=True)
class CookieOptions:
    """How the session cookie is set: HttpOnly (no script reads it), SameSite=Strict (no other
    site's page or form carries it), Secure whenever the UI is served over https."""

    max_age: int
    path: str
    httponly: bool
    secure: bool
    samesite: Literal["strict"]


def cookie_options(settings: Settings) -> CookieOptions:
    return CookieOptions(
        max_age=int(SESSION_LIFETIME.total_seconds()),
        # The whole site, not /ui only: the UI's CSV and JSON downloads are API routes.
        path="/",
        httponly=True,
        secure=settings.public_base_url.startswith("https://"),
        samesite="strict",
    )


def issue_session(settings: Settings, *, key_id: str, now: datetime) -> str:
    expires = int((now + SESSION_LIFETIME).timestamp())
    payload = f"{key_id}.{expires}"
    return f"{payload}.{_sign(settings, payload)}"


def read_session(settings: Settings, token: str, *, now: datetime) -> str | None:
    """The key id of a session we issued that has not expired; None for anything else."""
    payload, dot, signature = token.rpartition(".")
    key_id, _, expires = payload.rpartition(".")
    if not (dot and key_id and expires.isdigit()):
        return None
    # Encoded, so a non-ASCII forgery fails the comparison instead of raising TypeError.
    if not hmac.compare_digest(_sign(settings, payload).encode(), signature.encode()):
        return None
    if int(expires) <= now.timestamp():
        return None
    return key_id


def _sign(settings: Settings, payload: str) -> str:
    digest = hmac.new(_signing_key(settings), payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _signing_key(settings: Settings) -> bytes:
    material = _PURPOSE + settings.admin_key.get_secret_value().encode()
    return hmac.new(settings.link_secret.encode(), material, hashlib.sha256).digest()
