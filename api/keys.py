"""API keys over HTTP, for admin keys only: make one (shown once), list them, revoke one.

The same operations as `nurture keys create|list|revoke`, which work on the database directly.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, HTTPException, status
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field

from api.deps import SessionDep
from nurture.api_keys import ApiKey, KeyRequestInvalid, Role, create_key, list_keys, revoke_key

router = APIRouter(prefix="/keys", tags=["keys"])
_UNKNOWN: dict[int | str, dict[str, Any]] = {404: {"description": "Unknown key."}}


class KeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, description="Who or what holds the key.")
    role: Role
    user: str | None = Field(
        default=None,
        min_length=1,
        max_length=320,
        description="Sales: the assignee whose tasks the key sees (usually an e-mail address).",
    )
    manager: bool = Field(default=False, description="Sales: see and act on every task.")


class KeyOut(BaseModel):
    id: str
    name: str
    role: str
    user: str | None
    manager: bool
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class IssuedKeyOut(KeyOut):
    key: str = Field(description="The key itself: shown this once, stored only as a hash.")


def key_out(record: ApiKey) -> KeyOut:
    return KeyOut.model_validate(record.model_dump(exclude={"hash"}))


@router.post("", status_code=status.HTTP_201_CREATED)
async def make_key(body: KeyIn, session: SessionDep) -> IssuedKeyOut:
    """A new key; 422 for a sales key with neither a user nor `manager`."""
    try:
        issued = await create_key(session, **body.model_dump())
    except KeyRequestInvalid as problem:
        # The shape of every other invalid field (the OpenAPI document promises it for 422).
        raise RequestValidationError(
            [{"type": "value_error", "loc": ("body",), "msg": str(problem), "input": None}]
        ) from problem
    return IssuedKeyOut(**key_out(issued.record).model_dump(), key=issued.key)


@router.get("")
async def keys(session: SessionDep) -> list[KeyOut]:
    """Every key, revoked ones too, oldest first; never a secret or its hash."""
    return [key_out(record) for record in await list_keys(session)]


@router.delete("/{key_id}", responses=_UNKNOWN)
async def revoke(key_id: str, session: SessionDep) -> KeyOut:
    """Revoke a key: refused from the next request on, its UI sessions too. Idempotent."""
    record = await revoke_key(session, key_id=key_id)
    if record is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"unknown key {key_id!r}")
    return key_out(record)
