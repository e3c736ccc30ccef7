"""What an inbound e-mail does: classify it, find whose it is, apply it to their journeys.

The out-of-office robot of article 000. A message is matched to a prospect through the
Message-IDs of our own e-mails it refers to (In-Reply-To, References, a bounce's returned
headers), else by the bounced recipient, else by the sender's address. It becomes one
prospect event (a reply, an out-of-office with its return date, a bounce, an unsubscribe) that
every journey of the prospect applies. What cannot be classified with confidence, or matched to
anyone, becomes a review task with the message attached; nothing is dropped. The same message
posted twice (webhooks retry) is recognised by its Message-ID and applied once.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import func, inspect
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client

from api.delivery import deliver_events, event_from_record
from inbound.classify import Classification, classify
from inbound.message import InboundMessage, parse_message
from nurture.db import Database
from nurture.tables import EventRecord, InboundEmail, ProspectRecord, SalesTask, SentEmail
from workflows.commands import stable_digest, task_id_for
from workflows.events import PROSPECT_EVENT, ProspectEvent

REVIEW_QUEUE = "inbound-review"
MAX_MESSAGE_BYTES = 25 * 1024 * 1024  # the usual provider limit for one message
RAW_KEPT = 1_000_000  # characters of the raw message kept for a person to read


class InboundResult(BaseModel):
    """What became of one inbound message."""

    inbound_id: str
    duplicate: bool
    kind: str
    return_date: str | None
    alternate_contact: dict[str, Any] | None
    reason: str
    prospect_id: str | None
    matched_by: str | None
    event_id: str | None
    delivered_to: list[str]
    review_task_id: str | None
    note: str | None
    delivery_failed: bool = False


async def receive_email(
    db: Database, temporal: Client, raw: bytes, *, received_at: datetime | None = None
) -> InboundResult:
    """Raises `inbound.message.MessageUnreadable` when `raw` is not an e-mail at all."""
    now = received_at or datetime.now(UTC)
    message = parse_message(raw)
    inbound_id = stable_digest(message.message_id or raw.decode("utf-8", "replace"))[:32]
    async with db.session() as session:
        seen = await session.get(InboundEmail, inbound_id)
        recorded = await session.get(EventRecord, seen.event_id) if seen and seen.event_id else None
    if seen is not None:
        # A retried webhook: deliver the event again (journeys apply an id once), since the
        # first delivery may have failed half-way.
        if recorded is None:
            return _result(seen, duplicate=True, delivered_to=[])
        return await _deliver(db, temporal, seen, event_from_record(recorded), duplicate=True)
    verdict = classify(message, received_at=now)
    found = _classification_json(verdict)
    async with db.session() as session:
        prospect_id, matched_by = await _match(session, message, verdict)
    row = InboundEmail(
        id=inbound_id,
        message_id=_if_it_fits(message.message_id, column="message_id"),
        received_at=now,
        from_address=_if_it_fits(message.from_address, column="from_address"),
        subject=message.subject,
        kind=verdict.kind,
        return_date=found["return_date"],
        reason=verdict.reason,
        classification=found,
        prospect_id=prospect_id,
        matched_by=matched_by,
        # NUL shown as the replacement character: PostgreSQL cannot store it in text.
        raw=raw.decode("utf-8", "replace")[:RAW_KEPT].replace("\x00", "\ufffd"),
    )
    try:
        event = _event(inbound_id, prospect_id, message, found, now)
        unusable = None
    except ValidationError as error:
        # What was read does not fit the event (the classifier's bug, not the sender's): the
        # message is kept for a person rather than lost in a 500.
        event, unusable = None, error
    if event is None:
        row.task_id = await _review_task(db, row, message, verdict, now)
        if unusable is not None:
            row.note = (
                f"could not be applied ({unusable.error_count()} problems): a person reviews it"
            )
        elif verdict.kind == "unknown":
            row.note = "not classified with confidence: a person reviews it"
        else:
            row.note = "no prospect matches it: a person reviews it"
    else:
        row.event_id = event.id
    try:
        async with db.session() as session:
            session.add(row)
            await session.commit()
            await session.refresh(row)
    except IntegrityError:
        # The same message in a concurrent request: answer as the duplicate it is.
        return await receive_email(db, temporal, raw, received_at=received_at)
    if event is None:
        return _result(row, duplicate=False, delivered_to=[])
    return await _deliver(db, temporal, row, event, duplicate=False)


async def _deliver(
    db: Database, temporal: Client, row: InboundEmail, event: ProspectEvent, *, duplicate: bool
) -> InboundResult:
    # Where the event went is recorded on the event itself (the events table), not on the row.
    [delivery] = await deliver_events(db, temporal, [event])
    return _result(
        row,
        duplicate=duplicate,
        delivered_to=delivery.delivered_to,
        failed=bool(delivery.failed),
        note=delivery.note,
    )


async def _match(
    session: AsyncSession, message: InboundMessage, verdict: Classification
) -> tuple[str | None, str | None]:
    if verdict.referenced_message_ids:
        sent = (
            await session.exec(
                select(SentEmail.prospect_id).where(
                    col(SentEmail.message_id).in_(verdict.referenced_message_ids)
                )
            )
        ).first()
        if sent is not None:
            return sent, "message-id"
    candidates: list[tuple[str | None, str]] = []
    if verdict.delivery_status is not None:
        candidates.append((verdict.delivery_status.recipient, "bounced recipient"))
    else:
        candidates.append((message.from_address, "sender address"))
    for address, how in candidates:
        if not address:
            continue
        prospect = (
            await session.exec(
                select(ProspectRecord.id)
                .where(func.lower(ProspectRecord.email) == address.lower())
                .order_by(col(ProspectRecord.created_at).desc())
            )
        ).first()
        if prospect is not None:
            return prospect, how
    return None, None


def _event(
    inbound_id: str,
    prospect_id: str | None,
    message: InboundMessage,
    found: dict[str, Any],
    now: datetime,
) -> ProspectEvent | None:
    """The prospect event a classified message amounts to (`found`: its JSON form)."""
    if prospect_id is None or found["kind"] == "unknown":
        return None
    text = found["reply_text"] or None
    data: dict[str, Any]
    if found["kind"] == "autoreply":
        data = {
            "return_date": found["return_date"],
            "text": text,
            "alternate_contact": found["alternate_contact"],
        }
        kind = "out_of_office"
    elif found["kind"] == "bounce":
        data = found["delivery_status"] or {"diagnostic": found["reason"]}
        kind = "email_bounced"
    elif found["kind"] == "unsubscribe":
        data = {"reason": f"asked in an e-mail: {found['reason']}"}
        kind = "unsubscribed"
    else:
        data = {"text": text, "subject": message.subject, "message_id": message.message_id}
        kind = "email_replied"
    return PROSPECT_EVENT.validate_python(
        {
            "id": f"inbound:{inbound_id}",
            "prospect_id": prospect_id,
            "type": kind,
            "occurred_at": message.sent_at or now,
            "data": data,
        }
    )


async def _review_task(
    db: Database,
    row: InboundEmail,
    message: InboundMessage,
    verdict: Classification,
    now: datetime,
) -> str:
    key = f"inbound/{row.id}"
    task_id = task_id_for(key)
    sender = message.from_address or "an unknown sender"
    title = (
        f"Read an e-mail from {sender} that could not be classified"
        if verdict.kind == "unknown"
        else f"Match an e-mail from {sender} to a prospect ({verdict.kind})"
    )
    async with db.session() as session:
        if await session.get(SalesTask, task_id) is None:
            session.add(
                SalesTask(
                    id=task_id,
                    key=key,
                    workflow_id="",
                    prospect_id=row.prospect_id or "",
                    journey_id="",
                    kind="review",
                    title=title,
                    description=f"Subject: {message.subject}",
                    queue=REVIEW_QUEUE,
                    reason=verdict.reason,
                    created_at=now,
                    message=message.text[:20_000] or None,
                    context={"inbound_id": row.id, "from": message.from_address, "kind": row.kind},
                )
            )
            await session.commit()
    return task_id


def _if_it_fits(value: str | None, *, column: str) -> str | None:
    """`value`, or None if it is longer than the `inbound_emails` column holds.

    No real address or Message-ID is that long, and PostgreSQL (unlike SQLite) would refuse the
    whole row; the raw message kept beside it still shows the value to whoever reviews it.
    """
    # String's length, also on SQLModel's AutoString (a TypeDecorator around String).
    limit: int | None = getattr(inspect(InboundEmail).columns[column].type, "length", None)
    return None if value is None or (limit is not None and len(value) > limit) else value


def _classification_json(verdict: Classification) -> dict[str, Any]:
    return {
        "kind": verdict.kind,
        "return_date": verdict.return_date.isoformat() if verdict.return_date else None,
        "alternate_contact": asdict(verdict.alternate_contact)
        if verdict.alternate_contact
        else None,
        "reason": verdict.reason,
        "reply_text": verdict.reply_text,
        "delivery_status": asdict(verdict.delivery_status) if verdict.delivery_status else None,
        "referenced_message_ids": list(verdict.referenced_message_ids),
    }


def _result(
    row: InboundEmail,
    *,
    duplicate: bool,
    delivered_to: list[str],
    failed: bool = False,
    note: str | None = None,
) -> InboundResult:
    return InboundResult(
        inbound_id=row.id,
        duplicate=duplicate,
        kind=row.kind,
        return_date=row.return_date,
        alternate_contact=row.classification.get("alternate_contact"),
        reason=row.reason,
        prospect_id=row.prospect_id,
        matched_by=row.matched_by,
        event_id=row.event_id,
        delivered_to=delivered_to,
        review_task_id=row.task_id,
        note=note or row.note,
        delivery_failed=failed,
    )
