"""`POST /inbound/email`: where the mail provider's inbound webhook or a forwarding mailbox posts.

Accepts the raw RFC 5322 message (`message/rfc822`, `text/plain` or any non-JSON body) or the
JSON that inbound-parse webhooks post (Postmark, SendGrid, Mailgun shapes, or `{"raw": …}`).
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response, status

from api.deps import DatabaseDep, TemporalDep
from api.inbound_service import InboundResult, receive_email
from api.webhook_guard import WEBHOOK_RESPONSES, SignedWebhookDep
from inbound.message import MessageUnreadable
from inbound.webhook import message_from_webhook

router = APIRouter(prefix="/inbound", tags=["inbound"])


@router.post(
    "/email",
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        **WEBHOOK_RESPONSES,
        413: {"description": "Larger than the max_inbound_email_bytes setting (10 MiB)."},
        422: {"description": "Not an e-mail, or a webhook payload missing what it needs."},
        503: {"description": "Recorded but not yet applied; post it again."},
    },
    openapi_extra={
        "requestBody": {
            "content": {
                "message/rfc822": {"schema": {"type": "string"}},
                "application/json": {"schema": {"type": "object"}},
            },
            "required": True,
        }
    },
)
async def inbound_email(
    request: Request,
    response: Response,
    db: DatabaseDep,
    temporal: TemporalDep,
    webhook: SignedWebhookDep,
) -> InboundResult:
    """Classify a message and apply it to the prospect's journeys; duplicates apply once."""
    # Its size is bounded by `api.body_limit` (the max_inbound_email_bytes setting).
    body = await request.body()
    raw = _raw_message(body, request.headers.get("content-type", ""))
    try:
        result = await receive_email(db, temporal, raw)
    except MessageUnreadable as error:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, f"not an e-mail: {error}"
        ) from error
    if result.delivery_failed:
        # The provider retries on 5xx; the retry re-delivers the recorded event.
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            f"recorded as {result.inbound_id} but not yet applied: {result.note}",
            headers={"Retry-After": "5"},
        )
    # A signed webhook's retry (same id and body: the sender missed or refused our first
    # answer) is answered 202 as a first delivery; the same message under another id is 200.
    if result.duplicate and not (webhook and webhook.retry):
        response.status_code = status.HTTP_200_OK
    return result


def _raw_message(body: bytes, content_type: str) -> bytes:
    if "json" not in content_type.lower():
        return body
    try:
        payload: Any = json.loads(body)
    except ValueError as error:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, f"the body is not valid JSON: {error}"
        ) from error
    if not isinstance(payload, dict):
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "the JSON body must be an object"
        )
    try:
        return message_from_webhook(payload)
    except ValueError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from error
