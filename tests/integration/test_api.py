"""The HTTP API against a real Temporal dev server, a real SQLite database and a real SMTP sink.

Each test publishes its own small journey (a unique id, so workflow ids never collide across the
session's shared Temporal server) and runs a worker on its own task queue. Virtual time stands
still: nothing here waits for a timer.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from sqlmodel import select
from temporalio.testing import WorkflowEnvironment

from nurture.tables import Enrollment, EventRecord, JourneyVersion
from tests.integration.api_driver import Api, eventually, journey_yaml


async def test_health_is_ok_when_database_and_temporal_answer(api: Api) -> None:
    response = await api.http.get("/health")

    assert response.status_code == 200
    assert response.json() == {"database": "ok", "temporal": "ok"}


async def test_publishing_yaml_and_json_assigns_versions_and_is_idempotent(api: Api) -> None:
    text = journey_yaml(api.journey_id)
    document = yaml.safe_load(text)

    first = await api.http.post("/journeys", content=text, headers={"content-type": "text/yaml"})
    second = await api.http.post("/journeys", json=document)
    again = await api.http.post("/journeys", json={**document, "version": 2})
    changed = await api.http.post("/journeys", json={**document, "version": 2, "name": "Other"})
    jump = await api.http.post("/journeys", json={**document, "version": 5})
    older = await api.http.post("/journeys", json={**document, "version": 3})

    assert (first.status_code, first.json()["version"]) == (201, 1)
    assert (second.status_code, second.json()["version"]) == (201, 2)
    assert (again.status_code, again.json()) == (
        200,
        {"journey_id": api.journey_id, "version": 2, "created": False},
    )
    assert changed.status_code == 409
    assert "different definition" in changed.json()["detail"]
    assert jump.status_code == 201
    assert older.status_code == 409
    assert "older than the latest" in older.json()["detail"]

    listing = (await api.http.get("/journeys")).json()
    assert [(j["id"], j["version"], j["versions"]) for j in listing] == [
        (api.journey_id, 5, [1, 2, 5])
    ]
    latest = (await api.http.get(f"/journeys/{api.journey_id}")).json()
    assert latest["version"] == 5
    assert [item["id"] for item in latest["content"]] == ["intro", "deep-dive"]
    assert latest["rules"][1]["do"][0]["handoff"]["sla"] == "1d"
    assert (await api.http.get(f"/journeys/{api.journey_id}?version=1")).json()["version"] == 1
    async with api.db.session() as session:
        sources = (await session.exec(select(JourneyVersion.source))).all()
    assert text in sources


async def test_an_invalid_definition_is_422_with_path_line_and_reason(api: Api) -> None:
    text = journey_yaml(api.journey_id).replace("add_points: 100", "move_to: nowhere")

    validated = await api.http.post(
        "/journeys/validate", content=text, headers={"content-type": "application/yaml"}
    )
    published = await api.http.post(
        "/journeys", content=text, headers={"content-type": "application/yaml"}
    )

    assert validated.status_code == published.status_code == 422
    [error] = validated.json()["errors"]
    assert error["path"] == "rules[0].do[0].move_to"
    assert "nowhere" in error["message"]
    assert error["line"] == text.splitlines().index("      - move_to: nowhere") + 1
    assert (await api.http.get(f"/journeys/{api.journey_id}")).status_code == 404


async def test_validate_reports_what_a_good_definition_holds(api: Api) -> None:
    response = await api.http.post(
        "/journeys/validate",
        content=journey_yaml(api.journey_id),
        headers={"content-type": "application/yaml"},
    )

    assert response.status_code == 200
    assert response.json() | {"stages": 2, "content": 2, "rules": 3} == response.json()
    assert response.json()["valid"] is True


async def test_enrolling_twice_is_a_conflict_and_sends_the_first_email(api: Api) -> None:
    await api.publish()

    first = await api.enroll("ada", first_name="Ada", timezone="Europe/Warsaw")
    again = await api.enroll("ada", first_name="Someone else")

    assert first.status_code == 201
    assert first.json() == {
        "workflow_id": f"journey:{api.journey_id}:prospect:ada",
        "journey_id": api.journey_id,
        "version": 1,
        "prospect_id": "ada",
    }
    assert again.status_code == 409
    [mail] = await api.sink.wait_for(1)
    assert mail.message["Subject"] == "Intro for Ada"
    prospect = (await api.http.get("/prospects/ada")).json()
    assert prospect["first_name"] == "Ada"  # a refused enrollment changes nothing
    journey = await api.journey_state("ada")
    assert (journey["stage"], journey["status"], journey["version"]) == ("first", "active", 1)


async def test_bulk_enrollment_reports_enrolled_and_conflicts(api: Api) -> None:
    await api.publish()
    assert (await api.enroll("p-0")).status_code == 201
    prospects = [{"id": f"p-{n}", "email": f"p{n}@example.com"} for n in range(12)]
    url = f"/journeys/{api.journey_id}/enrollments"

    response = await api.http.post(url, json=prospects)
    repeated = await api.http.post(url, json=prospects[:3])

    assert response.status_code == 201
    body = response.json()
    assert [item["prospect_id"] for item in body["enrolled"]] == [f"p-{n}" for n in range(1, 12)]
    assert [item["prospect_id"] for item in body["conflicts"]] == ["p-0"]
    assert body["errors"] == []
    assert repeated.status_code == 409
    assert len(repeated.json()["conflicts"]) == 3
    await api.sink.wait_for(12)


async def test_events_are_accepted_applied_once_and_visible_on_the_prospect(api: Api) -> None:
    await api.publish()
    await api.enroll("bob")
    workflow_id = f"journey:{api.journey_id}:prospect:bob"
    form: dict[str, Any] = {
        "id": "form-1",
        "prospect_id": "bob",
        "type": "form_submitted",
        "data": {"form_id": "webinar", "fields": {"phone": "+48 600 000 000"}},
    }

    consumed = await api.http.post(
        "/events",
        json={
            "id": "read-1",
            "prospect_id": "bob",
            "type": "content_consumed",
            "data": {"content_id": "intro"},
        },
    )
    assert consumed.status_code == 202
    assert consumed.json() == {
        "accepted": 1,
        "events": [
            {"id": "read-1", "delivered_to": [workflow_id], "duplicate": False, "note": None}
        ],
    }

    async def scored(points: int) -> dict[str, Any] | None:
        journey = await api.journey_state("bob")
        return journey if journey["score"] == points else None

    journey = await eventually(lambda: scored(5))
    assert journey["source"] == "workflow"

    # The same form twice (a retried webhook), then more reading: the bonus counts once.
    first = await api.http.post("/events", json=form)
    retried = await api.http.post("/events", json=[form])
    assert [first.status_code, retried.status_code] == [202, 202]
    assert retried.json()["events"][0]["duplicate"] is True
    await api.http.post(
        "/events",
        json={
            "id": "read-2",
            "prospect_id": "bob",
            "type": "content_consumed",
            "data": {"content_id": "deep-dive"},
        },
    )
    await eventually(lambda: scored(155))
    async with api.db.session() as session:
        record = await session.get(EventRecord, "form-1")
    assert record is not None
    assert record.delivered_to == [workflow_id]
    assert record.data["fields"] == {"phone": "+48 600 000 000"}


async def test_an_event_for_an_unknown_prospect_is_404(api: Api) -> None:
    await api.publish()
    await api.enroll("known")

    response = await api.http.post(
        "/events",
        json={"id": "e", "prospect_id": "stranger", "type": "email_replied"},
    )

    assert response.status_code == 404
    assert response.json() == {"detail": "unknown prospect 'stranger'"}


async def test_a_hand_off_shows_up_in_tasks_with_its_context(api: Api) -> None:
    await api.publish()
    await api.enroll("cleo", company="Cleo Ltd")

    await api.http.post(
        "/events",
        json={
            "id": "read-deep",
            "prospect_id": "cleo",
            "type": "content_consumed",
            "data": {"content_id": "deep-dive"},
        },
    )

    async def tasks() -> list[dict[str, Any]]:
        response = await api.http.get("/tasks", params={"queue": api.queue, "status": "open"})
        return list(response.json())

    [task] = await eventually(tasks)
    assert (task["title"], task["prospect_id"], task["kind"]) == ("Call them", "cleo", "handoff")
    detail = (await api.http.get(f"/tasks/{task['id']}")).json()
    assert detail["context"]
    assert (await api.http.get("/tasks", params={"assignee": "nobody"})).json() == []


def _links(mail_text: str, kind: str) -> list[str]:
    return re.findall(rf"http://testserver(/{kind}/[A-Za-z0-9_\-.]+)", mail_text)


async def test_a_tracked_click_redirects_to_the_content_and_awards_its_points(api: Api) -> None:
    await api.publish()
    await api.enroll("dora")
    [mail] = await api.sink.wait_for(1)
    [click] = _links(mail.message.get_body(("plain",)).get_content(), "t")  # type: ignore[union-attr]

    response = await api.http.get(click, follow_redirects=False)

    assert response.status_code == 307
    assert response.headers["location"] == "https://example.com/intro"

    async def scored() -> bool:
        return bool((await api.journey_state("dora"))["score"] == 5)

    await eventually(scored)
    tampered = await api.http.get(click[:-3] + "xyz", follow_redirects=False)
    assert tampered.status_code == 404


async def test_the_unsubscribe_link_stops_the_journey_for_good(api: Api) -> None:
    await api.publish()
    await api.enroll("eve")
    [mail] = await api.sink.wait_for(1)
    [link] = _links(mail.message.get_body(("plain",)).get_content(), "u")  # type: ignore[union-attr]

    page = await api.http.get(link)
    assert page.status_code == 200 and '<form method="post">' in page.text
    # Opening the link (as a mail scanner would) changes nothing.
    assert (await api.journey_state("eve"))["status"] == "active"

    one_click = await api.http.post(link, content=b"List-Unsubscribe=One-Click")
    assert one_click.status_code == 200 and "You are unsubscribed" in one_click.text

    async def unsubscribed() -> bool:
        # The projection row, which enrollment consults, not only the live state.
        async with api.db.session() as session:
            row = await session.get(Enrollment, f"journey:{api.journey_id}:prospect:eve")
        return row is not None and row.status == "unsubscribed"

    await eventually(unsubscribed)
    assert (await api.journey_state("eve"))["status"] == "unsubscribed"
    again = await api.enroll("eve")
    assert again.status_code == 409
    assert "unsubscribed" in again.json()["detail"]


async def test_an_event_for_a_journey_that_ended_is_kept_with_a_note(
    api: Api, temporal_env: WorkflowEnvironment
) -> None:
    await api.publish()
    await api.enroll("fay")
    workflow_id = f"journey:{api.journey_id}:prospect:fay"
    await temporal_env.client.get_workflow_handle(workflow_id).terminate("ended for the test")

    response = await api.http.post(
        "/events",
        json={
            "id": "late",
            "prospect_id": "fay",
            "type": "channel_contact",
            "data": {"channel": "phone"},
        },
    )

    assert response.status_code == 202
    [event] = response.json()["events"]
    assert event["delivered_to"] == []
    assert "journey already ended" in event["note"]
    async with api.db.session() as session:
        record = await session.get(EventRecord, "late")
    assert record is not None
    assert record.note == event["note"]
    # An ended journey may be entered again.
    assert (await api.enroll("fay")).status_code == 201
