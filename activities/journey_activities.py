"""The journey's activities: everything the workflow asks of the outside world.

Each one is idempotent on the command's stable key, because Temporal retries activities and a
replayed workflow may ask again: the second call finds the first call's row and returns its
result instead of sending or creating anything twice.
"""

from __future__ import annotations

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities import projections
from activities.mailer import build_message, compose_journey_email, deliver
from activities.message_ids import message_id_for, task_id_for
from activities.tasks import (
    insert_task,
    notification_email,
    notification_recipient,
    remove_task,
    task_row,
)
from nurture.db import Database
from nurture.settings import Settings
from nurture.tables import SalesTask, SentEmail
from workflows.contract import (
    CREATE_TASK_ACTIVITY,
    RECORD_PROJECTION_ACTIVITY,
    SEND_EMAIL_ACTIVITY,
    CreateTaskInput,
    RecordProjectionInput,
    SendEmailInput,
)


class JourneyActivities:
    def __init__(self, db: Database, settings: Settings) -> None:
        self._db = db
        self._settings = settings

    @activity.defn(name=SEND_EMAIL_ACTIVITY)
    async def send_email(self, input: SendEmailInput) -> str:
        """Send one content e-mail and return its Message-ID."""
        async with self._db.session() as session:
            sent = await projections.find_sent_email(session, key=input.key)
        if sent is not None:
            return sent.message_id
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
        return message_id

    @activity.defn(name=CREATE_TASK_ACTIVITY)
    async def create_task(self, input: CreateTaskInput) -> str:
        """Create a sales task, e-mail whoever should act on it, and return the task id."""
        row = task_row(input, task_id=task_id_for(input.task.key))
        async with self._db.session() as session:
            inserted = await insert_task(session, row=row)
        # Known limitation until the outbox exists: the notification is sent only by the call
        # that inserted the row, so an existing row means "already notified". A transient SMTP
        # failure removes the row again so that the retry redoes both; a crash of the worker
        # between the insert and the send loses the notification (the task itself stays).
        if inserted:
            await self._notify_assignee(row, input)
        return row.id

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

    async def _notify_assignee(self, row: SalesTask, input: CreateTaskInput) -> None:
        base_url = self._settings.public_base_url.rstrip("/")
        message = build_message(
            rendered=notification_email(
                row=row, state=input.state, task_url=f"{base_url}/tasks/{row.id}"
            ),
            sender=input.sender,
            to=notification_recipient(row.assignee, sales_inbox=self._settings.sales_inbox),
            message_id=message_id_for(f"{row.key}/notification", input.sender.from_address),
            headers={"X-Nurture-Task": row.id, "X-Nurture-Journey": row.journey_id},
        )
        try:
            await deliver(message, self._settings)
        except ApplicationError as error:
            if not error.non_retryable:
                await self._forget_task(row.id)
                raise
            # Retrying cannot deliver it, and the task is real: keep it, visible in the UI.
            activity.logger.warning(
                "task %s created but its notification failed: %s", row.id, error
            )
        except Exception:
            await self._forget_task(row.id)
            raise

    async def _forget_task(self, task_id: str) -> None:
        async with self._db.session() as session:
            await remove_task(session, task_id=task_id)
