"""API keys: who may call the HTTP API and log in to the web UI, and in which role.

A key reads `nk_<id>_<secret>`: the id is public (it names the key in lists, logs and
sessions, and finds its row without scanning), the secret is 32 random bytes shown once, when
the key is made. Only a SHA-256 hash of the secret is stored. A fast hash is right here, unlike
for passwords: a secret of 256 random bits cannot be guessed however cheap each guess is, so
a slow key-derivation function would only slow down every request.

The roles are `admin` (everything, and the keys themselves), `marketer` (journeys, prospects,
reports, the sending policy), `sales` (their own tasks; all tasks with `manager`) and
`integration` (events, inbound e-mail and enrolments sent by other systems). `api/access.py`
says which routes each role may use.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, get_args

from sqlalchemy import update
from sqlmodel import Field, SQLModel, col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from nurture.tables import UtcDateTime, utcnow

Role = Literal["admin", "marketer", "sales", "integration"]
ROLES: tuple[Role, ...] = get_args(Role)

KEY_PREFIX = "nk"
ID_BYTES = 6  # 12 hex characters: short enough to read out, ample for the keys one site makes
SECRET_BYTES = 32
_KEY = re.compile(r"nk_(?P<id>[0-9a-f]{12})_(?P<secret>[A-Za-z0-9_-]{43,})")
# A key's last use is written at most this often: a write per request would double the
# database work of event ingestion for a "when was this key last used" answer.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_keys"

    id: str = Field(primary_key=True, max_length=32)
    name: str = Field(max_length=200)
    role: str = Field(max_length=20)
    # For sales: the assignee identity whose tasks the key sees (usually an e-mail address).
    user: str | None = Field(default=None, max_length=320)
    manager: bool = False
    hash: str = Field(max_length=64)  # SHA-256 hex of the secret, never the secret itself
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class MalformedKey(ValueError):
    """The text is not shaped like a Nurture API key."""


class KeyRequestInvalid(ValueError):
    """A key that cannot work was asked for (an unknown role, a salesperson without a user)."""


@dataclass(frozen=True)
class PresentedKey:
    id: str
    secret: str


@dataclass(frozen=True)
class IssuedKey:
    """A new key: its row, and the key itself, which exists nowhere else once shown."""

    record: ApiKey
    key: str


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def format_key(*, key_id: str, secret: str) -> str:
    return f"{KEY_PREFIX}_{key_id}_{secret}"


def parse_key(text: str) -> PresentedKey:
    """The id and secret of a presented key; MalformedKey when it cannot be one of ours."""
    match = _KEY.fullmatch(text.strip())
    if match is None:
        raise MalformedKey("not a Nurture API key (they look like nk_<id>_<secret>)")
    return PresentedKey(id=match["id"], secret=match["secret"])


def secret_matches(record: ApiKey, secret: str) -> bool:
    # Constant time, so the time taken says nothing about how much of a guess was right.
    return hmac.compare_digest(record.hash, hash_secret(secret))


def bearer_header(key: str) -> dict[str, str]:
    """The header that presents `key` to the API."""
    return {"Authorization": f"Bearer {key}"}


def key_request_problems(*, role: str, user: str | None, manager: bool) -> list[str]:
    problems = []
    if role not in ROLES:
        problems.append(f"unknown role {role!r} (known: {', '.join(ROLES)})")
    if role == "sales" and not user and not manager:
        # A salesperson sees the tasks assigned to their user: without one, none at all.
        problems.append("a sales key needs the user whose tasks it sees (or manager)")
    if manager and role != "sales":
        problems.append("manager applies to sales keys only")
    return problems


def new_key(*, name: str, role: str, user: str | None, manager: bool) -> IssuedKey:
    """A fresh key and its row (not yet stored); KeyRequestInvalid naming every problem."""
    problems = key_request_problems(role=role, user=user, manager=manager)
    if problems:
        raise KeyRequestInvalid("; ".join(problems))
    key_id = secrets.token_hex(ID_BYTES)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    record = ApiKey(
        id=key_id,
        name=name,
        role=role,
        user=user or None,
        manager=manager,
        hash=hash_secret(secret),
    )
    return IssuedKey(record=record, key=format_key(key_id=key_id, secret=secret))


async def create_key(
    session: AsyncSession, *, name: str, role: str, user: str | None = None, manager: bool = False
) -> IssuedKey:
    issued = new_key(name=name, role=role, user=user, manager=manager)
    session.add(issued.record)
    await session.commit()
    await session.refresh(issued.record)
    return issued


async def list_keys(session: AsyncSession) -> list[ApiKey]:
    rows = await session.exec(select(ApiKey).order_by(col(ApiKey.created_at), col(ApiKey.id)))
    return list(rows)


async def revoke_key(session: AsyncSession, *, key_id: str) -> ApiKey | None:
    """Revoke the key (at once, for every request and UI session); None for an unknown id.
    Revoking a revoked key keeps its first revocation time."""
    record = await session.get(ApiKey, key_id)
    if record is None:
        return None
    if record.revoked_at is None:
        record.revoked_at = datetime.now(UTC)
        session.add(record)
        await session.commit()
        await session.refresh(record)
    return record


async def note_use(session: AsyncSession, *, record: ApiKey, now: datetime) -> None:
    """Record that the key was used, unless that was recorded less than a minute ago."""
    if record.last_used_at is not None and record.last_used_at > now - LAST_USED_RESOLUTION:
        return
    await session.exec(
        update(ApiKey)
        .where(col(ApiKey.id) == record.id)
        # Two requests at once write once: the second finds the time already recent.
        .where(
            or_(
                col(ApiKey.last_used_at).is_(None),
                col(ApiKey.last_used_at) < now - LAST_USED_RESOLUTION,
            )
        )
        .values(last_used_at=now)
    )
    await session.commit()
