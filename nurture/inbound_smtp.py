"""An inbound SMTP listener: point a forwarding mailbox or an MX at it instead of a webhook.

It runs aiosmtpd on the caller's event loop, so the database engine and the Temporal client are
shared with it, and hands each message to the same service as `POST /inbound/email`. SMTP's own
answer codes carry the outcome: 250 once recorded, 451 (the sender retries later) when the
journeys could not be reached, 554 for something that is not an e-mail.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiosmtpd.smtp import SMTP
from temporalio.client import Client

from api.inbound_service import MAX_MESSAGE_BYTES, receive_email
from inbound.message import MessageUnreadable
from nurture.db import Database

log = logging.getLogger("nurture.inbound")


class InboundHandler:
    def __init__(self, db: Database, temporal: Client) -> None:
        self._db = db
        self._temporal = temporal

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.original_content or envelope.content
        raw = content if isinstance(content, bytes) else str(content).encode()
        try:
            result = await receive_email(self._db, self._temporal, raw)
        except MessageUnreadable as error:
            return f"554 5.6.0 not an e-mail: {error}"
        except Exception:
            log.exception("inbound message not recorded")
            return "451 4.3.0 not recorded, try again later"
        if result.delivery_failed:
            return "451 4.3.0 recorded but the journeys are unreachable, try again later"
        log.info(
            "inbound %s from %s: %s (prospect %s)",
            result.inbound_id,
            envelope.mail_from,
            result.kind,
            result.prospect_id,
        )
        return "250 2.0.0 accepted"


async def serve_inbound_smtp(
    db: Database, temporal: Client, *, host: str, port: int
) -> asyncio.Server:
    handler = InboundHandler(db, temporal)
    loop = asyncio.get_running_loop()
    return await loop.create_server(
        lambda: SMTP(handler, data_size_limit=MAX_MESSAGE_BYTES, hostname="nurture-inbound"),
        host=host,
        port=port,
    )
