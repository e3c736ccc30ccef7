"""The audit timeline end to end: journeys on a real Temporal dev server (virtual time), read
back from their workflow history through the API, the CLI and the export."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest_asyncio
import uvicorn
from sqlmodel import select
from typer.testing import CliRunner

from api.app import create_app
from definitions.loader import parse_definition
from nurture.cli import app as cli_app
from nurture.devstack import ApiServer
from nurture.settings import Settings
from nurture.smtp_sink import free_port
from nurture.tables import (
    DecisionRecord,
    Enrollment,
    ProspectRecord,
    SalesTask,
    SentEmail,
    TimelineRun,
)
from tests.integration.api_driver import Api, at_least, eventually
from workflows.contract import WORKFLOW_NAME, JourneyInput
from workflows.state import Prospect

DAY = timedelta(days=1)

JOURNEY = """
journey: {journey_id}
name: Timeline test journey
sender:
  from: "Test Sender <sender@example.com>"
defaults: {timezone: UTC, resume_hour: 9}
re_entry: {allowed: true}
stages:
  - {id: first, points: [1, 10]}
  - {id: second, points: [10, 100]}
content:
  - id: intro
    stage: first
    title: Intro
    points: 5
    link: https://example.com/intro
    email:
      subject: "Intro for {{ prospect.first_name }}"
      body: '<p><a href="{{ link }}">Read the intro</a></p>'
  - id: follow-up
    stage: first
    title: Follow-up
    points: 3
    link: https://example.com/follow-up
    email:
      subject: "Still there, {{ prospect.first_name }}?"
      body: '<p><a href="{{ link }}">Read on</a></p>'
sequences:
  first:
    steps:
      - send: intro
      - wait: 2d
      - send: follow-up
      - wait: 30d
rules:
  - id: reply
    when: {event: email_replied}
    do:
      - handoff: {title: Answer the reply, queue: sales}
  - id: finished
    when: {event: form_submitted, form: done}
    do:
      - complete: they said they are done
"""


async def start(api: Api, prospect_id: str) -> None:
    await api.publish(JOURNEY)
    await enter(api, prospect_id)


async def enter(api: Api, prospect_id: str) -> None:
    response = await api.enroll(prospect_id, first_name="Ada")
    assert response.status_code == 201, response.text


async def timeline(api: Api, prospect_id: str) -> dict[str, Any]:
    response = await api.http.get(f"/prospects/{prospect_id}/timeline")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def db_rows(api: Api, table: Any, **where: str) -> list[Any]:
    async with api.db.session() as session:
        query = select(table)
        for name, value in where.items():
            query = query.where(getattr(table, name) == value)
        return list(await session.exec(query))


def of_kind(answer: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [item for item in answer["items"] if item["kind"] == kind]


def decision_lines(answer: dict[str, Any]) -> Counter[tuple[int, str, str, str | None]]:
    return Counter(
        (item["details"]["seq"], item["type"], item["summary"], item["rule_id"])
        for item in of_kind(answer, "decision")
    )


async def projected_decisions(
    api: Api, prospect_id: str
) -> Counter[tuple[int, str, str, str | None]]:
    rows = await db_rows(api, DecisionRecord, workflow_id=api.workflow(prospect_id).id)
    return Counter((row.seq, row.kind, row.reason, row.rule_id) for row in rows)


def times(answer: dict[str, Any]) -> list[datetime]:
    return [datetime.fromisoformat(item["at"]) for item in answer["items"]]


async def lived_a_little(api: Api, prospect_id: str) -> None:
    """Click, a sequence send two days later, a week's vacation, then a reply that hands off."""
    await eventually(lambda: at_least(1, api.mail_to(f"{prospect_id}@example.com")))
    await api.post_event(
        f"{prospect_id}-click", prospect_id, "content_consumed", content_id="intro"
    )
    await eventually(lambda: api.decisions(prospect_id, "points"))
    await api.forward(prospect_id, 2 * DAY + timedelta(minutes=1))
    await eventually(lambda: at_least(2, api.mail_to(f"{prospect_id}@example.com")))
    back = (await api.virtual_now(prospect_id) + 5 * DAY).date()
    await api.post_event(
        f"{prospect_id}-ooo", prospect_id, "out_of_office", return_date=back.isoformat()
    )
    await eventually(lambda: api.decisions(prospect_id, "paused"))
    await api.forward(prospect_id, 6 * DAY)
    await eventually(lambda: api.decisions(prospect_id, "resumed"))
    await api.post_event(f"{prospect_id}-reply", prospect_id, "email_replied", text="Call me")
    await eventually(lambda: api.decisions(prospect_id, "status"))


async def test_the_timeline_shows_every_event_decision_email_and_task_in_order(api: Api) -> None:
    await start(api, "ada")
    await lived_a_little(api, "ada")

    answer = await timeline(api, "ada")

    [run] = answer["runs"]
    workflow_id = api.workflow("ada").id
    assert (run["workflow_id"], run["status"], run["source"]) == (workflow_id, "running", "history")
    assert run["temporal_ui_url"] == (
        f"http://localhost:8233/namespaces/default/workflows/"
        f"journey%3A{api.journey_id}%3Aprospect%3Aada/{run['run_id']}/history"
    )
    events = {item["event_id"]: item for item in of_kind(answer, "event")}
    assert events.keys() == {"ada-click", "ada-ooo", "ada-reply"}
    assert events["ada-ooo"]["type"] == "out_of_office"
    assert decision_lines(answer) == await projected_decisions(api, "ada")
    assert {"points", "paused", "resumed", "status", "task"} <= {
        item["type"] for item in of_kind(answer, "decision")
    }
    assert {item["version"] for item in of_kind(answer, "decision")} == {1}
    emails = {item["details"]["message_id"]: item for item in of_kind(answer, "email")}
    sent = await db_rows(api, SentEmail, prospect_id="ada")
    assert len(sent) == 2
    assert emails.keys() == {row.message_id for row in sent}
    for row in sent:
        assert emails[row.message_id]["type"] == "sent"
        assert emails[row.message_id]["details"]["subject"] == row.subject
    assert {row.subject for row in sent} == {"Intro for Ada", "Still there, Ada?"}
    [task_row] = await db_rows(api, SalesTask, prospect_id="ada")
    [task] = of_kind(answer, "task")
    assert (task["type"], task["details"]["task_id"]) == ("handoff", task_row.id)
    reply_decisions = [item for item in of_kind(answer, "decision") if item["rule_id"] == "reply"]
    assert reply_decisions and all(item["type"] in {"task", "status"} for item in reply_decisions)
    assert times(answer) == sorted(times(answer))
    assert answer["warnings"] == []


async def test_runs_continued_as_new_are_all_read(api: Api, task_queue: str) -> None:
    # The API always starts journeys with the default history limit; a tiny one forces
    # continue-as-new after a few events, so this journey is started as the API would, by hand.
    await api.publish(JOURNEY)
    source = JOURNEY.replace("{journey_id}", api.journey_id)
    definition = parse_definition(source).model_copy(update={"version": 1})
    async with api.db.session() as session:
        session.add(ProspectRecord(id="cy", email="cy@example.com"))
        await session.commit()
    await api.temporal.client.start_workflow(
        WORKFLOW_NAME,
        JourneyInput(
            definition=definition,
            prospect=Prospect(id="cy", email="cy@example.com"),
            history_limit=50,
        ),
        id=api.workflow("cy").id,
        task_queue=task_queue,
    )
    await eventually(lambda: db_rows(api, Enrollment, prospect_id="cy"))
    posted = [f"cy-call-{number}" for number in range(12)]
    for event_id in posted:
        await api.post_event(event_id, "cy", "channel_contact", channel="phone")

    async def all_applied() -> list[DecisionRecord] | None:
        return at_least(len(posted), await api.decisions("cy", "event_applied"))

    await eventually(all_applied, within=30)

    answer = await timeline(api, "cy")

    assert len(answer["runs"]) >= 2
    assert {run["status"] for run in answer["runs"][:-1]} == {"continued_as_new"}
    assert len({item["run_id"] for item in answer["items"]}) == len(answer["runs"])
    assert {item["event_id"] for item in of_kind(answer, "event")} == set(posted)
    assert decision_lines(answer) == await projected_decisions(api, "cy")
    run_types = [item["type"] for item in of_kind(answer, "run")]
    assert run_types.count("continued") == len(answer["runs"]) - 1
    assert times(answer) == sorted(times(answer))


async def test_a_closed_run_is_read_once_then_served_from_the_cache(api: Api) -> None:
    await start(api, "dan")
    await eventually(lambda: at_least(1, api.mail_to("dan@example.com")))
    await api.post_event("dan-done", "dan", "form_submitted", form_id="done")
    await api.workflow("dan").result()

    first = await timeline(api, "dan")
    [row] = await db_rows(api, TimelineRun, prospect_id="dan")
    second = await timeline(api, "dan")

    assert [run["source"] for run in first["runs"]] == ["history"]
    assert [run["source"] for run in second["runs"]] == ["cache"]
    assert (row.run_id, row.status) == (first["runs"][0]["run_id"], "completed")
    assert len(row.items) == len(first["items"])
    assert second["items"] == first["items"]
    assert [item["type"] for item in of_kind(first, "run")] == ["started", "completed"]


async def test_a_re_entry_is_a_second_run_of_the_same_workflow(api: Api) -> None:
    await start(api, "eve")
    await api.post_event("eve-done", "eve", "form_submitted", form_id="done")
    await api.workflow("eve").result()
    await enter(api, "eve")
    await eventually(lambda: at_least(2, api.mail_to("eve@example.com")))

    answer = await timeline(api, "eve")

    assert [(run["status"], run["source"]) for run in answer["runs"]] == [
        ("completed", "history"),
        ("running", "history"),
    ]
    starts = [item for item in of_kind(answer, "run") if item["type"] == "started"]
    assert [item["run_id"] for item in starts] == [run["run_id"] for run in answer["runs"]]
    assert len(of_kind(answer, "email")) == 2


async def test_runs_temporal_no_longer_has_come_from_the_cache_and_the_projection(
    api: Api,
) -> None:
    # A journey whose runs Temporal's retention has dropped: one run was read (and stored)
    # before that, the later decisions only ever reached the projection.
    workflow_id = f"journey:{api.journey_id}:prospect:old"
    began = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
    stored = {
        "at": began.isoformat(),
        "journey_id": api.journey_id,
        "workflow_id": workflow_id,
        "run_id": "run-gone",
        "kind": "run",
        "type": "started",
        "summary": "journey started",
        "details": {},
    }
    async with api.db.session() as session:
        session.add(ProspectRecord(id="old", email="old@example.com"))
        session.add(
            Enrollment(
                workflow_id=workflow_id,
                prospect_id="old",
                journey_id=api.journey_id,
                version=1,
                stage="first",
                status="completed",
            )
        )
        session.add(
            TimelineRun(
                workflow_id=workflow_id,
                run_id="run-gone",
                prospect_id="old",
                journey_id=api.journey_id,
                status="continued_as_new",
                started_at=began,
                closed_at=began + DAY,
                items=[stored],
            )
        )
        for seq, at, kind in ((1, began, "enrolled"), (2, began + 3 * DAY, "completed")):
            session.add(
                DecisionRecord(workflow_id=workflow_id, seq=seq, at=at, kind=kind, reason=kind)
            )
        await session.commit()

    answer = await timeline(api, "old")

    assert [(run["run_id"], run["source"]) for run in answer["runs"]] == [
        ("run-gone", "cache"),
        ("", "projection"),
    ]
    assert answer["runs"][1]["temporal_ui_url"] is None
    assert [(item["kind"], item["type"]) for item in answer["items"]] == [
        ("run", "started"),
        ("decision", "completed"),
    ]


async def test_an_unknown_prospect_is_404(api: Api) -> None:
    for path in ("/prospects/nobody/timeline", "/prospects/nobody/export"):
        response = await api.http.get(path)
        assert response.status_code == 404, path
        assert response.json() == {"detail": "unknown prospect 'nobody'"}


async def test_the_export_holds_the_whole_record(api: Api) -> None:
    await start(api, "fay")
    [first] = await eventually(lambda: at_least(1, api.mail_to("fay@example.com")))
    reply = (
        "From: Fay <fay@example.com>\r\n"
        "To: sender@example.com\r\n"
        f"Subject: Re: {first.message['Subject']}\r\n"
        "Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n"
        "Message-ID: <fay-reply@client.example>\r\n"
        f"In-Reply-To: {first.message['Message-ID']}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n"
        "Sounds good, please call me tomorrow.\r\n"
    )
    posted = await api.http.post(
        "/inbound/email", content=reply.encode(), headers={"content-type": "message/rfc822"}
    )
    assert posted.status_code == 202, posted.text
    await eventually(lambda: db_rows(api, SalesTask, prospect_id="fay"))

    async def export_with_the_task_decided() -> dict[str, Any] | None:
        # The task row is written by the activity; the decision that made it reaches the
        # database with the next projection, a moment later.
        response = await api.http.get("/prospects/fay/export")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body if any(row["kind"] == "task" for row in body["decisions"]) else None

    export = await eventually(export_with_the_task_decided)
    assert export["prospect"]["email"] == "fay@example.com"
    [enrollment] = export["enrollments"]
    assert enrollment["state"]["prospect"]["id"] == "fay"
    [inbound] = export["inbound_emails"]
    assert inbound["message_id"] == "<fay-reply@client.example>"
    [event] = export["events"]
    assert (event["id"], event["type"]) == (inbound["event_id"], "email_replied")
    [email] = export["emails"]
    assert email["message_id"] == first.message["Message-ID"]
    [task] = export["tasks"]
    assert task["title"] == "Answer the reply"
    assert {row["kind"] for row in export["decisions"]} >= {"enrolled", "task"}
    timeline_items = export["timeline"]["items"]
    assert {item["event_id"] for item in timeline_items if item["kind"] == "event"} == {event["id"]}
    assert any(item["details"].get("task_id") == task["id"] for item in timeline_items)


@pytest_asyncio.fixture
async def live_api(api: Api, settings: Settings) -> AsyncIterator[str]:
    """The same app served over real HTTP, for the CLI (which runs its own event loop)."""
    app = create_app(settings=settings, db=api.db, temporal=api.temporal.client)
    port = free_port()
    server = ApiServer(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    serving = asyncio.create_task(server.serve())
    await eventually(lambda: server.started)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await serving


async def test_nurture_history_prints_the_timeline_and_json(api: Api, live_api: str) -> None:
    await start(api, "gus")
    await eventually(lambda: at_least(1, api.mail_to("gus@example.com")))
    await api.post_event("gus-click", "gus", "content_consumed", content_id="intro")
    await eventually(lambda: api.decisions("gus", "points"))
    runner = CliRunner()

    as_json = await asyncio.to_thread(
        runner.invoke, cli_app, ["history", "gus", "--json", "--api-url", live_api]
    )
    table = await asyncio.to_thread(
        runner.invoke, cli_app, ["history", "gus", "--api-url", live_api], env={"COLUMNS": "250"}
    )
    unknown = await asyncio.to_thread(
        runner.invoke, cli_app, ["history", "nobody", "--api-url", live_api]
    )

    assert as_json.exit_code == 0, as_json.output
    answer = json.loads(as_json.output)
    assert answer == await timeline(api, "gus")
    assert [item["event_id"] for item in of_kind(answer, "event")] == ["gus-click"]
    assert table.exit_code == 0, table.output
    assert "Timeline of gus" in table.output
    assert 'e-mail "Intro for Ada" (intro) sent' in table.output
    assert "decision: points" in table.output
    assert answer["runs"][0]["temporal_ui_url"] in table.output
    assert unknown.exit_code == 1
    assert "unknown prospect 'nobody'" in unknown.output
