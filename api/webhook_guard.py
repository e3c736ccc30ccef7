"""`signed_webhook`: the dependency that lets only signed requests into the webhook endpoints.

With `webhook_secrets` configured, a request to `POST /events` or `POST /inbound/email` must
carry a valid Standard Webhooks signature (`nurture.webhook_signatures`) over its raw body, else
401 naming why; an id already accepted with another body is 409. With no secret configured
nothing is checked here (API keys still apply). The body is read as bytes through Starlette's
cache, so the route reads the very same bytes afterwards.

When to record the id. A sender retries a delivery with the same id and body when our answer
was not a success, e.g. the events API's 503 "send again" after a journey could not be reached
half-way through. That retry must reach the handler again, or the rest of the delivery would be
lost. So the id is recorded here, before the handler runs, and a retry of the same body is let
through to it: both handlers are idempotent (events by event id, inbound e-mail by Message-ID,
each re-delivering whatever the first attempt did not), so a retry applies only what is
missing, never anything twice. Recording first (rather than after a success) also settles two
concurrent requests with one id and different bodies through the table's primary key.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from api.deps import DatabaseDep, SettingsDep
from nurture.webhook_deliveries import remember_delivery
from nurture.webhook_signatures import ID_HEADER, SignatureRejected, verify

WEBHOOK_RESPONSES: dict[int | str, dict[str, str]] = {
    401: {"description": "Webhook secrets are configured and the signature is missing or wrong."},
    409: {"description": "This webhook-id was accepted before with a different body."},
}


@dataclass(frozen=True)
class SignedDelivery:
    webhook_id: str
    retry: bool  # the sender sent this id and body before (its earlier answer may have failed)


async def signed_webhook(
    request: Request, settings: SettingsDep, db: DatabaseDep
) -> SignedDelivery | None:
    """The verified delivery, or None when no webhook secret is configured."""
    if not settings.webhook_secrets:
        return None
    body = await request.body()
    now = datetime.now(UTC)
    tolerance = timedelta(seconds=settings.webhook_tolerance_seconds)
    try:
        verify(
            headers=request.headers,
            body=body,
            secrets=[secret.get_secret_value() for secret in settings.webhook_secrets],
            now=now,
            tolerance=tolerance,
        )
    except SignatureRejected as rejected:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, rejected.reason) from rejected
    webhook_id = request.headers[ID_HEADER].strip()
    seen = await remember_delivery(
        db,
        webhook_id=webhook_id,
        body_sha256=hashlib.sha256(body).hexdigest(),
        received_at=now,
        # Valid from `tolerance` before to `tolerance` after its timestamp: seen for that long.
        keep_for=2 * tolerance,
    )
    if seen == "reused":
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"webhook id reused: {webhook_id!r} was accepted before with a different body",
        )
    return SignedDelivery(webhook_id=webhook_id, retry=seen == "retry")


SignedWebhookDep = Annotated[SignedDelivery | None, Depends(signed_webhook)]
