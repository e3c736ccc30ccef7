"""Sales tasks: the row a salesperson works from, and the e-mail that tells them about it."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import Any

from definitions.templates import RenderedEmail
from nurture.tables import SalesTask
from workflows.contract import CreateTaskInput
from workflows.state import JourneyState, Prospect

# The parts of the journey a salesperson needs to pick up the conversation.
_CONTEXT_FIELDS = (
    "score",
    "stage",
    "temperature",
    "lifecycle",
    "status",
    "stage_history",
    "consumed",
    "sent",
    "prospect",
)


def task_row(input: CreateTaskInput, *, task_id: str, assignee: str | None) -> SalesTask:
    task = input.task
    due_at = task.due_at
    if due_at is None and task.sla is not None:
        due_at = input.at + task.sla
    return SalesTask(
        id=task_id,
        key=task.key,
        workflow_id=input.workflow_id,
        prospect_id=input.prospect.id,
        journey_id=input.journey_id,
        kind=task.task_kind,
        title=task.title,
        description=task.description,
        queue=task.queue,
        assignee=assignee,
        status="open",
        reason=task.reason,
        created_at=input.at,
        due_at=due_at,
        context=task_context(input.state),
        message=task.message,
    )


def task_context(state: JourneyState) -> dict[str, Any]:
    """A JSON snapshot of the journey, frozen at the moment the task was created."""
    snapshot = state.model_dump(mode="json")
    return {name: snapshot[name] for name in _CONTEXT_FIELDS}


def notification_recipient(assignee: str | None, *, sales_inbox: str) -> str:
    """The assignee when it is an address; a queue or a name goes to the shared inbox."""
    return assignee if assignee and "@" in assignee else sales_inbox


def notification_email(
    *, row: SalesTask, task_url: str, headline: str = "New lead for you"
) -> RenderedEmail:
    """The e-mail that tells a salesperson about a task: new, overdue, or passed to them.

    Built from the row alone (its journey snapshot included), so every notice about a task
    can be sent long after the workflow created it.
    """
    context = row.context
    prospect = Prospect.model_validate(context["prospect"])
    who = prospect.first_name or prospect.email
    company = f" ({prospect.company})" if prospect.company else ""
    facts = [
        ("Prospect", f"{prospect.first_name or ''} <{prospect.email}>{company}".strip()),
        ("Why", row.reason),
        ("Score", str(context.get("score", 0))),
        ("Stage", str(context.get("stage", ""))),
        ("Consumed", _consumed(context.get("consumed", {}))),
        ("Assignee", row.assignee or "unassigned"),
        ("Deadline", _deadline(row.due_at)),
    ]
    if row.description:
        facts.append(("Notes", row.description))
    if row.message:
        facts.append(("They wrote", row.message))
    text = "\n".join(
        [row.title, "", *(f"{label}: {value}" for label, value in facts), "", task_url]
    )
    items = "".join(
        f"<li><strong>{html.escape(label)}:</strong> {html.escape(value)}</li>"
        for label, value in facts
    )
    body = (
        f"<p>{html.escape(row.title)}</p><ul>{items}</ul>"
        f'<p><a href="{html.escape(task_url)}">Open the task</a></p>'
    )
    return RenderedEmail(
        subject=f"{headline}: {who}{company} — {row.title}",
        html=body,
        text=text + "\n",
    )


def _consumed(consumed: dict[str, str]) -> str:
    if not consumed:
        return "nothing yet"
    by_time = sorted(consumed.items(), key=lambda item: item[1])
    return ", ".join(f"{content_id} ({at[:10]})" for content_id, at in by_time)


def _deadline(due_at: datetime | None) -> str:
    if due_at is None:
        return "none"
    if due_at.tzinfo is not None:
        due_at = due_at.astimezone(UTC)
    return f"{due_at:%Y-%m-%d %H:%M} UTC"
