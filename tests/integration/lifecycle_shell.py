"""One prospect's journey run by hand: the pure interpreter plus the real send activity.

The state machine in `test_lifecycle_machine.py` drives this. It does what the Temporal shell
(`workflows/prospect_workflow.py`) does, without Temporal: each input goes to the interpreter,
the e-mails it asks for are carried out one at a time through the real
`JourneyActivities.send_email` (real SQLite, real SMTP sink), and events that arrive while a send
is in flight wait in a queue, as signals do, until the workflow gets to them. That gap is where
an unsubscribe can overtake a send the journey has already decided on; the suppression list must
hold the send back. Between steps the machine may inflict a fault on the next send.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal, TypeVar

from sqlalchemy import delete, update
from sqlmodel import col
from temporalio.exceptions import ApplicationError

from activities import JourneyActivities
from activities.message_ids import message_id_for
from api.suppressing import suppress_for_events
from definitions.model import JourneyDefinition
from nurture.db import Database
from nurture.outbox import OutboxMessage
from nurture.settings import Settings
from nurture.smtp_sink import CaughtMail, MailSink
from nurture.suppressions import suppression_of
from nurture.tables import ProspectRecord, SendReservation, SentEmail
from workflows import interpreter
from workflows.commands import Command, Outcome, SendEmail
from workflows.contract import (
    ADDRESS_REJECTED,
    PERMANENT_SEND_FAILURES,
    SendEmailInput,
    SendResult,
    journey_workflow_id,
)
from workflows.events import ProspectEvent
from workflows.state import JourneyState, Prospect
from workflows.timing import next_action

Result = TypeVar("Result")

# A Monday morning, so the first sends fall on a working day.
START = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)
PROSPECT = Prospect(
    id="p-lifecycle",
    email="ada@example.com",
    first_name="Ada",
    company="Acme",
    attributes={"country": "PL"},
)
# Temporal would retry a retryable failure (another attempt holds the message) without a limit;
# a handful of attempts is plenty for two attempts racing, and stops a livelock from hanging.
RETRIES = 5

SendFault = Literal[
    "none", "worker_died_during_data", "ran_twice", "ran_twice_overlapping", "recipient_refused"
]


@dataclass(frozen=True)
class Sinks:
    """The SMTP servers of one test: one that accepts, one that refuses every recipient with
    550 5.1.1, and one that accepts slowly (for two attempts at one e-mail to overlap)."""

    accepting: MailSink
    refusing: MailSink
    hesitant: MailSink

    def clear(self) -> None:
        for sink in (self.accepting, self.refusing, self.hesitant):
            sink.clear()

    def received(self) -> list[CaughtMail]:
        """Every message any of them accepted (the refusing one accepts none)."""
        return self.accepting.messages + self.hesitant.messages

    def mark(self) -> tuple[int, int]:
        return len(self.accepting.messages), len(self.hesitant.messages)

    def received_since(self, mark: tuple[int, int]) -> list[CaughtMail]:
        return self.accepting.messages[mark[0] :] + self.hesitant.messages[mark[1] :]


@dataclass(frozen=True)
class Delivery:
    """One message the SMTP sink received, and what held when the send that carried it began."""

    message_id: str
    recipients: tuple[str, ...]
    suppressed_before: bool
    undeliverable_before: bool


class JourneyShell:
    """A journey's workflow loop without Temporal, on a private event loop and database."""

    def __init__(
        self,
        *,
        definition: JourneyDefinition,
        settings: Settings,
        sinks: Sinks,
        folder: Path,
    ) -> None:
        self.definition = definition
        self.sinks = sinks
        self._loop = asyncio.new_event_loop()
        database_url = f"sqlite+aiosqlite:///{folder}/nurture.db"
        self.db = Database.from_url(database_url)
        settings = settings.model_copy(update={"database_url": database_url})
        self._activities = JourneyActivities(self.db, settings)
        self._refusing = JourneyActivities(
            self.db, settings.model_copy(update={"smtp_port": sinks.refusing.port})
        )
        self._hesitant = JourneyActivities(
            self.db, settings.model_copy(update={"smtp_port": sinks.hesitant.port})
        )
        self.workflow_id = journey_workflow_id(definition.journey, PROSPECT.id)
        self.now = START
        self.in_flight: list[SendEmail] = []
        self.pending: list[ProspectEvent] = []
        self.received: list[ProspectEvent] = []
        self.awake = False
        # What the invariants check, gathered as the journey runs.
        self.deliveries: list[Delivery] = []
        self.issued: dict[str, str] = {}  # Message-ID -> the step key it was derived from
        self.answered_sent: set[str] = set()
        self.commands_not_allowed: list[Command] = []
        self.run(self._start())
        self.state, outcome = interpreter.enroll(definition, PROSPECT, self.now)
        self._take(None, (self.state, outcome))

    def run(self, work: Coroutine[Any, Any, Result]) -> Result:
        return self._loop.run_until_complete(work)

    def close(self) -> None:
        self.run(self.db.dispose())
        self._loop.close()

    async def _start(self) -> None:
        await self.db.create_tables()
        # The API knows the prospect before any event: the suppression list needs the address.
        async with self.db.session() as session:
            session.add(ProspectRecord(**PROSPECT.model_dump()))
            await session.commit()

    # ------------------------------------------------------------------ the workflow's inputs

    def receive(self, event: ProspectEvent) -> None:
        """What `POST /events` does: the suppression list first, then the signal."""
        self.run(suppress_for_events(self.db, [event]))
        self.received.append(event)
        self.pending.append(event)
        self.awake = True
        self._continue()

    def pass_time(self, duration: timedelta | None) -> None:
        """Sleep as the workflow does: until its next action or the end of `duration` (None:
        until the next action, or a day when there is none)."""
        assert not self.in_flight, "the workflow sleeps only once its sends are done"
        upcoming = next_action(self.definition, self.state)
        until = self.now + (duration or timedelta(days=1))
        if upcoming is not None and (duration is None or upcoming.at <= until):
            until = max(upcoming.at, self.now)
        self.now = until
        self.awake = True
        self._continue()

    def carry_out_next_send(self, fault: SendFault) -> None:
        command = self.in_flight.pop(0)
        self.run(self._send(command, fault))
        self._continue()

    def _continue(self) -> None:
        """The workflow's loop, until it waits for an activity or goes to sleep."""
        while not self.in_flight:
            if self.state.is_terminal:
                self.pending.clear()  # the workflow has ended; nobody applies these
            if self.pending:
                event = self.pending.pop(0)
                applied = interpreter.apply_event(self.definition, self.state, event, self.now)
                self._take(self.state, applied)
            elif self.awake:
                self.awake = False
                self._take(self.state, interpreter.advance(self.definition, self.state, self.now))
            else:
                return

    def _take(self, before: JourneyState | None, turn: tuple[JourneyState, Outcome]) -> None:
        self.state, outcome = turn
        sends = [command for command in outcome.commands if isinstance(command, SendEmail)]
        if before is not None and before.is_terminal:
            self.commands_not_allowed += outcome.commands
        elif before is not None and before.undeliverable:
            self.commands_not_allowed += sends
        for send in sends:
            self.issued[message_id_for(send.key, self.definition.sender.from_address)] = send.key
        # Tasks, escalations and enrolments are other activities; this machine is about e-mail.
        self.in_flight += sends

    # ------------------------------------------------------------------ one send, maybe faulty

    async def _send(self, command: SendEmail, fault: SendFault) -> None:
        """`ProspectJourneyWorkflow._send`, with the fault the machine chose."""
        definition = self.definition
        async with self.db.session() as session:
            suppressed = await suppression_of(session, address=PROSPECT.email) is not None
        undeliverable = self.state.undeliverable
        seen = self.sinks.mark()
        try:
            result = await self._deliver(self._input(command), fault)
        except ApplicationError as error:
            if error.type not in PERMANENT_SEND_FAILURES:
                raise
            self.state, _ = interpreter.record_send_failure(
                definition,
                self.state,
                content_id=command.content_id,
                reason=f"{error.type}: {error}",
                address_rejected=error.type == ADDRESS_REJECTED,
                now=self.now,
            )
        else:
            if result.status == "sent" and result.message_id is not None:
                self.answered_sent.add(result.message_id)
            self.state, _ = interpreter.apply_send_result(
                definition, self.state, command=command, result=result, now=self.now
            )
        finally:
            self.deliveries += [
                Delivery(
                    message_id=str(caught.message["Message-ID"]),
                    recipients=caught.rcpt_tos,
                    suppressed_before=suppressed,
                    undeliverable_before=undeliverable,
                )
                for caught in self.sinks.received_since(seen)
            ]

    def _input(self, command: SendEmail) -> SendEmailInput:
        return SendEmailInput.for_command(
            command,
            definition=self.definition,
            state=self.state,
            workflow_id=self.workflow_id,
            at=self.now,
        )

    async def _deliver(self, send: SendEmailInput, fault: SendFault) -> SendResult:
        """The answer the workflow gets; attempts whose answer Temporal discards run too."""
        if fault == "recipient_refused":
            return await self._refusing.send_email(send)
        if fault == "ran_twice_overlapping":
            return await self._overlapping_attempts(send)
        if fault in ("ran_twice", "worker_died_during_data"):
            # An attempt whose answer never reaches the workflow; Temporal runs it again.
            with contextlib.suppress(ApplicationError):
                await self._activities.send_email(send)
        if fault == "worker_died_during_data":
            await self._leave_as_a_dead_attempt(send)
        return await self._until_answered(send)

    async def _overlapping_attempts(self, send: SendEmailInput) -> SendResult:
        """Attempt 1 outlived its timeout on a slow server and still runs while Temporal's
        retry starts; the workflow gets the retry's answer, attempt 1's is dropped."""
        first, retried = await asyncio.gather(
            self._hesitant.send_email(send),
            self._until_answered(send, self._hesitant),
            return_exceptions=True,
        )
        if isinstance(first, BaseException) and not isinstance(first, ApplicationError):
            raise first  # a SendInProgress is what it may answer; anything else is a bug
        if isinstance(retried, BaseException):
            raise retried
        return retried

    async def _until_answered(
        self, send: SendEmailInput, activities: JourneyActivities | None = None
    ) -> SendResult:
        """Temporal's retries: a retryable failure is tried again, a non-retryable one ends."""
        failure: ApplicationError | None = None
        for _ in range(RETRIES):
            try:
                return await (activities or self._activities).send_email(send)
            except ApplicationError as error:
                if error.non_retryable:
                    raise
                failure = error
        assert failure is not None
        raise failure

    async def _leave_as_a_dead_attempt(self, send: SendEmailInput) -> None:
        """Undo what the attempt did after DATA, as if its worker had been killed right there:
        the outbox row stays `sending`, nothing is in `sent_emails`, its reservation is kept."""
        async with self.db.session() as session:
            row = await session.get(OutboxMessage, send.key)
            if row is None or row.state != "sent":
                return  # it never got to DATA (suppressed, held back): nothing to undo
            await session.exec(
                update(OutboxMessage)
                .where(col(OutboxMessage.key) == send.key)
                .values(state="sending")
            )
            await session.exec(delete(SentEmail).where(col(SentEmail.key) == send.key))
            session.add(SendReservation(key=send.key, prospect_id=send.prospect.id, at=send.at))
            await session.commit()
