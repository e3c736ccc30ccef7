"""The journey's activities: everything the workflow asks of the outside world.

Each one is idempotent on the command's stable key, because Temporal retries activities and a
replayed workflow may ask again: the second call finds the first call's row (the outbox's, for
an e-mail) and returns its result instead of sending or creating anything twice.
"""

from __future__ import annotations

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities import projections, sending_policy
from activities.heartbeat import heartbeating
from activities.mailer import compose_journey_email
from activities.message_ids import message_id_for
from activities.outbox_delivery import Envelope, deliver_once
from nurture.db import Database
from nurture.metrics import EMAILS_SENT, EMAILS_SUPPRESSED
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
        """Send one content e-mail unless the sending policy or the suppression list holds it
        back; answer what was done. Safe to run any number of times for one key."""
        async with heartbeating():
            return await self._send_email(input)

    async def _send_email(self, input: SendEmailInput) -> SendResult:
        async with self._db.session() as session:
            sent = await projections.find_sent_email(session, key=input.key)
        if sent is not None:
            return SendResult(status="sent", message_id=sent.message_id, subject=sent.subject)
        # The sending policy is read now, not when the journey was written, so a quiet period
        # or a cap set today holds for journeys already running. `input.at` is the workflow's
        # clock, so the cap's window is measured in the same time the sends were recorded in.
        cleared = await sending_policy.clear_send(
            self._db,
            key=input.key,
            prospect_id=input.prospect.id,
            zone=input.prospect.timezone or input.default_timezone,
            at=input.at,
        )
        if cleared.verdict != "send":
            status = "deferred" if cleared.verdict == "defer" else "dropped"
            return SendResult(status=status, until=cleared.until, reason=cleared.reason)
        message_id = message_id_for(input.key, input.sender.from_address)
        try:
            message = compose_journey_email(input, settings=self._settings, message_id=message_id)
            delivered = await deliver_once(
                self._db,
                self._settings,
                envelope=Envelope(
                    key=input.key,
                    kind="journey",
                    to_address=input.prospect.email,
                    workflow_id=input.workflow_id,
                    prospect_id=input.prospect.id,
                ),
                message=message,
            )
        except ApplicationError as failure:
            # A transient failure keeps the reservation for the retry; a permanent one frees
            # the cap, since nothing reached the prospect.
            if failure.non_retryable:
                await sending_policy.release(self._db, key=input.key)
            raise
        if delivered.state == "suppressed":
            await sending_policy.release(self._db, key=input.key)
            EMAILS_SUPPRESSED.labels(journey=input.journey_id).inc()
            return SendResult(status="dropped", reason=delivered.detail)
        row = SentEmail(
            key=input.key,
            message_id=delivered.message_id,
            workflow_id=input.workflow_id,
            prospect_id=input.prospect.id,
            journey_id=input.journey_id,
            content_id=input.content.id,
            to_address=input.prospect.email,
            subject=delivered.subject,
            reason=input.reason,
            sent_at=input.at,
        )
        async with self._db.session() as session:
            await projections.record_sent_email(session, row=row)
        EMAILS_SENT.labels(journey=input.journey_id).inc()
        await sending_policy.release(self._db, key=input.key)
        uncertain = delivered.state == "uncertain"
        return SendResult(
            status="sent",
            message_id=delivered.message_id,
            subject=delivered.subject,
            uncertain=uncertain,
            reason=delivered.detail if uncertain else None,
        )

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
