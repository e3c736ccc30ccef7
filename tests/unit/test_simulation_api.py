"""POST /journeys/{journey_id}/simulate on the real app: no Temporal, nothing sent or stored."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest_asyncio
from sqlmodel import select

from api.app import create_app
from nurture.db import Database
from nurture.settings import Settings
from nurture.smtp_sink import MailSink
from nurture.tables import DecisionRecord, SentEmail
from tests.fixtures.auth import admin_headers
from tests.fixtures.temporal import no_temporal

DEMO = (Path(__file__).resolve().parents[2] / "definitions" / "b2b_funnel.yaml").read_text()
SCENARIO: dict[str, Any] = {
    "start": "2026-03-02T09:00:00",
    "until": "day 25",
    "prospects": [
        {
            "id": "anna",
            "email": "anna@example.com",
            "attributes": {"country": "PL"},
            "events": [
                {"at": "day 5", "type": "out_of_office", "return_date": "day 19"},
                {"at": "day 20 11:00", "type": "email_replied", "text": "Let's talk"},
            ],
        }
    ],
}


@pytest_asyncio.fixture
async def client(settings: Settings, database: Database) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings=settings, db=database, temporal=no_temporal())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers=admin_headers(settings)
    ) as client:
        for version in (1, 2):
            published = await client.post(
                "/journeys",
                content=DEMO.replace("name: Northwind Desk", f"name: v{version} Northwind Desk"),
                headers={"content-type": "application/yaml"},
            )
            assert published.status_code == 201, published.text
        yield client


async def test_a_scenario_is_played_through_the_latest_version(
    client: httpx.AsyncClient, database: Database, smtp_sink: MailSink
) -> None:
    response = await client.post("/journeys/b2b-funnel/simulate", json=SCENARIO)

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["version"], body["journey_name"]) == (2, "v2 Northwind Desk — B2B sales funnel")
    [anna] = body["prospects"]
    assert anna["path"][0]["reason"] == "enrolled in b2b-funnel v2 at stage acquisition"
    paused = next(entry for entry in anna["path"] if entry["kind"] == "paused")
    assert (paused["day"], paused["time"]) == (5, "09:00")
    handoff = next(entry for entry in anna["path"] if entry["kind"] == "task")
    assert handoff["task"]["assignee"] == "marta.nowak@northwind.example.com"
    assert anna["final"]["status"] == "handed_off"
    # Nothing left the building: no e-mail, no decision recorded.
    assert smtp_sink.messages == []
    async with database.session() as session:
        assert (await session.exec(select(SentEmail))).all() == []
        assert (await session.exec(select(DecisionRecord))).all() == []


async def test_an_older_version_can_be_simulated(client: httpx.AsyncClient) -> None:
    response = await client.post("/journeys/b2b-funnel/simulate?version=1", json=SCENARIO)

    assert response.status_code == 200
    assert response.json()["version"] == 1


async def test_an_unknown_journey_or_version_is_404(client: httpx.AsyncClient) -> None:
    unknown = await client.post("/journeys/nowhere/simulate", json=SCENARIO)
    missing = await client.post("/journeys/b2b-funnel/simulate?version=7", json=SCENARIO)

    assert unknown.status_code == 404
    assert "nowhere" in unknown.json()["detail"]
    assert missing.status_code == 404
    assert "version 7" in missing.json()["detail"]


async def test_a_bad_scenario_is_422_naming_each_field(client: httpx.AsyncClient) -> None:
    scenario = {
        **SCENARIO,
        "prospects": [
            {
                "id": "anna",
                "email": "anna@example.com",
                "events": [
                    {"at": "day 2", "type": "content_consumed"},
                    {"at": "someday", "type": "email_replied"},
                ],
            }
        ],
    }

    response = await client.post("/journeys/b2b-funnel/simulate", json=scenario)

    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "the scenario is invalid (1 error)"
    assert [error["path"] for error in body["errors"]] == ["prospects[0].events[1].at"]
    # Once the moments read, the event data is checked as POST /events checks it.
    scenario["prospects"][0]["events"].pop()
    again = await client.post("/journeys/b2b-funnel/simulate", json=scenario)
    assert again.status_code == 422
    assert again.json()["errors"] == [
        {"path": "prospects[0].events[0].content_id", "message": "is required", "line": None}
    ]


async def test_an_outcome_for_a_task_never_made_is_422(client: httpx.AsyncClient) -> None:
    scenario = {
        "prospects": [
            {
                "id": "ola",
                "email": "ola@example.com",
                "events": [{"at": "day 1", "type": "sales_outcome", "outcome": "won", "task": 2}],
            }
        ]
    }

    response = await client.post("/journeys/b2b-funnel/simulate", json=scenario)

    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["path"] == "prospects[0].events[0].task"


async def test_a_body_that_is_not_an_object_is_422(client: httpx.AsyncClient) -> None:
    response = await client.post("/journeys/b2b-funnel/simulate", json=["anna"])

    assert response.status_code == 422
