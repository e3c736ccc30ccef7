"""One prospect in one journey, as a durable Temporal workflow.

A thin, deterministic shell: it sleeps until the interpreter's next action or the next event,
hands either to the pure interpreter, and carries out the commands it gets back as activities.
All journey logic lives in `workflows.interpreter`; nothing here decides anything.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta

from pydantic import BaseModel
from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeUpdate
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    # Imported by their full names: `from workflows import interpreter` would load them
    # afresh inside the sandbox for every new workflow (the `workflows` package there is the
    # sandbox's own), rebuilding their pydantic models each time: 16 ms instead of 11.5 ms of
    # worker CPU per new workflow (see docs/performance.md).
    import workflows.interpreter as interpreter
    import workflows.migration as migration
    from definitions.model import JourneyDefinition
    from workflows.commands import (
        Command,
        CreateTask,
        Decision,
        EnrollContact,
        EscalateTask,
        NotifyReassigned,
        Outcome,
        SendEmail,
    )
    from workflows.contract import (
        ADDRESS_REJECTED,
        CREATE_TASK_ACTIVITY,
        ENROLL_CONTACT_ACTIVITY,
        ESCALATE_TASK_ACTIVITY,
        EVENT_SIGNAL,
        MIGRATE_SIGNAL,
        NOTIFY_REASSIGNED_ACTIVITY,
        PERMANENT_SEND_FAILURES,
        RECORD_PROJECTION_ACTIVITY,
        SEND_EMAIL_ACTIVITY,
        STATE_QUERY,
        WORKFLOW_NAME,
        CreateTaskInput,
        EnrollContactInput,
        EscalateTaskInput,
        JourneyInput,
        JourneyView,
        MigrateInput,
        NotifyReassignedInput,
        RecordProjectionInput,
        SendEmailInput,
        SendResult,
        TaskAssignment,
    )
    from workflows.events import ProspectEvent
    from workflows.sales import record_assignee
    from workflows.search_attributes import SEARCH_ATTRIBUTES_PATCH, search_attribute_updates
    from workflows.state import JourneyState
    from workflows.timing import next_action

# An SMTP or database outage must delay work, never lose it: retry without a limit, backing
# off to a few minutes; only failures that retrying cannot fix are non-retryable.
_PATIENT_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=2),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=5),
    non_retryable_error_types=sorted(PERMANENT_SEND_FAILURES),
)
_ACTIVITY_TIMEOUT = timedelta(minutes=2)
# Activities that talk to SMTP heartbeat (activities/heartbeat.py): a worker killed mid-send is
# noticed after this long and the send retried elsewhere, instead of after _ACTIVITY_TIMEOUT.
_HEARTBEAT_TIMEOUT = timedelta(seconds=10)


@workflow.defn(name=WORKFLOW_NAME)
class ProspectJourneyWorkflow:
    def __init__(self) -> None:
        self._pending: list[ProspectEvent] = []
        self._migrations: list[MigrateInput] = []
        self._state: JourneyState | None = None
        self._definition: JourneyDefinition | None = None
        self._run_number = 1
        self._searchable: list[SearchAttributeUpdate[str]] | None = None

    @workflow.run
    async def run(self, journey: JourneyInput) -> JourneyState:
        self._definition = journey.definition
        self._run_number = journey.run_number
        # Events that arrived before this run started (signal-with-start) are already queued.
        self._pending[:0] = journey.pending_events
        decisions: list[Decision] = []
        if journey.state is None:
            started = interpreter.enroll(
                journey.definition,
                journey.prospect,
                workflow.now(),
                decisions_before=journey.decisions_before,
            )
            decisions += await self._carry_out(*started)
        else:
            self._state = journey.state
        self._publish_search_attributes()
        await self._project(decisions)

        while not self._current.is_terminal:
            await self._wait_for_event_or_due_action()
            decisions = await self._apply_migrations()
            while self._pending and not self._current.is_terminal:
                event = self._pending.pop(0)
                applied = interpreter.apply_event(
                    self._definition_now, self._current, event, workflow.now()
                )
                decisions += await self._carry_out(*applied)
            advanced = interpreter.advance(self._definition_now, self._current, workflow.now())
            decisions += await self._carry_out(*advanced)
            self._publish_search_attributes()
            await self._project(decisions)
            if self._history_is_long(journey.history_limit):
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(
                    journey.model_copy(
                        update={
                            "definition": self._definition_now,
                            "state": self._current,
                            "pending_events": self._pending,
                            "run_number": self._run_number + 1,
                        }
                    )
                )
        return self._current

    @workflow.signal(name=EVENT_SIGNAL)
    def event(self, event: ProspectEvent) -> None:
        # Duplicates are filtered by the interpreter, which remembers applied event ids.
        self._pending.append(event)

    @workflow.signal(name=MIGRATE_SIGNAL)
    def migrate(self, request: MigrateInput) -> None:
        self._migrations.append(request)

    @workflow.query(name=STATE_QUERY)
    def view(self) -> JourneyView:
        definition, state = self._definition_now, self._current
        return JourneyView(
            state=state, next_action=next_action(definition, state), run_count=self._run_number
        )

    @property
    def _current(self) -> JourneyState:
        if self._state is None:
            raise ApplicationError("the journey has not started yet", type="NotStarted")
        return self._state

    async def _wait_for_event_or_due_action(self) -> None:
        def has_input() -> bool:
            return bool(self._pending or self._migrations)

        upcoming = next_action(self._definition_now, self._current)
        if upcoming is None:
            await workflow.wait_condition(has_input)
            return
        delay = upcoming.at - workflow.now()
        if delay <= timedelta(0):
            return
        with contextlib.suppress(TimeoutError):
            await workflow.wait_condition(
                has_input, timeout=delay, timeout_summary=upcoming.description
            )

    async def _apply_migrations(self) -> list[Decision]:
        """An operator moved this prospect to a newer version: from now on it is their journey."""
        decisions: list[Decision] = []
        while self._migrations and not self._current.is_terminal:
            request = self._migrations.pop(0)
            migrated = migration.migrate(
                self._definition_now,
                request.definition,
                self._current,
                request.stage_map,
                migration_id=request.migration_id,
                now=workflow.now(),
            )
            if migrated[0].version == request.definition.version:
                self._definition = request.definition
            decisions += await self._carry_out(*migrated)
        return decisions

    async def _carry_out(self, state: JourneyState, outcome: Outcome) -> list[Decision]:
        self._state = state
        decisions = list(outcome.decisions)
        for command in outcome.commands:
            decisions += await self._execute(command)
        return decisions

    async def _execute(self, command: Command) -> list[Decision]:
        if isinstance(command, SendEmail):
            return await self._send(command)
        if isinstance(command, CreateTask):
            await self._create_task(command)
        elif isinstance(command, EscalateTask):
            await self._escalate(command)
        elif isinstance(command, NotifyReassigned):
            await self._run(
                NOTIFY_REASSIGNED_ACTIVITY,
                NotifyReassignedInput(command=command, sender=self._definition_now.sender),
                summary=f"notify {command.assignee}",
            )
        elif isinstance(command, EnrollContact):
            await self._run(
                ENROLL_CONTACT_ACTIVITY,
                EnrollContactInput(command=command),
                summary=f"enrol the right contact in {command.journey_id}",
            )
        return []

    @property
    def _definition_now(self) -> JourneyDefinition:
        assert self._definition is not None, "set before the first await of run()"
        return self._definition

    async def _run(self, name: str, argument: BaseModel, *, summary: str) -> None:
        await workflow.execute_activity(
            name,
            argument,
            start_to_close_timeout=_ACTIVITY_TIMEOUT,
            retry_policy=_PATIENT_RETRY,
            summary=summary,
        )

    async def _run_task_activity(self, name: str, argument: BaseModel, *, summary: str) -> None:
        """A task activity answers who holds the task now (it may pick them); remember it."""
        assigned = await workflow.execute_activity(
            name,
            argument,
            result_type=TaskAssignment,
            start_to_close_timeout=_ACTIVITY_TIMEOUT,
            heartbeat_timeout=_HEARTBEAT_TIMEOUT,
            retry_policy=_PATIENT_RETRY,
            summary=summary,
        )
        self._state = record_assignee(self._current, assigned.task_id, assigned.assignee)

    async def _escalate(self, command: EscalateTask) -> None:
        definition, state = self._definition_now, self._current
        task = state.task(command.task_id)
        await self._run_task_activity(
            ESCALATE_TASK_ACTIVITY,
            EscalateTaskInput(
                command=command,
                journey_id=definition.journey,
                queue=definition.sales.queue(task.queue if task else None),
                prospect=state.prospect,
                sender=definition.sender,
            ),
            summary=f"{command.action} task {command.task_id}",
        )

    async def _send(self, command: SendEmail) -> list[Decision]:
        definition, state = self._definition_now, self._current
        try:
            result = await workflow.execute_activity(
                SEND_EMAIL_ACTIVITY,
                SendEmailInput.for_command(
                    command,
                    definition=definition,
                    state=state,
                    workflow_id=workflow.info().workflow_id,
                    at=workflow.now(),
                ),
                result_type=SendResult,
                start_to_close_timeout=_ACTIVITY_TIMEOUT,
                heartbeat_timeout=_HEARTBEAT_TIMEOUT,
                retry_policy=_PATIENT_RETRY,
                summary=f"send {command.content_id}",
            )
        except ActivityError as error:
            cause = error.cause
            failure_type = cause.type if isinstance(cause, ApplicationError) else None
            if failure_type not in PERMANENT_SEND_FAILURES:
                raise
            state, outcome = interpreter.record_send_failure(
                definition,
                self._current,
                content_id=command.content_id,
                reason=f"{failure_type}: {cause}",
                address_rejected=failure_type == ADDRESS_REJECTED,
                now=workflow.now(),
            )
            self._state = state
            return list(outcome.decisions)
        # Held back by the sending policy (a cap, a quiet period): defer or drop, as it says.
        state, outcome = interpreter.apply_send_result(
            definition, self._current, command=command, result=result, now=workflow.now()
        )
        self._state = state
        return list(outcome.decisions)

    async def _create_task(self, command: CreateTask) -> None:
        definition, state = self._definition_now, self._current
        await self._run_task_activity(
            CREATE_TASK_ACTIVITY,
            CreateTaskInput(
                workflow_id=workflow.info().workflow_id,
                journey_id=definition.journey,
                version=state.version,
                prospect=state.prospect,
                task=command,
                state=state,
                sender=definition.sender,
                at=workflow.now(),
                queue=definition.sales.queue(command.queue),
            ),
            summary=f"task {command.title}",
        )

    def _publish_search_attributes(self) -> None:
        """Keep the journey, stage and status operators search by current, on change only."""
        updates = search_attribute_updates(self._current)
        if updates == self._searchable:
            return
        # An upsert is a new command: journeys recorded before it existed take the old path
        # (no upserts) for the rest of their run, so their histories still replay.
        if not workflow.patched(SEARCH_ATTRIBUTES_PATCH):
            return
        workflow.upsert_search_attributes(updates)
        self._searchable = updates

    async def _project(self, decisions: list[Decision]) -> None:
        """Report the state to the database, once per wake-up rather than once per change."""
        if not decisions:
            return
        await self._run(
            RECORD_PROJECTION_ACTIVITY,
            RecordProjectionInput(
                workflow_id=workflow.info().workflow_id,
                state=self._current,
                decisions=decisions,
                next_action=next_action(self._definition_now, self._current),
                at=workflow.now(),
            ),
            summary="record projection",
        )

    def _history_is_long(self, limit: int) -> bool:
        info = workflow.info()
        return info.get_current_history_length() >= limit or info.is_continue_as_new_suggested()
