"""An HTTP client on the real app with a worker: publish, enrol, post events, read results.

Each test gets its own journey id and task queue, so tests share the session's Temporal server
without ever seeing each other's workflows. Virtual time stands still unless a test moves it.
"""

from __future__ import annotations

import asyncio
import inspect
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar, overload

import httpx
import pytest_asyncio
from sqlmodel import col, select
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from nurture.db import Database
from nurture.settings import Settings
from nurture.smtp_sink import CaughtMail, MailSink
from nurture.tables import DecisionRecord
from tests.fixtures.auth import admin_headers
from worker import build_worker
from workflows.contract import journey_workflow_id

T = TypeVar("T")

JOURNEY = """
journey: {journey_id}
name: API test journey
sender:
  from: "Test Sender <sender@example.com>"
stages:
  - id: first
    points: [1, 10]
  - id: second
    points: [10, 100]
content:
  - id: intro
    stage: first
    title: Intro
    points: 5
    link: https://example.com/intro
    email:
      subject: "Intro for {{{{ prospect.first_name }}}}"
      body: >-
        <p><a href="{{{{ link }}}}">Read the intro</a></p>
        <p><a href="{{{{ unsubscribe_link }}}}">Unsubscribe</a></p>
  - id: deep-dive
    stage: second
    title: Deep dive
    points: 50
    link: https://example.com/deep-dive
    email:
      subject: Deep dive
      body: '<p><a href="{{{{ link }}}}">Read</a></p>'
sequences:
  first:
    steps:
      - send: intro
      - wait: 30d
rules:
  - id: webinar-bonus
    when: {{event: form_submitted, form: webinar}}
    do:
      - add_points: 100
  - id: hand-off
    when: {{score_at_least: 50}}
    do:
      - handoff: {{title: Call them, queue: "{queue}", sla: 1d}}
  - id: reply
    when: {{event: email_replied}}
    do:
      - handoff: {{title: Answer the reply, queue: "{queue}"}}
"""


def journey_yaml(journey_id: str, queue: str = "sales") -> str:
    return JOURNEY.format(journey_id=journey_id, queue=queue)


@dataclass
class Api:
    temporal: WorkflowEnvironment
    http: httpx.AsyncClient
    db: Database
    sink: MailSink
    journey_id: str
    queue: str

    async def publish(self, source: str | None = None) -> None:
        """Publish the test journey, or `source` (a YAML template with {journey_id})."""
        text = (
            journey_yaml(self.journey_id, self.queue)
            if source is None
            else source.replace("{journey_id}", self.journey_id)
        )
        response = await self.http.post(
            "/journeys",
            content=text,
            headers={"content-type": "application/yaml"},
        )
        assert response.status_code == 201, response.text

    async def enroll(self, prospect_id: str, **fields: Any) -> httpx.Response:
        body = {"id": prospect_id, "email": f"{prospect_id}@example.com", **fields}
        return await self.http.post(f"/journeys/{self.journey_id}/enrollments", json=body)

    async def post_event(
        self, event_id: str, prospect_id: str, kind: str, *, at: datetime | None = None, **data: Any
    ) -> None:
        """Post an event as the prospect's integration would; `at` stamps it (virtual time)."""
        body: dict[str, Any] = {"id": event_id, "prospect_id": prospect_id, "type": kind}
        body["data"] = data
        if at is not None:
            body["occurred_at"] = at.isoformat()
        response = await self.http.post("/events", json=body)
        assert response.status_code == 202, response.text

    async def journey_state(self, prospect_id: str) -> dict[str, Any]:
        response = await self.http.get(f"/prospects/{prospect_id}")
        assert response.status_code == 200, response.text
        [journey] = response.json()["journeys"]
        return dict(journey)

    async def state_if(
        self, prospect_id: str, condition: Callable[[dict[str, Any]], bool]
    ) -> dict[str, Any] | None:
        """The journey's state when `condition` holds for it, else None (for `eventually`)."""
        state = await self.journey_state(prospect_id)
        return state if condition(state) else None

    def workflow(self, prospect_id: str) -> WorkflowHandle[Any, Any]:
        return self.temporal.client.get_workflow_handle(
            journey_workflow_id(self.journey_id, prospect_id)
        )

    async def forward(self, prospect_id: str, by: timedelta) -> None:
        """Move the journey's virtual clock on by `by`; its timers fire on their moments."""
        await self.temporal.fast_forward(self.workflow(prospect_id), by)

    async def virtual_now(self, prospect_id: str) -> datetime:
        return await self.temporal.get_current_time(self.workflow(prospect_id))

    async def decisions(self, prospect_id: str, kind: str) -> list[DecisionRecord]:
        async with self.db.session() as session:
            rows = await session.exec(
                select(DecisionRecord)
                .where(DecisionRecord.workflow_id == self.workflow(prospect_id).id)
                .where(DecisionRecord.kind == kind)
                .order_by(col(DecisionRecord.seq))
            )
            return list(rows)

    def mail_to(self, address: str, subject: str = "") -> list[CaughtMail]:
        return [
            mail
            for mail in self.sink.messages
            if address in mail.rcpt_tos and subject in str(mail.message["Subject"])
        ]


@overload
async def eventually(check: Callable[[], Awaitable[T | None]], within: float = 10) -> T: ...
@overload
async def eventually(check: Callable[[], T | None], within: float = 10) -> T: ...
async def eventually(check: Callable[[], Any], within: float = 10) -> Any:
    """The first truthy answer of `check` (sync or async), polled for up to `within` seconds."""
    async with asyncio.timeout(within):
        while True:
            answer = check()
            if inspect.isawaitable(answer):
                answer = await answer
            if answer:
                return answer
            await asyncio.sleep(0.05)


def at_least(count: int, items: list[T]) -> list[T] | None:
    """`items` once there are `count` of them (for `eventually`)."""
    return items if len(items) >= count else None


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest_asyncio.fixture
async def api(
    temporal_env: WorkflowEnvironment,
    database: Database,
    settings: Settings,
    smtp_sink: MailSink,
    task_queue: str,
) -> AsyncIterator[Api]:
    settings = settings.model_copy(update={"task_queue": task_queue})
    worker = build_worker(
        temporal_env.client,
        task_queue=task_queue,
        db=database,
        settings=settings,
    )
    app = create_app(settings=settings, db=database, temporal=temporal_env.client)
    transport = httpx.ASGITransport(app=app)
    async with (
        worker,
        httpx.AsyncClient(
            transport=transport, base_url="http://testserver", headers=admin_headers(settings)
        ) as http,
    ):
        yield Api(temporal_env, http, database, smtp_sink, unique("journey"), unique("queue"))
