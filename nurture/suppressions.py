"""The suppression list: addresses nothing may be sent to, whatever a journey decides.

A journey stops sending when it learns of an unsubscribe or a hard bounce, but it learns late
(an event is a signal in its queue) and only for itself: the prospect's other journeys, a retry
already scheduled, or a re-enrolment would still send. So the send activity checks this list
right before it talks to the SMTP server.

Addresses are kept as a SHA-256 of their normalised form, with the address itself beside it
for the operator. Erasing a prospect clears the address but keeps the hash, so someone who asked
to be forgotten is still never mailed again if a CRM sync brings their address back.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Literal

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from nurture.rows import insert_unless_present
from nurture.tables import UtcDateTime

SuppressionReason = Literal["unsubscribed", "hard_bounce", "complaint", "erased"]


class Suppression(SQLModel, table=True):
    __tablename__ = "suppressions"

    address_hash: str = Field(primary_key=True, max_length=64)
    # None once the prospect was erased: the hash alone still blocks the address.
    address: str | None = Field(default=None, max_length=320)
    reason: str = Field(max_length=32)
    source: str = Field(max_length=200)
    detail: str | None = Field(default=None, sa_column=Column(Text))
    at: datetime = Field(sa_type=UtcDateTime)


def address_hash(address: str) -> str:
    """The key of an address: case and surrounding space do not make a different mailbox.

    The local part is case-sensitive by RFC 5321, but no mailbox provider treats it so, and
    mailing `Ada@x` after `ada@x` unsubscribed is exactly the failure this list prevents.
    """
    return hashlib.sha256(address.strip().lower().encode()).hexdigest()


async def suppress(
    session: AsyncSession,
    *,
    address: str,
    reason: SuppressionReason,
    source: str,
    at: datetime,
    detail: str | None = None,
) -> bool:
    """Add the address unless it is listed already (the first reason stays); True if added."""
    key = address_hash(address)
    row = Suppression(
        address_hash=key,
        address=address.strip(),
        reason=reason,
        source=source[:200],
        detail=detail,
        at=at,
    )
    return await insert_unless_present(session, row, key=key)


async def suppression_of(session: AsyncSession, *, address: str) -> Suppression | None:
    return await session.get(Suppression, address_hash(address))


async def forget_address(session: AsyncSession, *, address: str) -> None:
    """Keep blocking the address but no longer store it in the clear (erasure)."""
    row = await session.get(Suppression, address_hash(address))
    if row is not None and row.address is not None:
        row.address = None
        session.add(row)
        await session.commit()
