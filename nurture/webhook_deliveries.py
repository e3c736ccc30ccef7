"""Signed webhook deliveries already received, by `webhook-id`: replay protection.

A signed request is valid while its timestamp is within the tolerance of our clock, on either
side, so the same signed bytes can come back for up to twice the tolerance after we first saw
them; each id is remembered that long (`keep_for`) and then forgotten, the timestamp check
refusing anything older. Rows past that age are deleted whenever a new id is recorded, so the
table holds a few minutes of traffic, not a history.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal

from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, SQLModel, col, delete

from nurture.tables import UtcDateTime
from nurture.webhook_signatures import MAX_WEBHOOK_ID_LENGTH

if TYPE_CHECKING:  # nurture.db imports this module (through nurture.schema) to register it
    from nurture.db import Database

# `first`: a new id; `retry`: the id again with the same body (the sender retrying);
# `reused`: the id again with another body, which a sender must never do.
Seen = Literal["first", "retry", "reused"]


class WebhookDelivery(SQLModel, table=True):
    __tablename__ = "webhook_deliveries"

    id: str = Field(primary_key=True, max_length=MAX_WEBHOOK_ID_LENGTH)
    body_sha256: str = Field(max_length=64)
    received_at: datetime = Field(sa_type=UtcDateTime, index=True)


async def remember_delivery(
    db: Database,
    *,
    webhook_id: str,
    body_sha256: str,
    received_at: datetime,
    keep_for: timedelta,
) -> Seen:
    """Record a delivery's id (unless already known) and say which kind of arrival it is."""
    async with db.session() as session:
        await session.exec(
            delete(WebhookDelivery).where(col(WebhookDelivery.received_at) < received_at - keep_for)
        )
        known = await session.get(WebhookDelivery, webhook_id)
        if known is None:
            session.add(
                WebhookDelivery(id=webhook_id, body_sha256=body_sha256, received_at=received_at)
            )
            try:
                await session.commit()
            except IntegrityError:
                # The same id in a concurrent request, recorded first: compare with that one.
                await session.rollback()
                known = await session.get(WebhookDelivery, webhook_id)
            else:
                return "first"
        else:
            await session.commit()  # keep the pruning
    if known is None:
        # Recorded by a concurrent request and pruned since: long gone, so this one is new.
        return "first"
    return "retry" if known.body_sha256 == body_sha256 else "reused"
