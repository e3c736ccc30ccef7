"""Put addresses on the suppression list as the events that call for it arrive.

Done where events are recorded, before any journey is signalled: the list must hold from the
moment we know, for every journey of the prospect and for sends already in flight, not from
when some journey gets round to the event. A complaint (a spam report relayed by the provider)
arrives as an `unsubscribed` event whose reason is `complaint`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlmodel import col, select

from nurture.db import Database
from nurture.suppressions import SuppressionReason, suppress
from nurture.tables import ProspectRecord
from workflows.events import EmailBounced, ProspectEvent, Unsubscribed

COMPLAINT_REASON = "complaint"


def suppression_reason(event: ProspectEvent) -> SuppressionReason | None:
    if isinstance(event, Unsubscribed):
        return "complaint" if event.data.reason == COMPLAINT_REASON else "unsubscribed"
    if isinstance(event, EmailBounced) and event.data.permanent:
        return "hard_bounce"
    return None


async def suppress_for_events(db: Database, events: Sequence[ProspectEvent]) -> int:
    """List the addresses these events make unmailable; answers how many were new."""
    wanted = [(event, reason) for event in events if (reason := suppression_reason(event))]
    if not wanted:
        return 0
    prospect_ids = {event.prospect_id for event, _ in wanted}
    added = 0
    async with db.session() as session:
        rows = await session.exec(
            select(ProspectRecord.id, ProspectRecord.email).where(
                col(ProspectRecord.id).in_(prospect_ids)
            )
        )
        addresses = dict(rows.all())
        for event, reason in wanted:
            bounced = event.data.recipient if isinstance(event, EmailBounced) else None
            address = bounced or addresses.get(event.prospect_id)
            if address is None:
                continue
            added += await suppress(
                session,
                address=address,
                reason=reason,
                source=f"event:{event.id}",
                detail=_detail(event),
                at=event.occurred_at or datetime.now(UTC),
            )
    return added


def _detail(event: ProspectEvent) -> str | None:
    if isinstance(event, Unsubscribed):
        return event.data.reason
    if isinstance(event, EmailBounced):
        return " ".join(part for part in (event.data.status, event.data.diagnostic) if part) or None
    return None
