"""The sending policy in the database: the policy in force, and the check made right before a send.

Two journeys of one prospect may send at the same instant, on two workers. Counting the
prospect's e-mails and then sending is a race: both count one e-mail under a cap of two and both
send. So the check and its record are one transaction, serialised per prospect:

1. Upsert the prospect's `prospect_send_locks` row first. On PostgreSQL this takes that row's
   lock, held to the end of the transaction, so a second check of the same prospect waits at
   this statement (checks of other prospects do not). On SQLite the first write of a transaction
   takes the database's write lock, which serialises every check (SQLite has one writer anyway).
   Writing first also means the reads below see everything committed before the lock was ours.
2. Count the prospect's e-mails in the cap's window: those in `sent_emails` (every journey) and
   those cleared but still being delivered (`send_reservations`).
3. If the policy clears the send, insert a reservation under the send's key, then commit, which
   releases the lock. The next check counts this e-mail even though it is not sent yet.

A retry of the same send (same key) finds its reservation and goes ahead without a second
check, so a send once cleared is never turned into a deferral halfway; one already recorded as
sent is answered from `sent_emails` before any of this. Once the e-mail is recorded as sent the
reservation is deleted (the sent row counts from then on); a send that fails for good deletes it,
so an e-mail that never left does not use up the cap.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from nurture.db import Database
from nurture.policy_store import current_policy
from nurture.tables import SendReservation, SentEmail
from workflows.clearance import SEND_NOW, Clearance, clearance

# INSERT … ON CONFLICT DO UPDATE reads the same on SQLite (3.24+) and PostgreSQL, and on both
# it writes (so locks) the row whether or not it existed.
_TAKE_PROSPECT_LOCK = text(
    "INSERT INTO prospect_send_locks (prospect_id, checks) VALUES (:prospect_id, 1) "
    "ON CONFLICT (prospect_id) DO UPDATE SET checks = prospect_send_locks.checks + 1"
)


async def clear_send(
    db: Database, *, key: str, prospect_id: str, zone: str, at: datetime
) -> Clearance:
    """May the e-mail `key` go to the prospect at `at`? If so, it is reserved against the cap."""
    async with db.session() as session:
        connection = await session.connection()
        await connection.execute(_TAKE_PROSPECT_LOCK, {"prospect_id": prospect_id})
        if await session.get(SendReservation, key) is not None:
            await session.rollback()
            return SEND_NOW
        policy = await current_policy(session)
        cap = policy.frequency_cap
        recent = (
            await _sends_since(session, prospect_id=prospect_id, since=at - cap.per)
            if cap is not None
            else []
        )
        # A send recorded at a later moment than this check's `at` was made by a workflow whose
        # clock reads slightly ahead: it happened at the same time as this one, so it counts now.
        verdict = clearance(
            policy, now=at, zone=zone, recent_sends=[min(sent, at) for sent in recent]
        )
        if verdict.verdict != "send":
            await session.rollback()
            return verdict
        session.add(SendReservation(key=key, prospect_id=prospect_id, at=at))
        await session.commit()
        return verdict


async def release(db: Database, *, key: str) -> None:
    """Forget the reservation of `key`: the e-mail is in `sent_emails` now, or will never be."""
    async with db.session() as session:
        await session.exec(delete(SendReservation).where(col(SendReservation.key) == key))
        await session.commit()


async def _sends_since(
    session: AsyncSession, *, prospect_id: str, since: datetime
) -> list[datetime]:
    """When each of the prospect's e-mails after `since` was sent or cleared, across journeys."""
    reserved = await session.exec(
        select(SendReservation.key, SendReservation.at).where(
            SendReservation.prospect_id == prospect_id, col(SendReservation.at) > since
        )
    )
    sent = await session.exec(
        select(SentEmail.key, SentEmail.sent_at).where(
            SentEmail.prospect_id == prospect_id, col(SentEmail.sent_at) > since
        )
    )
    # By key: an e-mail recorded as sent whose reservation is not deleted yet counts once.
    moments = dict(reserved.all())
    moments.update(sent.all())
    return list(moments.values())
