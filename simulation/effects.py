"""The outside world of a simulation, in memory: what the workflow's activities would answer.

Each command is answered the way `workflows.prospect_workflow` gets it answered, through the
same pure pieces: the sending policy decides with `workflows.clearance`, a held e-mail goes
back to the interpreter with `apply_send_result`, a task's assignee is chosen with
`workflows.assignment` and remembered with `record_assignee`. Nothing is sent and nothing is
stored: an e-mail is rendered with the production templates and kept in the path.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from jinja2 import TemplateError

from definitions.model import ContentItem, JourneyDefinition
from definitions.policy import SendingPolicy
from definitions.templates import render_email, template_context
from simulation.moments import ScenarioClock
from simulation.path import ContactPreview, EmailPreview, TaskPreview
from workflows import interpreter
from workflows.assignment import assignee_without_turn, member_in_turn
from workflows.clearance import clearance
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
from workflows.contract import TEMPLATE_ERROR, SendResult
from workflows.sales import record_assignee
from workflows.state import JourneyState, Prospect

# Links in simulated e-mails point nowhere on purpose: a simulated click must never count.
SIMULATED_LINKS = "https://simulation.invalid"

Attachment = EmailPreview | TaskPreview | ContactPreview | None

# The decision the interpreter records together with each command (in the same order).
_DECISION_OF: dict[type, str] = {
    SendEmail: "send",
    CreateTask: "task",
    NotifyReassigned: "task",
    EnrollContact: "task",
    EscalateTask: "escalated",
}


@dataclass(frozen=True)
class Noted:
    """A decision and what carrying out its command produced (the e-mail, the task)."""

    decision: Decision
    attachment: Attachment = None


@dataclass
class RoundRobin:
    """The queues' turn counters, in memory; shared by a scenario's prospects like the DB's."""

    turns: dict[str, int] = field(default_factory=dict)

    def assignee(
        self,
        definition: JourneyDefinition,
        queue_id: str | None,
        prospect: Prospect,
        *,
        requested: str | None = None,
        exclude: str | None = None,
    ) -> str | None:
        queue = definition.sales.queue(queue_id)
        chosen = assignee_without_turn(queue, prospect, requested=requested, exclude=exclude)
        if chosen is not None or queue is None:
            return chosen
        turn = self.turns.get(queue.id, 0)
        self.turns[queue.id] = turn + 1
        return member_in_turn(queue, turn, exclude=exclude)


@dataclass
class Outside:
    """One prospect's activities: carries out an interpreter outcome and notes what it did."""

    definition: JourneyDefinition
    policy: SendingPolicy | None
    clock: ScenarioClock
    round_robin: RoundRobin
    state: JourneyState
    sent_at: list[datetime] = field(default_factory=list)

    def carry_out(self, result: tuple[JourneyState, Outcome], now: datetime) -> list[Noted]:
        """Like the workflow's `_carry_out`: take the state, then run each command in order."""
        self.state, outcome = result
        answers: list[Attachment] = []
        follow_ups: list[Decision] = []
        for command in outcome.commands:
            attachment, decisions = self._execute(command, now)
            answers.append(attachment)
            follow_ups += decisions
        noted = _pair(outcome.decisions, outcome.commands, answers)
        return [*noted, *(Noted(decision) for decision in follow_ups)]

    def _execute(self, command: Command, now: datetime) -> tuple[Attachment, list[Decision]]:
        if isinstance(command, SendEmail):
            return self._send(command, now)
        if isinstance(command, CreateTask):
            chosen = self.round_robin.assignee(
                self.definition, command.queue, self.state.prospect, requested=command.assignee
            )
            self.state = record_assignee(self.state, command.task_id, chosen)
            return self._task_preview(command.task_id), []
        if isinstance(command, EscalateTask):
            return self._escalate(command), []
        if isinstance(command, NotifyReassigned):
            return self._task_preview(command.task_id), []
        return ContactPreview(journey_id=command.journey_id, email=command.email), []

    def _send(self, command: SendEmail, now: datetime) -> tuple[Attachment, list[Decision]]:
        held = self._held_by_policy(command, now)
        if held is not None:
            return None, held
        item = self.definition.content_item(command.content_id)
        try:
            rendered = render_email(item.email, self._template_context(item))
        except TemplateError as error:
            # What the send activity's non-retryable template failure leads to in the workflow.
            failure = interpreter.record_send_failure(
                self.definition,
                self.state,
                content_id=item.id,
                reason=f"{TEMPLATE_ERROR}: content {item.id!r} does not render: {error}",
                address_rejected=False,
                now=now,
            )
            return None, self._answer(failure)
        self.sent_at.append(now)
        email = EmailPreview(
            content_id=item.id,
            to=self.state.prospect.email,
            subject=rendered.subject,
            text=rendered.text,
        )
        return email, []

    def _held_by_policy(self, command: SendEmail, now: datetime) -> list[Decision] | None:
        """The decisions of a send the policy holds back (as the workflow records them)."""
        if self.policy is None:
            return None
        zone = self.state.prospect.timezone or self.definition.defaults.timezone
        verdict = clearance(self.policy, now=now, zone=zone, recent_sends=self.sent_at)
        if verdict.verdict == "send":
            return None
        status = "deferred" if verdict.verdict == "defer" else "dropped"
        result = SendResult(status=status, until=verdict.until, reason=verdict.reason)
        return self._answer(
            interpreter.apply_send_result(
                self.definition, self.state, command=command, result=result, now=now
            )
        )

    def _template_context(self, item: ContentItem) -> dict[str, Any]:
        return template_context(
            prospect=self.state.prospect.model_dump(),
            content=item,
            tracked_link=f"{SIMULATED_LINKS}/t/{item.id}",
            unsubscribe_link=f"{SIMULATED_LINKS}/u",
            journey={"id": self.definition.journey, "name": self.definition.name},
            stage=self.state.stage,
        )

    def _escalate(self, command: EscalateTask) -> Attachment:
        task = self.state.task(command.task_id)
        if command.action == "reassign" and task is not None:
            chosen = self.round_robin.assignee(
                self.definition, task.queue, self.state.prospect, exclude=task.assignee
            )
            self.state = record_assignee(self.state, command.task_id, chosen)
        return self._task_preview(command.task_id)

    def _answer(self, result: tuple[JourneyState, Outcome]) -> list[Decision]:
        self.state, outcome = result
        return list(outcome.decisions)

    def _task_preview(self, task_id: str) -> TaskPreview | None:
        task = self.state.task(task_id)
        if task is None:
            return None
        return TaskPreview(
            task_id=task.id,
            title=task.title,
            queue=task.queue,
            assignee=task.assignee,
            due_at=task.due_at,
            due=self.clock.label(task.due_at) if task.due_at else None,
        )


def _pair(
    decisions: Sequence[Decision], commands: Sequence[Command], answers: Sequence[Attachment]
) -> list[Noted]:
    """Each command's answer goes with the decision recorded alongside it, kind by kind."""
    waiting: dict[str, list[Attachment]] = {}
    for command, answer in zip(commands, answers, strict=True):
        waiting.setdefault(_DECISION_OF[type(command)], []).append(answer)
    noted = []
    for decision in decisions:
        queue = waiting.get(decision.kind)
        noted.append(Noted(decision, queue.pop(0) if queue else None))
    return noted
