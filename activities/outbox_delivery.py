"""Deliver an e-mail at most once per key, through the outbox (see `nurture.outbox`).

Every outcome is written to the outbox row before the activity answers, and every failure is
raised as what a retry could change: a 4xx, a disconnect or a timeout before DATA is retried
with the row back at `pending`; a permanent refusal is `failed` and non-retryable; a hard
bounce also suppresses the address; a refusal of *us* (login, policy, sender) raises an alert.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Literal

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.exceptions import ApplicationError

from activities.smtp_replies import Meaning, is_alert, meaning
from activities.smtp_transaction import DeliveryUncertain, SmtpRefused, transmit
from nurture.db import Database
from nurture.erasures import lock_unless_erased
from nurture.metrics import EMAILS_UNCERTAIN, SMTP_ALERTS
from nurture.outbox import TRANSMITTABLE, OutboxMessage, next_step
from nurture.settings import Settings
from nurture.suppressions import suppress, suppression_of
from workflows.contract import (
    ADDRESS_REJECTED,
    RECIPIENT_DEFERRED,
    SMTP_AUTH_FAILED,
    SMTP_REFUSED,
)

logger = logging.getLogger(__name__)

# About a minute of trying to record a delivered e-mail as sent (the attempt heartbeats meanwhile).
_SENT_WRITE_ATTEMPTS = 10
# Those attempts' waits add up to 56 s; with the writes themselves, under 70 s.
_SENT_WRITE_WINDOW = timedelta(seconds=70)

# Retryable, raised when another attempt holds the message: the retry finds its outcome.
SEND_IN_PROGRESS = "SendInProgress"
DELIVERY_UNCERTAIN = "DeliveryUncertain"

ERASED = "the prospect was erased"

_FAILURE_TYPES: dict[Meaning, str] = {
    "hard_bounce": ADDRESS_REJECTED,
    "rejected": ADDRESS_REJECTED,
    "auth": SMTP_AUTH_FAILED,
    "policy": SMTP_REFUSED,
    "refused_us": SMTP_REFUSED,
}


@dataclass(frozen=True)
class Outcome:
    state: Literal["sent", "uncertain", "suppressed"]
    message_id: str
    subject: str
    detail: str | None = None


@dataclass(frozen=True)
class Envelope:
    """Who the message is about, for the outbox row and the suppression list."""

    key: str
    kind: str
    to_address: str
    workflow_id: str | None = None
    prospect_id: str | None = None
    # Content e-mails honour the suppression list; a notice to a salesperson does not.
    suppressible: bool = True


async def deliver_once(
    db: Database, settings: Settings, *, envelope: Envelope, message: EmailMessage
) -> Outcome:
    claimed = await _claim(db, envelope=envelope, message=message)
    if claimed is None:
        return Outcome(
            "suppressed", str(message["Message-ID"]), str(message["Subject"] or ""), ERASED
        )
    row, suppressed = claimed
    policy = settings.uncertain_sends
    step = next_step(row.state, policy=policy, in_flight=_in_flight(row, settings))
    if step == "wait":
        raise ApplicationError(
            "an earlier attempt may still be delivering this message", type=SEND_IN_PROGRESS
        )
    if step == "mark_uncertain":
        row = await _mark_uncertain(db, row=row, why="an earlier attempt ended during DATA")
        step = next_step(row.state, policy=policy)
    if step == "answer_sent":
        state: Literal["sent", "uncertain"] = "sent" if row.state == "sent" else "uncertain"
        return Outcome(state, row.message_id, row.subject, row.last_error)
    if step == "answer_suppressed":
        return Outcome("suppressed", row.message_id, row.subject, row.last_error)
    if step == "answer_failed":
        raise ApplicationError(
            f"delivery failed earlier: {row.last_error}",
            type=row.failure_type or SMTP_REFUSED,
            non_retryable=True,
        )
    if suppressed is not None:
        await _set_state(db, key=row.key, state="suppressed", error=suppressed)
        return Outcome("suppressed", row.message_id, row.subject, suppressed)
    return await _transmit(db, settings, row=row, message=message, envelope=envelope)


async def _transmit(
    db: Database,
    settings: Settings,
    *,
    row: OutboxMessage,
    message: EmailMessage,
    envelope: Envelope,
) -> Outcome:
    async def take_the_message() -> None:
        # The compare-and-set that lets only one attempt transmit: if it finds the row moved
        # on, another attempt is sending (or has sent) it, and this one stops before DATA.
        taken = await _take_for_sending(db, key=row.key, policy=settings.uncertain_sends)
        if not taken:
            raise ApplicationError(
                "another attempt is delivering this message", type=SEND_IN_PROGRESS
            )

    try:
        await transmit(message, settings=settings, before_data=take_the_message)
    except SmtpRefused as refusal:
        raise await _refused(db, envelope=envelope, refusal=refusal) from refusal
    except DeliveryUncertain as lost:
        row = await _mark_uncertain(db, row=row, why=str(lost))
        if settings.uncertain_sends == "resend":
            raise ApplicationError(str(lost), type=DELIVERY_UNCERTAIN) from lost
        return Outcome("uncertain", row.message_id, row.subject, row.last_error)
    except ApplicationError:
        raise
    except Exception as error:
        # Nothing was transmitted (a failure before DATA): the row stays pending for the retry.
        await _note_attempt(db, key=row.key, error=f"{type(error).__name__}: {error}")
        raise
    await _record_sent(db, key=row.key)
    return Outcome("sent", row.message_id, row.subject)


def _in_flight(row: OutboxMessage, settings: Settings) -> bool:
    """Could the attempt that set the row `sending` still be at it: in DATA (one SMTP timeout)
    or writing `sent` afterwards (`_record_sent`'s minute)?"""
    busy_for = timedelta(seconds=settings.smtp_timeout_seconds) + _SENT_WRITE_WINDOW
    return datetime.now(UTC) - row.updated_at < busy_for


async def _record_sent(db: Database, *, key: str) -> None:
    """Write `sent`, trying again for a while: the server has the message now, and a row left
    in `sending` would make the retry call it uncertain (and, under `resend`, send it again)."""
    delay = 0.5
    for _ in range(_SENT_WRITE_ATTEMPTS - 1):
        try:
            await _set_state(
                db, key=key, state="sent", error=None, allowed=("sending", "uncertain")
            )
        # ConnectionError: asyncpg's refused connection to a PostgreSQL that is down, unwrapped.
        except (SQLAlchemyError, ConnectionError) as error:
            logger.warning("recording e-mail %s as sent failed, trying again: %s", key, error)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)
        else:
            return
    await _set_state(db, key=key, state="sent", error=None, allowed=("sending", "uncertain"))


async def _refused(db: Database, *, envelope: Envelope, refusal: SmtpRefused) -> ApplicationError:
    what = meaning(refusal.reply, phase=refusal.phase)
    text = str(refusal)
    if what == "retry":
        await _note_attempt(db, key=envelope.key, error=text)
        deferred = "recipient deferred" if refusal.phase == "recipient" else "deferred"
        return ApplicationError(f"{deferred}: {text}", type=RECIPIENT_DEFERRED)
    failure_type = _FAILURE_TYPES[what]
    await _set_state(db, key=envelope.key, state="failed", error=text, failure_type=failure_type)
    if what == "hard_bounce" and envelope.suppressible:
        async with db.session() as session:
            await suppress(
                session,
                # The refused recipient: with several, it need not be the one named first.
                address=refusal.recipient or envelope.to_address,
                reason="hard_bounce",
                source=f"smtp:{envelope.key}",
                detail=text,
                at=datetime.now(UTC),
            )
    if is_alert(what):
        SMTP_ALERTS.labels(kind=what).inc()
        logger.error(
            "ALERT: the SMTP server refuses us (%s); fix it, no retry helps: %s", what, text
        )
    prefix = (
        "recipient rejected" if failure_type == ADDRESS_REJECTED else "the SMTP server refused us"
    )
    return ApplicationError(f"{prefix}: {text}", type=failure_type, non_retryable=True)


async def _claim(
    db: Database, *, envelope: Envelope, message: EmailMessage
) -> tuple[OutboxMessage, str | None] | None:
    """The key's row, created as `pending` by the first attempt, and why the address is
    suppressed (None if it is not, or the message ignores the list), read in one session.

    None if the message is about a prospect erased since it was decided: nothing is written.
    """
    async with db.session() as session:
        if envelope.prospect_id is not None and not await lock_unless_erased(
            session, prospect_id=envelope.prospect_id
        ):
            await session.rollback()
            return None
        suppressed = (
            await _suppressed(session, address=envelope.to_address)
            if envelope.suppressible
            else None
        )
        row = await session.get(OutboxMessage, envelope.key)
        if row is not None:
            return row, suppressed
        row = OutboxMessage(
            key=envelope.key,
            message_id=str(message["Message-ID"]),
            kind=envelope.kind,
            workflow_id=envelope.workflow_id,
            prospect_id=envelope.prospect_id,
            to_address=envelope.to_address,
            subject=str(message["Subject"] or ""),
        )
        session.add(row)
        try:
            await session.commit()
        except IntegrityError:
            await session.rollback()
        else:
            return row, suppressed
    async with db.session() as session:
        found = await session.get(OutboxMessage, envelope.key)
    if found is None:  # pragma: no cover - the conflict above means it exists
        raise RuntimeError(f"outbox row {envelope.key!r} vanished")
    return found, suppressed


async def _take_for_sending(db: Database, *, key: str, policy: str) -> bool:
    allowed = TRANSMITTABLE["resend" if policy == "resend" else "assume_sent"]
    async with db.session() as session:
        result = await session.exec(
            update(OutboxMessage)
            .where(col(OutboxMessage.key) == key, col(OutboxMessage.state).in_(allowed))
            .values(
                state="sending",
                attempts=OutboxMessage.attempts + 1,
                updated_at=datetime.now(UTC),
            )
        )
        await session.commit()
        return bool(result.rowcount)


async def _set_state(
    db: Database,
    *,
    key: str,
    state: str,
    error: str | None,
    failure_type: str | None = None,
    allowed: tuple[str, ...] | None = None,
) -> bool:
    """Move the row to `state` (only from `allowed`, when given); True if it moved."""
    statement = update(OutboxMessage).where(col(OutboxMessage.key) == key)
    if allowed is not None:
        statement = statement.where(col(OutboxMessage.state).in_(allowed))
    async with db.session() as session:
        result = await session.exec(
            statement.values(
                state=state,
                last_error=error,
                failure_type=failure_type,
                updated_at=datetime.now(UTC),
            )
        )
        await session.commit()
        return bool(result.rowcount)


async def _note_attempt(db: Database, *, key: str, error: str) -> None:
    """Remember why an attempt failed before DATA; the row stays `pending`."""
    async with db.session() as session:
        await session.exec(
            update(OutboxMessage)
            .where(col(OutboxMessage.key) == key)
            .values(last_error=error, updated_at=datetime.now(UTC))
        )
        await session.commit()


async def _mark_uncertain(db: Database, *, row: OutboxMessage, why: str) -> OutboxMessage:
    detail = f"delivery uncertain: {why}"
    if await _set_state(db, key=row.key, state="uncertain", error=detail, allowed=("sending",)):
        EMAILS_UNCERTAIN.labels(kind=row.kind).inc()
        logger.warning("e-mail %s (%s) may not have arrived: %s", row.key, row.message_id, why)
    async with db.session() as session:
        found = await session.get(OutboxMessage, row.key)
    return found if found is not None else row


async def _suppressed(session: AsyncSession, *, address: str) -> str | None:
    entry = await suppression_of(session, address=address)
    if entry is None:
        return None
    return f"address suppressed ({entry.reason} at {entry.at.isoformat()})"
