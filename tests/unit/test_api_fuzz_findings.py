"""What the OpenAPI fuzzer (tests/fuzz) found, each kept as the request that found it.

Every one was a 500, a hang, or an answer the OpenAPI document did not describe. None of these
requests may reach Temporal: the app gets a client that fails the test if it is used.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import pytest_asyncio

from api.app import create_app
from nurture.db import Database
from nurture.settings import Settings
from nurture.tables import SalesTask
from tests.fixtures.auth import admin_headers
from tests.fixtures.temporal import no_temporal


def _app(settings: Settings, database: Database) -> Any:
    return create_app(settings=settings, db=database, temporal=no_temporal())


@pytest_asyncio.fixture
async def client(settings: Settings, database: Database) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=_app(settings, database))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers=admin_headers(settings)
    ) as client:
        yield client


@pytest.fixture
def openapi(settings: Settings, database: Database) -> dict[str, Any]:
    return dict(_app(settings, database).openapi())


async def _task(database: Database, task_id: str, *, prospect_id: str, workflow_id: str) -> None:
    async with database.session() as session:
        session.add(
            SalesTask(
                id=task_id,
                key=f"key/{task_id}",
                workflow_id=workflow_id,
                prospect_id=prospect_id,
                journey_id="",
                kind="review",
                title="Read an e-mail",
                queue="inbound-review",
                reason="could not be classified",
                created_at=datetime.now(UTC),
            )
        )
        await session.commit()


def _errors(response: httpx.Response) -> list[tuple[list[str | int], str]]:
    return [(error["loc"], error["msg"]) for error in response.json()["detail"]]


def _assert_refused(response: httpx.Response, *, at: list[str | int], saying: str) -> None:
    """A 422 with one error, at `at`, whose message says `saying`."""
    assert response.status_code == 422, response.text
    [(location, message)] = _errors(response)
    assert location == at
    assert saying in message


# --- 500s ---------------------------------------------------------------------------------


async def test_an_outcome_for_a_review_task_is_recorded_on_the_task_alone(
    client: httpx.AsyncClient, database: Database
) -> None:
    # An inbound e-mail nobody could match: its review task belongs to no prospect or journey.
    await _task(database, "review-1", prospect_id="", workflow_id="")

    response = await client.post("/tasks/review-1/outcome", json={"outcome": "disqualified"})

    assert response.status_code == 200, response.text
    assert response.json()["task"]["status"] == "closed"
    assert response.json()["delivered_to"] == []


async def test_a_review_task_can_be_passed_on(
    client: httpx.AsyncClient, database: Database
) -> None:
    await _task(database, "review-2", prospect_id="", workflow_id="")

    response = await client.post(
        "/tasks/review-2/reassign", json={"assignee": "marta@northwind.example.com"}
    )

    assert response.status_code == 200, response.text
    assert response.json()["task"]["assignee"] == "marta@northwind.example.com"


async def test_an_outcome_for_an_erased_prospects_task_is_recorded_on_the_task_alone(
    client: httpx.AsyncClient, database: Database
) -> None:
    # Erasure keeps the task (pseudonymised) for the reports; the prospect row is gone.
    await _task(database, "t-erased", prospect_id="erased-1a2b", workflow_id="journey:x:erased")

    response = await client.post("/tasks/t-erased/outcome", json={"outcome": "lost"})

    assert response.status_code == 200, response.text
    assert response.json()["task"]["outcome"] == "lost"


@pytest.mark.parametrize(
    ("path", "what"),
    [
        ("/journeys/b2b-funnel?version=3580286954841924912725610201088", "version"),
        (f"/journeys/b2b-funnel?version={2**31}", "version"),
    ],
)
async def test_a_version_beyond_the_database_integer_is_422(
    client: httpx.AsyncClient, path: str, what: str
) -> None:
    response = await client.get(path)

    assert response.status_code == 422
    [(location, _)] = _errors(response)
    assert location == ["query", what]


async def test_a_definition_version_beyond_the_database_integer_is_422_naming_it(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/journeys/validate", json={"version": 2**63})

    assert response.status_code == 422
    assert {"path": "version", "line": None} in [
        {key: error[key] for key in ("path", "line")} for error in response.json()["errors"]
    ]


async def test_a_duration_too_long_for_a_timedelta_is_422_naming_it(
    client: httpx.AsyncClient,
) -> None:
    policy = {
        "frequency_cap": {
            "max_emails": 5,
            "per": "78624d56715d6h421895694w5090d26d62w54339292451w",
            "when_capped": "drop",
        },
        "quiet_periods": [],
    }

    response = await client.put("/sending-policy", json=policy)

    _assert_refused(response, at=["body", "frequency_cap", "per"], saying="between 0 and 100 years")


async def test_an_outcome_after_an_overflowing_duration_is_422(client: httpx.AsyncClient) -> None:
    body = {"outcome": "not_now", "after": "465w185609068566892593204410w"}

    response = await client.post("/tasks/any/outcome", json=body)

    assert response.status_code == 422
    assert [location for location, _ in _errors(response)] == [["body", "after"]]


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:01+02:00", "9999-12-31T23:00:00-05:00"])
async def test_an_event_time_outside_what_utc_can_hold_is_422(
    client: httpx.AsyncClient, moment: str
) -> None:
    event = {
        "id": "e-1",
        "prospect_id": "ada",
        "type": "channel_contact",
        "occurred_at": moment,
        "data": {"channel": "phone"},
    }

    response = await client.post("/events", json=event)

    _assert_refused(response, at=["body"], saying="falls outside the years 1 to 9999 in UTC")


async def test_a_report_window_outside_what_utc_can_hold_is_422_naming_it(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/reports/handoffs", params={"since": "0001-01-01T00:00:00+02:00"})

    _assert_refused(response, at=["query", "since"], saying="outside the years 1 to 9999")


# --- a hang ---------------------------------------------------------------------------------


async def test_a_report_per_week_since_the_year_202_is_refused_not_computed(
    client: httpx.AsyncClient,
) -> None:
    # Some 95,000 empty weeks: the request held the API past the fuzzer's 10 s timeout.
    response = await client.get(
        "/reports/handoffs", params={"period": "week", "since": "0202-05-06T00:00:00Z"}
    )

    _assert_refused(response, at=["query", "since"], saying="10 years")


# --- inputs that would poison a journey ---------------------------------------------------


@pytest.mark.parametrize("address", ["ana\x16@shop.example", "ana@shop.example\x7f", "a\x84@b.cd"])
async def test_an_assignee_with_control_characters_is_422(
    client: httpx.AsyncClient, address: str
) -> None:
    # The SMTP client refuses such an address at every attempt: the e-mail to the new assignee
    # would have been retried for ever.
    response = await client.post("/tasks/any/reassign", json={"assignee": address})

    _assert_refused(response, at=["body", "assignee"], saying="control characters")


@pytest.mark.parametrize(
    ("address", "says"),
    [
        ("ana\x1b@shop.example", "control characters"),
        ('ana"x@shop.example', 'it holds "'),
        ("ana<x@shop.example", "it holds <"),
        ("ana@shop.example;x", "it holds ;"),
    ],
)
async def test_a_prospect_address_the_smtp_client_refuses_is_422(
    client: httpx.AsyncClient, address: str, says: str
) -> None:
    # aiosmtplib refuses these at every attempt: the first send would be retried for ever.
    response = await client.post("/journeys/any/enrollments", json={"id": "ana", "email": address})

    _assert_refused(response, at=["body", "email"], saying=says)


async def test_a_new_contact_address_with_control_characters_is_422(
    client: httpx.AsyncClient,
) -> None:
    body = {"outcome": "wrong_person", "new_contact": {"email": "bo\x00b@shop.example"}}

    response = await client.post("/tasks/any/outcome", json=body)

    _assert_refused(response, at=["body", "new_contact"], saying="control characters")


# --- answers the document did not describe --------------------------------------------------


async def test_a_json_body_that_is_not_utf8_is_422_like_any_malformed_json(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/events", content=b"nO\xff\x1e", headers={"content-type": "application/json"}
    )

    # It was a bare 400 "There was an error parsing the body".
    _assert_refused(response, at=["body"], saying="not UTF-8")


async def test_other_http_errors_keep_their_status_and_detail(client: httpx.AsyncClient) -> None:
    response = await client.get("/tasks/no-such-task")

    assert response.status_code == 404
    assert response.json() == {"detail": "unknown task 'no-such-task'"}


async def test_an_until_in_the_past_is_422_in_the_shape_of_every_invalid_field(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/tasks/any/outcome", json={"outcome": "not_now", "until": "2000-01-01"}
    )

    _assert_refused(response, at=["body", "until"], saying="lies in the past")


async def test_until_and_after_are_refused_together_even_when_after_is_zero(
    client: httpx.AsyncClient,
) -> None:
    body = {"outcome": "not_now", "until": "2999-01-01", "after": "0d"}

    response = await client.post("/tasks/any/outcome", json=body)

    assert response.status_code == 422
    assert "not both" in _errors(response)[0][1]


async def test_an_invalid_api_key_request_is_422_in_the_shape_of_every_invalid_field(
    client: httpx.AsyncClient,
) -> None:
    body = {"name": "ops", "role": "admin", "manager": True}

    response = await client.post("/keys", json=body)

    _assert_refused(response, at=["body"], saying="manager")


def _answers(openapi: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    return dict(openapi["paths"][path][method]["responses"])


def test_the_document_lists_the_404s_the_routes_answer(openapi: dict[str, Any]) -> None:
    assert "404" in _answers(openapi, "get", "/journeys/{journey_id}")
    assert "404" in _answers(openapi, "get", "/u/{token}")
    assert {"404", "503"} <= set(_answers(openapi, "post", "/u/{token}"))


def test_the_document_lists_413_and_415_for_definitions(openapi: dict[str, Any]) -> None:
    for path in ("/journeys", "/journeys/validate"):
        assert {"413", "415", "422"} <= set(_answers(openapi, "post", path))


@pytest.mark.parametrize("report", ["funnel", "content", "handoffs", "splits"])
def test_the_document_says_a_report_comes_as_json_or_csv(
    openapi: dict[str, Any], report: str
) -> None:
    content = _answers(openapi, "get", f"/reports/{report}")["200"]["content"]

    assert set(content) == {"application/json", "text/csv"}
    assert "$ref" in content["application/json"]["schema"]


def test_the_document_gives_simulate_both_shapes_of_422(openapi: dict[str, Any]) -> None:
    schema = _answers(openapi, "post", "/journeys/{journey_id}/simulate")["422"]["content"][
        "application/json"
    ]["schema"]

    assert [option["$ref"].rsplit("/", 1)[1] for option in schema["anyOf"]] == [
        "DefinitionInvalidOut",
        "RequestInvalidOut",
    ]
