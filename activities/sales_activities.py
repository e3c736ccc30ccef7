"""Activities of the sales hand-off: tasks, their escalations, and the right person's journey.

Idempotent like every activity here: a task is found by its id (derived from the command key),
each escalation step is remembered on the row by its command key before anyone is told, and
every notice goes through the outbox under a key of its own, so a retry after a crash neither
creates a second task, nor picks a second assignee, nor e-mails anyone twice for the same step.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select
from temporalio import activity
from temporalio.client import Client
from temporalio.exceptions import ApplicationError

from activities.assignment import choose_assignee
from activities.heartbeat import heartbeating
from activities.mailer import build_message
from activities.message_ids import message_id_for
from activities.outbox_delivery import Envelope, deliver_once
from activities.tasks import (
    notification_email,
    notification_recipient,
    task_row,
)
from definitions.model import JourneyDefinition
from definitions.settings import Sender
from nurture.db import Database
from nurture.erasures import lock_unless_erased
from nurture.metrics import TASKS_CREATED
from nurture.rows import insert_unless_present
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

# Non-retryable: a task asked for by a workflow deleted with its erased prospect.
PROSPECT_ERASED = "ProspectErased"

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
        async with heartbeating():
            row, inserted = await self._task_row(input)
            # Every attempt notifies: the outbox sends the notice once, so an attempt that died
            # between creating the task and e-mailing about it is completed by the next.
            await self._notify(row, to=row.assignee, key=row.key, sender=input.sender)
        if inserted:
            TASKS_CREATED.labels(journey=input.journey_id, kind=input.task.task_kind).inc()
        return TaskAssignment(task_id=row.id, assignee=row.assignee)

    async def _task_row(self, input: CreateTaskInput) -> tuple[SalesTask, bool]:
        """The task of this command, created by the first attempt; True if this one did."""
        task_id = input.task.task_id
        async with self._db.session() as session:
            existing = await session.get(SalesTask, task_id)
            if existing is not None:
                return existing, False
            if not await lock_unless_erased(session, prospect_id=input.prospect.id):
                # The workflow that asked is deleted; nobody waits for this answer.
                raise ApplicationError(
                    f"no task for {input.prospect.id!r}: the prospect was erased",
                    type=PROSPECT_ERASED,
                    non_retryable=True,
                )
            assignee = await choose_assignee(
                session,
                journey_id=input.journey_id,
                queue=input.queue,
                prospect=input.prospect,
                requested=input.task.assignee,
            )
            row = task_row(input, task_id=task_id, assignee=assignee)
            if await insert_unless_present(session, row, key=row.id):
                return row, True
        async with self._db.session() as session:
            winner = await session.get(SalesTask, task_id)
        if winner is None:  # pragma: no cover - the insert lost to this very row
            raise RuntimeError(f"task {task_id} vanished")
        return winner, False

    @activity.defn(name=ESCALATE_TASK_ACTIVITY)
    async def escalate_task(self, input: EscalateTaskInput) -> TaskAssignment:
        """Run one escalation step on an overdue task; returns who holds the task afterwards.

        The step (and whom it notifies) is recorded on the task before the e-mail goes out, so
        a retry repeats the e-mail through the outbox instead of choosing someone else again.
        """
        command = input.command
        async with self._db.session() as session:
            row = await session.get(SalesTask, command.task_id)
            if row is None or row.status == "closed":
                return TaskAssignment(
                    task_id=command.task_id, assignee=row.assignee if row else None
                )
            notice = _notice(row, command.key)
            if notice is None:
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
                _remember_notice(row, key=command.key, action=command.action, to=to)
                session.add(row)
                await session.commit()
                await session.refresh(row)
            else:
                to = notice.get("to")
        async with heartbeating():
            await self._notify(
                row,
                to=to,
                key=command.key,
                sender=input.sender,
                headline=_HEADLINES[command.action],
            )
        return TaskAssignment(task_id=row.id, assignee=row.assignee)

    @activity.defn(name=NOTIFY_REASSIGNED_ACTIVITY)
    async def notify_reassigned(self, input: NotifyReassignedInput) -> None:
        command = input.command
        async with self._db.session() as session:
            row = await session.get(SalesTask, command.task_id)
            if row is None:
                return
            if _notice(row, command.key) is None:
                _remember_notice(row, key=command.key, action="reassigned", to=command.assignee)
                session.add(row)
                await session.commit()
                await session.refresh(row)
        async with heartbeating():
            await self._notify(
                row,
                to=command.assignee,
                key=command.key,
                sender=input.sender,
                headline=_HEADLINES["reassigned"],
            )

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
        recipient = notification_recipient(to, sales_inbox=self._settings.sales_inbox)
        message = build_message(
            rendered=notification_email(
                row=row, task_url=f"{base_url}/tasks/{row.id}", headline=headline
            ),
            sender=sender,
            to=recipient,
            message_id=message_id_for(f"{key}/notification", sender.from_address),
            headers={"X-Nurture-Task": row.id, "X-Nurture-Journey": row.journey_id},
        )
        try:
            await deliver_once(
                self._db,
                self._settings,
                envelope=Envelope(
                    key=f"{key}/notification",
                    kind="task_notice",
                    to_address=recipient,
                    workflow_id=row.workflow_id,
                    prospect_id=row.prospect_id,
                    # A notice goes to a salesperson, not to the prospect on the list.
                    suppressible=False,
                ),
                message=message,
            )
        except ApplicationError as error:
            if not error.non_retryable:
                raise
            # Retrying cannot deliver it, and the task is real: keep it, visible in the UI.
            activity.logger.warning("notice about task %s not delivered: %s", row.id, error)


def _notice(row: SalesTask, key: str) -> dict[str, Any] | None:
    return next((notice for notice in row.notices if notice.get("key") == key), None)


def _remember_notice(row: SalesTask, *, key: str, action: str, to: str | None) -> None:
    row.notices = [*row.notices, {"key": key, "action": action, "to": to}]
