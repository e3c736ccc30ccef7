"""Who is calling: the API key a request presents, checked against its role.

A key comes as `Authorization: Bearer <key>` (or `X-API-Key: <key>`). It is either the admin key
kept in the settings (compared in constant time, never stored) or a stored key found by its
public id, whose secret's hash must match and which must not be revoked. A missing or bad key
is 401 with `WWW-Authenticate: Bearer` and the reason; a key of the wrong role is 403 naming
the roles that would do. Reads (GET) also accept the web UI's session cookie, so the UI's CSV
and JSON downloads work; writes through the API always need the key itself, which no other
site can make a browser send.

`api/access.py` says which roles may use which routers; `api/app.py` applies it.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, cast

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from api.sessions import SESSION_COOKIE, read_session
from nurture.api_keys import (
    ApiKey,
    MalformedKey,
    Role,
    note_use,
    parse_key,
    secret_matches,
)
from nurture.db import Database
from nurture.settings import Settings
from nurture.webhook_signatures import SIGNATURE_HEADER

# The id of the settings' admin key in sessions and logs; stored ids are hex, never this.
ADMIN_KEY_ID = "admin-key"
SAFE_METHODS = frozenset({"GET", "HEAD"})
INTEGRATION_ROLES: tuple[Role, ...] = ("integration",)
_BEARER = 'Bearer realm="nurture"'


@dataclass(frozen=True)
class Principal:
    """The key a request came with: what it may do and, for sales, whose tasks it sees."""

    key_id: str
    name: str
    role: Role
    user: str | None = None
    manager: bool = False

    @property
    def sees_all_tasks(self) -> bool:
        return self.role == "admin" or self.manager

    def has_role(self, roles: Collection[Role]) -> bool:
        """Whether the key's role is one of `roles`; an admin key has every role."""
        return self.role == "admin" or self.role in roles

    def may_see_task(self, assignee: str | None) -> bool:
        return self.sees_all_tasks or (self.user is not None and assignee == self.user)


# Who a signed webhook is, once `signed_webhook` has checked its signature.
WEBHOOK_PRINCIPAL = Principal(key_id="webhook-signature", name="signed webhook", role="integration")


class NotAuthenticated(HTTPException):
    def __init__(self, reason: str, *, presented: bool) -> None:
        # RFC 6750: say that a bearer token is wanted, and, when one came, that it was refused.
        challenge = f'{_BEARER}, error="invalid_token"' if presented else _BEARER
        super().__init__(
            status.HTTP_401_UNAUTHORIZED, reason, headers={"WWW-Authenticate": challenge}
        )


def admin_principal() -> Principal:
    return Principal(key_id=ADMIN_KEY_ID, name="admin key (settings)", role="admin")


def presented_key(request: Request) -> str | None:
    authorization = request.headers.get("authorization", "")
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    return request.headers.get("x-api-key", "").strip() or None


async def principal_for_key(settings: Settings, db: Database, key: str) -> Principal:
    """The principal of a presented key; NotAuthenticated saying why it is refused."""
    if _is_admin_key(settings, key):
        return admin_principal()
    try:
        presented = parse_key(key)
    except MalformedKey as error:
        raise NotAuthenticated(str(error), presented=True) from error
    async with db.session() as session:
        record = await session.get(ApiKey, presented.id)
        if record is None or not secret_matches(record, presented.secret):
            raise NotAuthenticated("unknown API key", presented=True)
        if record.revoked_at is not None:
            raise NotAuthenticated(
                f"API key {record.id} was revoked on {record.revoked_at:%Y-%m-%d %H:%M} UTC",
                presented=True,
            )
        await note_use(session, record=record, now=datetime.now(UTC))
    return _principal(record)


async def principal_for_key_id(db: Database, key_id: str) -> Principal | None:
    """The principal of a UI session's key, looked up again; None once the key is revoked."""
    if key_id == ADMIN_KEY_ID:
        return admin_principal()
    async with db.session() as session:
        record = await session.get(ApiKey, key_id)
        if record is None or record.revoked_at is not None:
            return None
        await note_use(session, record=record, now=datetime.now(UTC))
    return _principal(record)


async def authenticate(request: Request) -> Principal:
    """The request's principal, worked out once per request (later calls reuse it)."""
    known = getattr(request.state, "principal", None)
    if isinstance(known, Principal):
        return known
    settings = cast(Settings, request.app.state.settings)
    db = cast(Database, request.app.state.db)
    key = presented_key(request)
    if key is not None:
        principal = await principal_for_key(settings, db, key)
    else:
        principal = await _session_principal(request, settings, db)
    request.state.principal = principal
    return principal


def allow(principal: Principal, roles: Collection[Role]) -> Principal:
    """`principal` if its role is one of `roles` (admin always is); else 403 naming them."""
    if principal.has_role(roles):
        return principal
    needed = (
        f"{_article(' or '.join(sorted(roles)))} key (or an admin key)" if roles else "an admin key"
    )
    raise HTTPException(
        status.HTTP_403_FORBIDDEN,
        f"this needs {needed}; key {principal.key_id} is {_article(principal.role)} key",
    )


# Declared so the OpenAPI document (and /docs' "Authorize" button) knows how keys are sent;
# the key itself is read by `presented_key`, which also accepts the UI session on reads.
_bearer_scheme = HTTPBearer(auto_error=False, description="An API key: `Bearer nk_<id>_<secret>`")
_key_header_scheme = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="The same key in an X-API-Key header."
)
_Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer_scheme)]
_KeyHeader = Annotated[str | None, Depends(_key_header_scheme)]


async def current_principal(request: Request, _bearer: _Bearer, _key: _KeyHeader) -> Principal:
    return await authenticate(request)


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def requires(*roles: Role) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency that lets through keys of `roles` (and admin keys)."""

    async def role_check(principal: PrincipalDep) -> Principal:
        return allow(principal, roles)

    return role_check


async def integration_access(request: Request, _bearer: _Bearer, _key: _KeyHeader) -> Principal:
    """Who may post events and inbound e-mail: an integration (or admin) key, or a signed
    webhook.

    With webhook secrets configured, a request carrying a signature (and no key) is let through
    here because the signature is its credential: `api/webhook_guard.signed_webhook`, on both
    routes, verifies it over the raw body and refuses every unsigned request. Webhook senders
    can sign but often cannot add headers of their own.
    """
    settings = cast(Settings, request.app.state.settings)
    signed = SIGNATURE_HEADER in request.headers
    if settings.webhook_secrets and signed and presented_key(request) is None:
        return WEBHOOK_PRINCIPAL
    return allow(await authenticate(request), INTEGRATION_ROLES)


async def _session_principal(request: Request, settings: Settings, db: Database) -> Principal:
    token = request.cookies.get(SESSION_COOKIE)
    if token is None or request.method not in SAFE_METHODS:
        raise NotAuthenticated(
            "an API key is needed: send `Authorization: Bearer <key>` (or `X-API-Key: <key>`)",
            presented=False,
        )
    key_id = read_session(settings, token, now=datetime.now(UTC))
    principal = None if key_id is None else await principal_for_key_id(db, key_id)
    if principal is None:
        raise NotAuthenticated("the session has expired or its key was revoked", presented=True)
    return principal


def _is_admin_key(settings: Settings, key: str) -> bool:
    # Hashes compared, so neither the time taken nor an early length mismatch tells anything
    # about the admin key.
    expected = hashlib.sha256(settings.admin_key.get_secret_value().encode()).digest()
    return hmac.compare_digest(expected, hashlib.sha256(key.encode()).digest())


def _principal(record: ApiKey) -> Principal:
    return Principal(
        key_id=record.id,
        name=record.name,
        role=cast(Role, record.role),
        user=record.user,
        manager=record.manager,
    )


def _article(word: str) -> str:
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"
