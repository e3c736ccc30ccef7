"""`DELETE /prospects/{id}` against a real Temporal dev server, a real database and SMTP sink.

A prospect in two journeys is mailed, clicks, fills in a form, replies and gets tasks; after the
erasure no table holds their address, name or company (every column of every table is
searched), Temporal no longer has their workflows, the reports count what they counted, and the
address stays blocked.
"""

from __future__ import annotations

import functools
import json
import re
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import httpx
from sqlmodel import select
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import RPCError, RPCStatusCode

from api.app import create_app
from audit.history_reader import list_runs
from nurture.erasures import Erasure, prospect_id_hash
from nurture.outbox import OutboxMessage
from nurture.settings import Settings
from nurture.smtp_sink import free_port
from nurture.suppressions import suppression_of
from nurture.tables import Enrollment, SalesTask
from tests.fixtures.auth import admin_headers
from tests.integration.api_driver import Api, at_least, eventually, journey_yaml, unique
from tests.integration.personal_data_search import personal_data_in_tables
from workflows.contract import journey_workflow_id

ADDRESS = "zenobia.quill@quillfeather.example"
NAME = "Zenobia"
COMPANY = "Quillfeather Analytics"
BYSTANDER = "bartholomew@bystanders.example"


async def two_journeys_with_mail_clicks_tasks_and_a_reply(api: Api, prospect: str) -> str:
    """Returns the second journey's id; the first is `api.journey_id`."""
    await api.publish()
    second = unique("journey")
    published = await api.http.post(
        "/journeys",
        content=journey_yaml(second, api.queue),
        headers={"content-type": "application/yaml"},
    )
    assert published.status_code == 201, published.text
    contact = {"email": ADDRESS, "first_name": NAME, "company": COMPANY, "attributes": {}}
    for journey in (api.journey_id, second):
        enrolled = await api.http.post(
            f"/journeys/{journey}/enrollments", json=contact | {"id": prospect}
        )
        assert enrolled.status_code == 201, enrolled.text
    bystander = await api.enroll("bystander", email=BYSTANDER, first_name="Bartholomew")
    assert bystander.status_code == 201, bystander.text
    intros = await eventually(lambda: at_least(2, api.mail_to(ADDRESS, f"Intro for {NAME}")))

    html = intros[0].message.get_body(("html",))
    assert html is not None
    token = re.search(r'href="http://testserver/t/([\w.-]+)"', html.get_content())
    assert token is not None
    assert (await api.http.get(f"/t/{token.group(1)}")).status_code == 307
    await api.post_event(f"{prospect}-webinar", prospect, "form_submitted", form_id="webinar")
    reply = await api.http.post(
        "/inbound/email",
        content=_reply(intros[0].message["Message-ID"]).encode(),
        headers={"content-type": "message/rfc822"},
    )
    assert reply.status_code == 202, reply.text
    await eventually(lambda: _tasks(api, prospect, 4), within=20)
    return second


def _reply(in_reply_to: str) -> str:
    return (
        f"From: {NAME} <{ADDRESS}>\r\n"
        "To: sender@example.com\r\n"
        f"Subject: Re: Intro for {NAME}\r\n"
        f"Date: {format_datetime(datetime.now(UTC))}\r\n"
        "Message-ID: <reply-1@quillfeather.example>\r\n"
        f"In-Reply-To: {in_reply_to}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n"
        f"Hello, this is {NAME} of {COMPANY}: please call me on Tuesday.\r\n"
    )


async def _tasks(api: Api, prospect_id: str, count: int) -> list[SalesTask] | None:
    async with api.db.session() as session:
        rows = list(
            await session.exec(select(SalesTask).where(SalesTask.prospect_id == prospect_id))
        )
    return rows if len(rows) >= count else None


async def reports(api: Api, journey_id: str) -> dict[str, Any]:
    found = {}
    for name in ("funnel", "content", "handoffs"):
        response = await api.http.get(f"/reports/{name}", params={"journey_id": journey_id})
        assert response.status_code == 200, response.text
        found[name] = response.json()
    return found


async def gone_from_temporal(api: Api, workflow_id: str) -> bool:
    try:
        await api.temporal.client.get_workflow_handle(workflow_id).describe()
    except RPCError as error:
        assert error.status == RPCStatusCode.NOT_FOUND
        return await list_runs(api.temporal.client, workflow_id=workflow_id) == []
    return False


async def test_erasure_removes_the_person_everywhere_and_keeps_the_reports_counts(
    api: Api,
) -> None:
    prospect = unique("zen")
    second = await two_journeys_with_mail_clicks_tasks_and_a_reply(api, prospect)
    workflows = [journey_workflow_id(journey, prospect) for journey in (api.journey_id, second)]
    before = await personal_data_in_tables(api.db, ADDRESS, NAME, COMPANY)
    reports_before = await reports(api, api.journey_id)
    # The search can fail: the person is everywhere before.
    assert {
        "prospects.email",
        "enrollments.state",
        "sent_emails.to_address",
        "sent_emails.subject",
        "tasks.message",
        "inbound_emails.raw",
        "outbox.to_address",
    } <= before.keys()

    erased = await api.http.delete(f"/prospects/{prospect}")

    assert erased.status_code == 200, erased.text
    body = erased.json()
    assert (body["workflows_deleted"], body["already_erased"]) == (2, False)
    assert body["rows"]["prospects"] == {"deleted": 1, "pseudonymised": 0}
    assert body["rows"]["enrollments"] == {"deleted": 0, "pseudonymised": 2}
    assert body["rows"]["sent_emails"]["pseudonymised"] >= 2
    assert body["rows"]["inbound_emails"]["deleted"] == 1
    assert await personal_data_in_tables(api.db, ADDRESS, NAME, COMPANY) == {}
    # Only that person: the bystander in the same journey is untouched.
    assert "prospects.email" in await personal_data_in_tables(api.db, BYSTANDER)
    for workflow_id in workflows:
        assert await eventually(functools.partial(gone_from_temporal, api, workflow_id))

    # The anonymised record, answered by id; the prospect itself is gone.
    record = await api.http.get(f"/erasures/{prospect}")
    assert (record.status_code, record.json()["erased_at"]) == (200, body["erased_at"])
    async with api.db.session() as session:
        [row] = list(await session.exec(select(Erasure)))
    assert row.prospect_id_hash == prospect_id_hash(prospect)
    assert prospect not in json.dumps(row.model_dump(mode="json"))
    assert (await api.http.get(f"/prospects/{prospect}")).status_code == 404
    again = await api.http.delete(f"/prospects/{prospect}")
    assert (again.status_code, again.json()["already_erased"]) == (200, True)
    assert again.json()["erased_at"] == body["erased_at"]
    assert (await api.http.delete("/prospects/never-seen")).status_code == 404

    # The reports count what they counted; the erasure ended the journey where it stood.
    reports_after = await reports(api, api.journey_id)
    assert reports_after["content"] == reports_before["content"]
    assert reports_after["handoffs"] == reports_before["handoffs"]
    funnel_before, funnel_after = reports_before["funnel"], reports_after["funnel"]
    assert funnel_after["prospects"] == funnel_before["prospects"]
    for stage_before, stage_after in zip(
        funnel_before["stages"], funnel_after["stages"], strict=True
    ):
        for column in ("entered", "forward", "skipped", "back"):
            assert stage_after[column] == stage_before[column]
    assert funnel_after["stages"][0]["left"] == funnel_before["stages"][0]["left"] + 1


async def test_an_erased_prospect_takes_no_events_and_their_address_is_never_mailed_again(
    api: Api,
) -> None:
    prospect = unique("zen")
    await two_journeys_with_mail_clicks_tasks_and_a_reply(api, prospect)
    tasks = await _tasks(api, prospect, 4)
    assert tasks is not None and any(task.status != "closed" for task in tasks)
    assert (await api.http.delete(f"/prospects/{prospect}")).status_code == 200
    mailed = len(api.mail_to(ADDRESS))

    # Their tasks are closed: nobody is left to call, and a note would bring them back.
    for task in tasks:
        outcome = await api.http.post(
            f"/tasks/{task.id}/outcome", json={"outcome": "contacted", "note": f"{NAME} called"}
        )
        assert outcome.status_code == 409, outcome.text
        if task.status != "closed":
            assert outcome.json()["detail"].endswith("when its prospect was erased")
    assert await personal_data_in_tables(api.db, NAME) == {}

    event = await api.http.post(
        "/events", json={"id": "after-erasure", "prospect_id": prospect, "type": "email_replied"}
    )
    assert event.status_code == 404
    async with api.db.session() as session:
        blocked = await suppression_of(session, address=ADDRESS.upper())
    assert blocked is not None and (blocked.reason, blocked.address) == ("erased", None)

    # A CRM sync brings the same address back under a new id: the send is refused.
    again = await api.enroll(unique("returning"), email=ADDRESS, first_name=NAME)
    assert again.status_code == 201, again.text

    async def refused() -> OutboxMessage | None:
        async with api.db.session() as session:
            rows = await session.exec(
                select(OutboxMessage).where(OutboxMessage.to_address == ADDRESS)
            )
            return next((row for row in rows if row.state == "suppressed"), None)

    await eventually(refused)
    assert len(api.mail_to(ADDRESS)) == mailed


async def test_when_temporal_cannot_delete_nothing_is_erased_and_a_retry_does_it(
    api: Api, settings: Settings
) -> None:
    prospect = unique("zen")
    await two_journeys_with_mail_clicks_tasks_and_a_reply(api, prospect)
    before = await personal_data_in_tables(api.db, ADDRESS, NAME, COMPANY)
    nowhere = await Client.connect(
        f"127.0.0.1:{free_port()}", lazy=True, data_converter=pydantic_data_converter
    )
    cut_off = create_app(settings=settings, db=api.db, temporal=nowhere)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=cut_off),
        base_url="http://testserver",
        headers=admin_headers(settings),
    ) as http:
        refused = await http.delete(f"/prospects/{prospect}")

    assert refused.status_code == 503, refused.text
    assert "nothing was erased" in refused.json()["detail"]
    assert await personal_data_in_tables(api.db, ADDRESS, NAME, COMPANY) == before
    assert (await api.http.get(f"/erasures/{prospect}")).status_code == 404
    async with api.db.session() as session:
        assert await suppression_of(session, address=ADDRESS) is None

    retried = await api.http.delete(f"/prospects/{prospect}")
    assert (retried.status_code, retried.json()["workflows_deleted"]) == (200, 2)
    assert await personal_data_in_tables(api.db, ADDRESS, NAME, COMPANY) == {}


async def test_a_projection_written_after_the_erasure_is_erased_by_the_next_request(
    api: Api,
) -> None:
    await api.publish()
    prospect = unique("zen")
    contact = {"email": ADDRESS, "first_name": NAME, "company": COMPANY}
    assert (await api.enroll(prospect, **contact)).status_code == 201
    await eventually(lambda: at_least(1, api.mail_to(ADDRESS)))

    async def projected() -> Enrollment | None:
        async with api.db.session() as session:
            rows = await session.exec(select(Enrollment).where(Enrollment.prospect_id == prospect))
            return next((row for row in rows if "prospect" in row.state), None)

    late = Enrollment.model_validate((await eventually(projected)).model_dump())
    assert (await api.http.delete(f"/prospects/{prospect}")).status_code == 200
    # A row written behind the activities' guard (test_late_activities_after_erasure), as a
    # worker of a version from before the guard would write it.
    async with api.db.session() as session:
        session.add(late)
        await session.commit()
    assert await personal_data_in_tables(api.db, ADDRESS) == {"enrollments.state": {ADDRESS}}

    again = await api.http.delete(f"/prospects/{prospect}")

    assert (again.status_code, again.json()["already_erased"]) == (200, False)
    assert again.json()["rows"]["enrollments"] == {"deleted": 0, "pseudonymised": 1}
    assert await personal_data_in_tables(api.db, ADDRESS, NAME, COMPANY) == {}
