"""Prospect events from webhooks and integrations: one event or a list, applied once per id."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, HTTPException, status

from api.delivery import UnknownProspects, deliver_events
from api.deps import DatabaseDep, TemporalDep
from api.schemas import EventDeliveryOut, EventsAcceptedOut, EventsBody

router = APIRouter(prefix="/events", tags=["events"])


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        404: {"description": "An event names an unknown prospect; none was applied."},
        503: {"description": "A journey could not be reached; send the same events again."},
    },
)
async def post_events(
    body: Annotated[EventsBody, Body()], db: DatabaseDep, temporal: TemporalDep
) -> EventsAcceptedOut:
    """Record events and signal every active journey of their prospects.

    An event id seen before is reported as a `duplicate` and changes nothing in a journey that
    already applied it. An event for a journey that has just ended is kept, with a note.
    """
    events = body if isinstance(body, list) else [body]
    try:
        deliveries = await deliver_events(db, temporal, events)
    except UnknownProspects as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from error
    failed = [delivery for delivery in deliveries if delivery.failed]
    if failed:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "; ".join(f"event {delivery.event.id!r}: {delivery.note}" for delivery in failed),
        )
    return EventsAcceptedOut(
        accepted=len(deliveries),
        events=[
            EventDeliveryOut(
                id=delivery.event.id,
                delivered_to=delivery.delivered_to,
                duplicate=delivery.duplicate,
                note=delivery.note,
            )
            for delivery in deliveries
        ],
    )
