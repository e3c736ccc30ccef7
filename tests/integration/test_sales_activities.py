"""The sales activities (tasks, assignment, escalation) on a real database and SMTP server."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import aiosmtplib
import pytest
from temporalio.testing import WorkflowEnvironment

from activities import SalesActivities
from activities.message_ids import message_id_for
from definitions.settings import Queue
from nurture.db import Database
from nurture.settings import Settings
from nurture.smtp_sink import MailSink, free_port
from nurture.tables import SalesTask
from tests.integration.activity_data import (
    AT,
    PROSPECT,
    SENDER,
    WORKFLOW_ID,
    table_rows,
    task_input,
    utc,
)
from workflows.commands import EscalateTask
from workflows.contract import EscalateTaskInput

QUEUE = Queue.model_validate(
    {
        "id": "enterprise",
        "members": ["ala@acme.example", "bo@acme.example", "cy@acme.example"],
        "manager": "boss@acme.example",
        "route_by": "country",
        "routes": {"DE": "bo@acme.example"},
        "escalation": [{"after": "0h", "do": "remind"}, {"after": "1d", "do": "reassign"}],
    }
)


@pytest.fixture
def sales_activities(
    database: Database, settings: Settings, temporal_env: WorkflowEnvironment
) -> SalesActivities:
    return SalesActivities(database, settings, temporal_env.client)


async def test_creating_a_task_twice_makes_one_row_and_one_notification(
    sales_activities: SalesActivities, smtp_sink: MailSink, database: Database
) -> None:
    task_id = (await sales_activities.create_task(task_input())).task_id
    assert (await sales_activities.create_task(task_input())).task_id == task_id

    [row] = await table_rows(database, SalesTask)
    assert (row.id, row.kind, row.status, row.queue) == (task_id, "handoff", "open", "enterprise")
    assert utc(row.due_at) == AT + timedelta(hours=4)
    assert row.context["score"] == 55
    assert row.context["prospect"]["email"] == "ada@example.com"
    assert set(row.context["consumed"]) == {"guide"}

    [caught] = await smtp_sink.wait_for(1)
    mail = caught.message
    assert caught.rcpt_tos == ("maria@acme.example",)
    assert mail["Subject"] == "New lead for you: Ada (Acme & Co) — Call about pricing"
    assert mail["Message-ID"] == message_id_for(
        f"{WORKFLOW_ID}/task/4/notification", "anna@acme.example"
    )
    text_part = mail.get_body(("plain",))
    assert text_part is not None
    text = text_part.get_content()
    for fact in (
        "score reached 50",
        "Score: 55",
        "Stage: consider",
        "guide (2025-03-01)",
        "2025-03-03 13:00 UTC",
        f"http://testserver/tasks/{task_id}",
    ):
        assert fact in text


async def test_a_task_for_a_queue_is_mailed_to_the_sales_inbox(
    sales_activities: SalesActivities, smtp_sink: MailSink, settings: Settings
) -> None:
    await sales_activities.create_task(task_input(assignee="enterprise-team"))

    [caught] = await smtp_sink.wait_for(1)
    assert caught.rcpt_tos == (settings.sales_inbox,)


async def test_a_failed_notification_keeps_the_task_and_the_retry_notifies_once(
    database: Database, settings: Settings, smtp_sink: MailSink, temporal_env: WorkflowEnvironment
) -> None:
    unreachable = settings.model_copy(update={"smtp_port": free_port()})

    with pytest.raises(aiosmtplib.SMTPConnectError):
        await SalesActivities(database, unreachable, temporal_env.client).create_task(task_input())
    [task] = await table_rows(database, SalesTask)

    working = SalesActivities(database, settings, temporal_env.client)
    first = await working.create_task(task_input())
    second = await working.create_task(task_input())

    assert first.task_id == second.task_id == task.id
    assert len(await table_rows(database, SalesTask)) == 1
    await smtp_sink.wait_for(1)
    await asyncio.sleep(0.2)
    assert len(smtp_sink.messages) == 1


async def test_a_permanently_undeliverable_notification_keeps_the_task(
    database: Database,
    settings: Settings,
    refusing_sink: MailSink,
    temporal_env: WorkflowEnvironment,
) -> None:
    refused = settings.model_copy(update={"smtp_port": refusing_sink.port})

    created = await SalesActivities(database, refused, temporal_env.client).create_task(
        task_input()
    )

    assert [row.id for row in await table_rows(database, SalesTask)] == [created.task_id]


async def test_a_queue_without_routes_assigns_round_robin(
    sales_activities: SalesActivities, smtp_sink: MailSink
) -> None:
    assigned = [
        (
            await sales_activities.create_task(
                task_input(assignee=None, key=f"{WORKFLOW_ID}/task/{n}", queue=QUEUE)
            )
        ).assignee
        for n in range(4)
    ]

    assert assigned == [*QUEUE.members, QUEUE.members[0]]
    caught = await smtp_sink.wait_for(4)
    assert sorted(mail.rcpt_tos[0] for mail in caught) == sorted(str(who) for who in assigned)


async def test_a_route_by_territory_wins_over_round_robin(
    sales_activities: SalesActivities,
) -> None:
    german = PROSPECT.model_copy(update={"attributes": {"country": "DE"}})
    french = PROSPECT.model_copy(update={"attributes": {"country": "FR"}})

    routed = await sales_activities.create_task(
        task_input(assignee=None, key="k/1", queue=QUEUE, prospect=german)
    )
    unrouted = await sales_activities.create_task(
        task_input(assignee=None, key="k/2", queue=QUEUE, prospect=french)
    )

    assert routed.assignee == "bo@acme.example"
    assert unrouted.assignee == "ala@acme.example"


async def test_escalation_reminds_then_reassigns_once_per_step(
    sales_activities: SalesActivities, smtp_sink: MailSink, database: Database
) -> None:
    created = await sales_activities.create_task(task_input(assignee=None, key="k/1", queue=QUEUE))
    remind = _escalation(created.task_id, "remind", key="k/1/escalate-1")
    reassign = _escalation(created.task_id, "reassign", key="k/1/escalate-2")

    await sales_activities.escalate_task(remind)
    await sales_activities.escalate_task(remind)  # a retry: no second reminder
    moved = await sales_activities.escalate_task(reassign)
    again = await sales_activities.escalate_task(reassign)

    assert created.assignee == "ala@acme.example"
    # The reassignment takes the next turn among the others: turn 1 of [bo, cy].
    assert moved.assignee == again.assignee == "cy@acme.example"
    caught = await smtp_sink.wait_for(3)
    assert [mail.rcpt_tos[0] for mail in caught] == [
        "ala@acme.example",
        "ala@acme.example",
        "cy@acme.example",
    ]
    assert caught[1].message["Subject"].startswith("Overdue, please act")
    [row] = await table_rows(database, SalesTask)
    assert (row.assignee, row.sla_breached, len(row.notices)) == ("cy@acme.example", True, 2)


def _escalation(task_id: str, action: str, *, key: str) -> EscalateTaskInput:
    return EscalateTaskInput.model_validate(
        {
            "command": EscalateTask.model_validate(
                {"key": key, "task_id": task_id, "action": action, "reason": "overdue"}
            ),
            "journey_id": "onboarding",
            "queue": QUEUE,
            "prospect": PROSPECT,
            "sender": SENDER,
        }
    )
