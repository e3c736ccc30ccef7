"""Prospect events from webhooks and integrations: one event or a list, applied once per id."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, HTTPException, status
from fastapi.exceptions import RequestValidationError

from api.delivery import UnknownProspects, deliver_events
from api.deps import DatabaseDep, SettingsDep, TemporalDep
from api.schemas import EventDeliveryOut, EventsAcceptedOut, EventsBody
from api.webhook_guard import WEBHOOK_RESPONSES, signed_webhook

router = APIRouter(prefix="/events", tags=["events"])


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        **WEBHOOK_RESPONSES,
        404: {"description": "An event names an unknown prospect; none was applied."},
        503: {"description": "A journey could not be reached; send the same events again."},
    },
    dependencies=[Depends(signed_webhook)],
)
async def post_events(
    body: Annotated[EventsBody, Body()],
    db: DatabaseDep,
    temporal: TemporalDep,
    settings: SettingsDep,
) -> EventsAcceptedOut:
    """Record events and signal every active journey of their prospects.

    An event id seen before is reported as a `duplicate` and changes nothing in a journey that
    already applied it. An event for a journey that has just ended is kept, with a note.
    """
    events = body if isinstance(body, list) else [body]
    if len(events) > settings.max_event_batch:
        raise _batch_too_long(len(events), limit=settings.max_event_batch)
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


def _batch_too_long(count: int, *, limit: int) -> RequestValidationError:
    """422 in the shape of the enrollments' list limit (a schema limit there, a setting here)."""
    return RequestValidationError(
        [
            {
                "type": "too_long",
                "loc": ("body",),
                "msg": f"at most {limit} events per request (max_event_batch), not {count}",
                "input": None,
                "ctx": {"field_type": "List", "max_length": limit, "actual_length": count},
            }
        ]
    )
