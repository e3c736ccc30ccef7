"""Writing a row once, whoever asks first: the shape of every idempotent insert here."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession


async def insert_unless_present(session: AsyncSession, row: SQLModel, *, key: object) -> bool:
    """Insert `row` unless its table has a row with primary key `key`; True only for the call
    that inserted it. A concurrent insert of the same key wins, and this call answers False."""
    if await session.get(type(row), key) is not None:
        return False
    session.add(row)
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        return False
    return True
