"""The journey's activities: everything the workflow asks of the outside world.

Each one is idempotent on the command's stable key, because Temporal retries activities and a
replayed workflow may ask again: the second call finds the first call's row and returns its
result instead of sending or creating anything twice.
"""

from __future__ import annotations

from temporalio import activity

from activities import projections
from activities.mailer import compose_journey_email, deliver
from activities.message_ids import message_id_for
from nurture.db import Database
from nurture.settings import Settings
from nurture.tables import SentEmail
from workflows.contract import (
    RECORD_PROJECTION_ACTIVITY,
    SEND_EMAIL_ACTIVITY,
    RecordProjectionInput,
    SendEmailInput,
    SendResult,
)


class JourneyActivities:
    def __init__(self, db: Database, settings: Settings) -> None:
        self._db = db
        self._settings = settings

    @activity.defn(name=SEND_EMAIL_ACTIVITY)
    async def send_email(self, input: SendEmailInput) -> SendResult:
        """Send one content e-mail and answer with its Message-ID."""
        async with self._db.session() as session:
            sent = await projections.find_sent_email(session, key=input.key)
        if sent is not None:
            return SendResult(status="sent", message_id=sent.message_id)
        message_id = message_id_for(input.key, input.sender.from_address)
        message = compose_journey_email(input, settings=self._settings, message_id=message_id)
        # No database transaction is held open while the SMTP server is talked to. If recording
        # fails after a successful send, the retry sends again: at least once, never lost, and
        # with the same Message-ID so the duplicate can be recognised.
        await deliver(message, self._settings)
        row = SentEmail(
            key=input.key,
            message_id=message_id,
            workflow_id=input.workflow_id,
            prospect_id=input.prospect.id,
            journey_id=input.journey_id,
            content_id=input.content.id,
            to_address=input.prospect.email,
            subject=str(message["Subject"]),
            reason=input.reason,
            sent_at=input.at,
        )
        async with self._db.session() as session:
            await projections.record_sent_email(session, row=row)
        return SendResult(status="sent", message_id=message_id)

    @activity.defn(name=RECORD_PROJECTION_ACTIVITY)
    async def record_projection(self, input: RecordProjectionInput) -> None:
        """Mirror the journey's state and new decisions into the database for the API and UI."""
        async with self._db.session() as session:
            await projections.record_projection(
                session,
                workflow_id=input.workflow_id,
                state=input.state,
                decisions=input.decisions,
                next_action=input.next_action,
                at=input.at,
            )
