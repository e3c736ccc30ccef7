"""Requests the API must refuse at the door, with an answer that names what is wrong.

None of these reach Temporal: the app gets a client that fails the test if it is used (or, for
the health check, a client whose server is not there).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest_asyncio
from sqlmodel import select
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from api.app import create_app
from nurture.db import Database
from nurture.settings import Settings
from nurture.smtp_sink import free_port
from nurture.tables import EventRecord, ProspectRecord
from tests.fixtures.auth import admin_headers
from tests.fixtures.temporal import no_temporal


@pytest_asyncio.fixture
async def client(settings: Settings, database: Database) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings=settings, db=database, temporal=no_temporal())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers=admin_headers(settings)
    ) as client:
        yield client


def _event(**overrides: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "id": "evt-1",
        "prospect_id": "p-1",
        "type": "content_consumed",
        "data": {"content_id": "intro"},
    }
    event.update(overrides)
    return event


def _locations(response: httpx.Response) -> list[list[str | int]]:
    return [error["loc"] for error in response.json()["detail"]]


async def test_an_unknown_event_type_is_422_naming_the_type_field(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/events", json=_event(type="page_viewed"))

    assert response.status_code == 422
    assert _locations(response) == [["body", "type"]]
    assert "page_viewed" in response.json()["detail"][0]["msg"]


async def test_an_event_without_a_type_is_422_naming_the_type_field(
    client: httpx.AsyncClient,
) -> None:
    event = _event()
    del event["type"]

    response = await client.post("/events", json=event)

    assert response.status_code == 422
    assert _locations(response) == [["body", "type"]]


async def test_a_missing_content_id_is_422_naming_it(client: httpx.AsyncClient) -> None:
    response = await client.post("/events", json=_event(data={}))

    assert response.status_code == 422
    assert _locations(response) == [["body", "data", "content_id"]]
    assert response.json()["detail"][0]["type"] == "missing"


async def test_in_a_list_the_error_names_the_item(client: httpx.AsyncClient) -> None:
    events = [_event(), _event(id="evt-2", type="channel_contact", data={})]

    response = await client.post("/events", json=events)

    assert response.status_code == 422
    assert _locations(response) == [["body", 1, "data", "channel"]]


async def test_an_empty_list_of_events_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post("/events", json=[])

    assert response.status_code == 422


async def test_an_event_for_an_unknown_prospect_is_404_and_nothing_is_recorded(
    client: httpx.AsyncClient, database: Database
) -> None:
    async with database.session() as session:
        session.add(ProspectRecord(id="known", email="known@example.com"))
        await session.commit()
    events = [_event(id="a", prospect_id="known"), _event(id="b", prospect_id="ghost")]

    response = await client.post("/events", json=events)

    assert response.status_code == 404
    assert response.json() == {"detail": "unknown prospect 'ghost'"}
    async with database.session() as session:
        assert (await session.exec(select(EventRecord))).all() == []


async def test_an_invalid_time_zone_is_422_naming_the_field(client: httpx.AsyncClient) -> None:
    prospect = {"id": "p-1", "email": "ada@example.com", "timezone": "Europe/Atlantis"}

    single = await client.post("/journeys/any/enrollments", json=prospect)
    batch = await client.post("/journeys/any/enrollments", json=[{**prospect, "id": "p-0"}] * 2)

    assert single.status_code == 422
    assert _locations(single) == [["body", "timezone"]]
    assert "Europe/Atlantis" in single.json()["detail"][0]["msg"]
    assert batch.status_code == 422
    assert _locations(batch) == [["body", 0, "timezone"], ["body", 1, "timezone"]]


async def test_a_prospect_without_email_is_422_naming_it(client: httpx.AsyncClient) -> None:
    response = await client.post("/journeys/any/enrollments", json={"id": "p-1"})

    assert response.status_code == 422
    assert _locations(response) == [["body", "email"]]


async def test_an_email_address_as_prospect_id_is_422_naming_the_id(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/journeys/any/enrollments", json={"id": "ada@example.com", "email": "ada@example.com"}
    )

    assert response.status_code == 422
    assert _locations(response) == [["body", "id"]]
    assert "opaque id" in response.text


async def test_enrolling_in_an_unknown_journey_is_404(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/journeys/nowhere/enrollments", json={"id": "p-1", "email": "ada@example.com"}
    )

    assert response.status_code == 404
    assert "nowhere" in response.json()["detail"]


async def test_a_definition_in_an_unsupported_media_type_is_415(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/journeys/validate", content=b"<journey/>", headers={"content-type": "application/xml"}
    )

    assert response.status_code == 415


async def test_an_unparsable_definition_is_422_with_the_line(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/journeys/validate",
        content=b"journey: x\nname: [unclosed\n",
        headers={"content-type": "application/yaml"},
    )

    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["line"] is not None
    assert "YAML" in error["message"]


async def test_unknown_journeys_prospects_and_tasks_are_404(client: httpx.AsyncClient) -> None:
    for path in ("/journeys/nothing", "/prospects/nobody", "/tasks/none", "/t/forged.token"):
        response = await client.get(path)
        assert response.status_code == 404, path


async def test_health_is_503_naming_temporal_when_it_does_not_answer(
    settings: Settings, database: Database
) -> None:
    nowhere = await Client.connect(
        f"127.0.0.1:{free_port()}", lazy=True, data_converter=pydantic_data_converter
    )
    app = create_app(settings=settings, db=database, temporal=nowhere)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.get("/health")

    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "ok"
    assert body["temporal"] != "ok"
