"""Activities of the sales hand-off: tasks, their escalations, and the right person's journey.

Idempotent like every activity here: a task is found by its id (derived from the command key)
and each notice about it is remembered on the row by its command key, so a retry after a crash
neither creates a second task nor e-mails anyone twice for the same step.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select
from temporalio import activity
from temporalio.client import Client
from temporalio.exceptions import ApplicationError

from activities.assignment import choose_assignee
from activities.mailer import build_message, deliver
from activities.message_ids import message_id_for
from activities.tasks import (
    insert_task,
    notification_email,
    notification_recipient,
    remove_task,
    task_row,
)
from definitions.model import JourneyDefinition
from definitions.settings import Sender
from nurture.db import Database
from nurture.metrics import TASKS_CREATED
from nurture.settings import Settings
from nurture.tables import JourneyVersion, ProspectRecord, SalesTask
from workflows.commands import stable_digest
from workflows.contract import (
    CREATE_TASK_ACTIVITY,
    ENROLL_CONTACT_ACTIVITY,
    ESCALATE_TASK_ACTIVITY,
    NOTIFY_REASSIGNED_ACTIVITY,
    CreateTaskInput,
    EnrollContactInput,
    EscalateTaskInput,
    NotifyReassignedInput,
    TaskAssignment,
)
from workflows.state import Prospect

_HEADLINES = {
    "remind": "Overdue, please act",
    "notify_manager": "Overdue in your team",
    "reassign": "Passed on to you (overdue)",
    "reassigned": "Passed on to you",
}


class SalesActivities:
    def __init__(self, db: Database, settings: Settings, temporal: Client) -> None:
        self._db = db
        self._settings = settings
        self._temporal = temporal

    @activity.defn(name=CREATE_TASK_ACTIVITY)
    async def create_task(self, input: CreateTaskInput) -> TaskAssignment:
        """Create a sales task, pick its assignee, e-mail them, and say who it is."""
        task_id = input.task.task_id
        async with self._db.session() as session:
            existing = await session.get(SalesTask, task_id)
            if existing is not None:
                return TaskAssignment(task_id=task_id, assignee=existing.assignee)
            assignee = await choose_assignee(
                session,
                journey_id=input.journey_id,
                queue=input.queue,
                prospect=input.prospect,
                requested=input.task.assignee,
            )
            row = task_row(input, task_id=task_id, assignee=assignee)
            inserted = await insert_task(session, row=row)
        # Known limitation until the outbox exists: only the call that inserted the row
        # notifies. A transient SMTP failure removes the row so the retry redoes both; a crash
        # between the insert and the send loses the notification (the task itself stays).
        if inserted:
            try:
                await self._notify(row, to=row.assignee, key=row.key, sender=input.sender)
            except Exception:
                async with self._db.session() as session:
                    await remove_task(session, task_id=row.id)
                raise
            TASKS_CREATED.labels(journey=input.journey_id, kind=input.task.task_kind).inc()
        return TaskAssignment(task_id=task_id, assignee=assignee)

    @activity.defn(name=ESCALATE_TASK_ACTIVITY)
    async def escalate_task(self, input: EscalateTaskInput) -> TaskAssignment:
        """Run one escalation step on an overdue task; returns who holds the task afterwards."""
        command = input.command
        async with self._db.session() as session:
            row = await session.get(SalesTask, command.task_id)
            if row is None or row.status == "closed" or _noticed(row, command.key):
                return TaskAssignment(
                    task_id=command.task_id, assignee=row.assignee if row else None
                )
            row.sla_breached = True
            to = row.assignee
            if command.action == "notify_manager" and input.queue is not None:
                to = input.queue.manager
            elif command.action == "reassign":
                to = await choose_assignee(
                    session,
                    journey_id=input.journey_id,
                    queue=input.queue,
                    prospect=input.prospect,
                    exclude=row.assignee,
                )
                row.assignee = to
            session.add(row)
            await session.commit()
            await session.refresh(row)
        await self._notify(
            row, to=to, key=command.key, sender=input.sender, headline=_HEADLINES[command.action]
        )
        await self._remember_notice(row.id, command.key, command.action, to)
        return TaskAssignment(task_id=row.id, assignee=row.assignee)

    @activity.defn(name=NOTIFY_REASSIGNED_ACTIVITY)
    async def notify_reassigned(self, input: NotifyReassignedInput) -> None:
        command = input.command
        async with self._db.session() as session:
            row = await session.get(SalesTask, command.task_id)
        if row is None or _noticed(row, command.key):
            return
        await self._notify(
            row,
            to=command.assignee,
            key=command.key,
            sender=input.sender,
            headline=_HEADLINES["reassigned"],
        )
        await self._remember_notice(row.id, command.key, "reassigned", command.assignee)

    @activity.defn(name=ENROLL_CONTACT_ACTIVITY)
    async def enroll_contact(self, input: EnrollContactInput) -> str:
        """Enrol the person sales named; returns their prospect id."""
        from api.enrolling import enroll  # the API's enrolment service, shared, not copied

        command = input.command
        async with self._db.session() as session:
            known = (
                await session.exec(
                    select(ProspectRecord).where(ProspectRecord.email == command.email.lower())
                )
            ).first()
            published = (
                await session.exec(
                    select(JourneyVersion)
                    .where(JourneyVersion.journey_id == command.journey_id)
                    .order_by(col(JourneyVersion.version).desc())
                )
            ).first()
        if published is None:
            raise ApplicationError(
                f"journey {command.journey_id!r} is not published",
                type="UnknownJourney",
                non_retryable=True,
            )
        # An opaque id, the same on a retry: never the e-mail address (ids end up in logs).
        prospect_id = known.id if known else f"ref-{stable_digest(command.key)[:16]}"
        prospect = Prospect(
            id=prospect_id,
            email=command.email.lower(),
            first_name=command.first_name,
            company=command.company,
            timezone=command.timezone,
            attributes={"referred_by": command.referred_by},
        )
        await enroll(
            db=self._db,
            temporal=self._temporal,
            settings=self._settings,
            definition=JourneyDefinition.model_validate(published.definition),
            prospects=[prospect],
        )
        return prospect_id

    async def _notify(
        self,
        row: SalesTask,
        *,
        to: str | None,
        key: str,
        sender: Sender,
        headline: str = "New lead for you",
    ) -> None:
        base_url = self._settings.public_base_url.rstrip("/")
        message = build_message(
            rendered=notification_email(
                row=row, task_url=f"{base_url}/tasks/{row.id}", headline=headline
            ),
            sender=sender,
            to=notification_recipient(to, sales_inbox=self._settings.sales_inbox),
            message_id=message_id_for(f"{key}/notification", sender.from_address),
            headers={"X-Nurture-Task": row.id, "X-Nurture-Journey": row.journey_id},
        )
        try:
            await deliver(message, self._settings)
        except ApplicationError as error:
            if not error.non_retryable:
                raise
            # Retrying cannot deliver it, and the task is real: keep it, visible in the UI.
            activity.logger.warning("notice about task %s not delivered: %s", row.id, error)

    async def _remember_notice(self, task_id: str, key: str, action: str, to: str | None) -> None:
        async with self._db.session() as session:
            row = await session.get(SalesTask, task_id)
            if row is None:
                return
            notice: dict[str, Any] = {"key": key, "action": action, "to": to}
            row.notices = [*row.notices, notice]
            session.add(row)
            await session.commit()


def _noticed(row: SalesTask, key: str) -> bool:
    return any(notice.get("key") == key for notice in row.notices)
