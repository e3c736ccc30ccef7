"""A journey run with the payload codec on, against a real Temporal dev server.

The worker and the API share a client whose data converter encrypts (built from the settings, as
every process builds it); the history is then read back through a client WITHOUT the codec, as
anyone with access to Temporal (its UI, CLI or database) would read it.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest_asyncio
from google.protobuf import json_format
from pydantic import SecretStr
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from nurture.codec import ENCODING, EncryptionCodec, new_key_spec
from nurture.db import Database
from nurture.settings import Settings
from nurture.smtp_sink import MailSink
from nurture.temporal_client import data_converter_for
from tests.fixtures.auth import admin_headers
from tests.integration.api_driver import at_least, eventually, journey_yaml, unique
from worker import build_worker
from workflows.contract import journey_workflow_id

ADDRESS = "octavia.vance@cipherworks.example"
NAME = "Octavia"
COMPANY = "Cipherworks Consulting"


@dataclass
class Encrypted:
    plain_client: Client  # the session's client: no codec, sees what Temporal stores
    http: httpx.AsyncClient
    sink: MailSink
    journey_id: str


@pytest_asyncio.fixture
async def encrypted(
    temporal_env: WorkflowEnvironment,
    database: Database,
    settings: Settings,
    smtp_sink: MailSink,
    task_queue: str,
) -> AsyncIterator[Encrypted]:
    settings = settings.model_copy(
        update={
            "task_queue": task_queue,
            "payload_encryption_keys": SecretStr(new_key_spec("test-2025")),
        }
    )
    converter = data_converter_for(settings)
    assert isinstance(converter.payload_codec, EncryptionCodec)
    config = temporal_env.client.config()
    config["data_converter"] = converter
    client = Client(**config)
    worker = build_worker(client, task_queue=task_queue, db=database, settings=settings)
    app = create_app(settings=settings, db=database, temporal=client)
    async with (
        worker,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://testserver",
            headers=admin_headers(settings),
        ) as http,
    ):
        yield Encrypted(temporal_env.client, http, smtp_sink, unique("journey"))


async def stored_history(client: Client, workflow_id: str) -> list[HistoryEvent]:
    return [event async for event in client.get_workflow_handle(workflow_id).fetch_history_events()]


async def test_temporal_stores_only_ciphertext_and_the_timeline_still_reads_it(
    encrypted: Encrypted,
) -> None:
    journey, prospect = encrypted.journey_id, unique("p")
    published = await encrypted.http.post(
        "/journeys", content=journey_yaml(journey), headers={"content-type": "application/yaml"}
    )
    assert published.status_code == 201, published.text
    contact = {"id": prospect, "email": ADDRESS, "first_name": NAME, "company": COMPANY}
    enrolled = await encrypted.http.post(f"/journeys/{journey}/enrollments", json=contact)
    assert enrolled.status_code == 201, enrolled.text
    # The journey ran: its first e-mail, rendered from the encrypted input, went out.
    await eventually(
        lambda: at_least(1, [m for m in encrypted.sink.messages if ADDRESS in m.rcpt_tos])
    )
    event = {"id": f"{prospect}-webinar", "prospect_id": prospect, "type": "form_submitted"}
    posted = await encrypted.http.post("/events", json=event | {"data": {"form_id": "webinar"}})
    assert posted.status_code == 202, posted.text

    async def timeline_with_task() -> dict[str, Any] | None:
        response = await encrypted.http.get(f"/prospects/{prospect}/timeline")
        assert response.status_code == 200, response.text
        body = dict(response.json())
        return body if any(item["kind"] == "task" for item in body["items"]) else None

    timeline = await eventually(timeline_with_task, within=20)

    events = await stored_history(encrypted.plain_client, journey_workflow_id(journey, prospect))
    history = b"".join(event.SerializeToString() for event in events)
    assert ENCODING in history
    for plain in (ADDRESS, NAME, COMPANY, "webinar"):
        assert plain.encode() not in history, plain
    # Decoded with the codec, the timeline tells the whole story, the name in the subject too.
    assert timeline["warnings"] == []
    kinds = {item["kind"] for item in timeline["items"]}
    assert {"event", "decision", "email", "task", "run"} <= kinds
    [email] = [item for item in timeline["items"] if item["kind"] == "email"]
    assert f"Intro for {NAME}" in email["summary"]

    # The codec server decrypts what Temporal's UI or CLI shows, for an admin.
    started = events[0].workflow_execution_started_event_attributes.input
    response = await encrypted.http.post("/codec/decode", json=json_format.MessageToDict(started))
    assert response.status_code == 200, response.text
    [decoded] = response.json()["payloads"]
    assert ADDRESS in base64.b64decode(decoded["data"]).decode()
