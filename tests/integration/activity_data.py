"""Shared inputs for the activity tests: one prospect, one journey state, one send, one task."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import select

from definitions.model import ContentItem
from definitions.settings import Queue, Sender
from nurture.db import Database
from workflows.commands import CreateTask, task_id_for
from workflows.contract import CreateTaskInput, SendEmailInput
from workflows.state import JourneyState, Prospect

AT = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
WORKFLOW_ID = "journey:onboarding:prospect:p-1"
SENDER = Sender.model_validate({"from": "Anna <anna@acme.example>", "reply_to": "a@acme.example"})
PROSPECT = Prospect(id="p-1", email="ada@example.com", first_name="Ada", company="Acme & Co")


def journey_state(**changes: Any) -> JourneyState:
    fields: dict[str, Any] = {
        "prospect": PROSPECT,
        "journey_id": "onboarding",
        "version": 1,
        "enrolled_at": AT - timedelta(days=10),
        "stage": "consider",
        "score": 55,
        "consumed": {"guide": AT - timedelta(days=2)},
        "last_activity_at": AT - timedelta(days=2),
        **changes,
    }
    return JourneyState(**fields)


def task_input(
    *,
    assignee: str | None = "maria@acme.example",
    key: str = f"{WORKFLOW_ID}/task/4",
    queue: Queue | None = None,
    prospect: Prospect = PROSPECT,
) -> CreateTaskInput:
    task = CreateTask(
        key=key,
        task_id=task_id_for(key),
        task_kind="handoff",
        title="Call about pricing",
        queue="enterprise",
        assignee=assignee,
        sla=timedelta(hours=4),
        reason="score reached 50",
    )
    return CreateTaskInput(
        workflow_id=WORKFLOW_ID,
        journey_id="onboarding",
        version=1,
        prospect=prospect,
        task=task,
        state=journey_state(prospect=prospect),
        sender=SENDER,
        at=AT,
        queue=queue,
    )


GUIDE_BODY = (
    '<p>Hi {{ prospect.first_name }}, here is <a href="{{ link }}">{{ content.title }}</a>.</p>'
    '<p><a href="{{ unsubscribe_link }}">Unsubscribe</a></p>'
)


def send_input(*, key: str = f"{WORKFLOW_ID}/send/1", body: str = GUIDE_BODY) -> SendEmailInput:
    return SendEmailInput(
        key=key,
        workflow_id=WORKFLOW_ID,
        journey_id="onboarding",
        journey_name="Onboarding",
        version=1,
        stage="aware",
        prospect=PROSPECT,
        content=ContentItem.model_validate(
            {
                "id": "guide",
                "stage": "aware",
                "title": "The buyer's guide",
                "points": 5,
                "link": "https://acme.example/guide",
                "email": {
                    "subject": "{{ content.title }} for {{ prospect.company }}",
                    "body": body,
                },
            }
        ),
        sender=SENDER,
        reason="sequence step 1 of aware",
        at=AT,
    )


def utc(moment: datetime | None) -> datetime | None:
    # SQLite hands datetimes back without their zone; they were stored as UTC.
    return moment.replace(tzinfo=UTC) if moment and moment.tzinfo is None else moment


async def table_rows(database: Database, table: Any) -> list[Any]:
    async with database.session() as session:
        return list((await session.exec(select(table))).all())
