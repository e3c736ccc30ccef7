"""Re-entry end to end: a prospect whose journey ended enters it again only as its rule allows.

Real Temporal dev server, SQLite and SMTP sink. The rule's `after` counts from the end as the
workflow recorded it, on the workflow's clock; moving that clock on cannot move the API's, so
the test that must get past `after` uses a short one and waits for it.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from activities.projections import record_projection
from nurture.db import Database
from nurture.tables import DecisionRecord, Enrollment
from tests.integration.api_driver import Api, at_least, eventually
from tests.unit.journey_helpers import PROSPECT, START, event, small_journey
from workflows import interpreter
from workflows.state import JourneyState

JOURNEY = """
journey: {journey_id}
name: Re-entry test
sender:
  from: "Test Sender <sender@example.com>"
stages:
  - id: only
    points: [0, 10]
content:
  - id: hello
    stage: only
    title: Hello
    points: 1
    link: https://example.com/hello
    email:
      subject: Hello again
      body: '<p><a href="{{ link }}">Hello</a></p>'
sequences:
  only:
    steps:
      - send: hello
rules:
  - id: done
    when: {event: form_submitted, form: done}
    do:
      - complete: finished the course
  - id: reply
    when: {event: email_replied}
    do:
      - complete: they replied
"""


async def publish(api: Api, re_entry: str | None) -> None:
    await api.publish(JOURNEY + (f"re_entry: {re_entry}\n" if re_entry else ""))


async def enroll(api: Api, prospect_id: str, expected: int) -> str:
    response = await api.enroll(prospect_id)
    assert response.status_code == expected, response.text
    return str(response.json().get("detail", ""))


async def post_done(api: Api, prospect_id: str, entry: int) -> None:
    body = {
        "id": f"{prospect_id}-done-{entry}",
        "prospect_id": prospect_id,
        "type": "form_submitted",
        "data": {"form_id": "done"},
    }
    response = await api.http.post("/events", json=body)
    assert response.status_code == 202, response.text


async def finish(api: Api, prospect_id: str, entry: int) -> Enrollment:
    """Complete the prospect's current entry; the projection row once it shows the end."""
    await post_done(api, prospect_id, entry)

    async def ended() -> Enrollment | None:
        async with api.db.session() as session:
            row = await session.get(Enrollment, api.workflow(prospect_id).id)
        return row if row is not None and row.status == "completed" else None

    # Not waiting for the run to close: the last projection is written just before it does,
    # and enrolling at once must wait for that itself rather than answer "already active".
    return await eventually(ended)


async def row_of(api: Api, prospect_id: str) -> Enrollment:
    async with api.db.session() as session:
        row = await session.get(Enrollment, api.workflow(prospect_id).id)
    assert row is not None
    return row


async def test_without_re_entry_an_ended_journey_is_not_entered_again(api: Api) -> None:
    await publish(api, None)
    await enroll(api, "ada", 201)
    await enroll(api, "bob", 201)

    ended = await finish(api, "ada", 1)
    refused = await enroll(api, "ada", 409)
    running = await enroll(api, "bob", 409)

    assert ended.ended_at is not None
    assert refused == (
        "prospect 'ada': the journey does not allow re-entry (the previous entry ended "
        f"{ended.ended_at:%Y-%m-%d %H:%M:%S} UTC)"
    )
    assert running == f"prospect 'bob': already active in journey {api.journey_id!r}"
    assert (await row_of(api, "ada")).status == "completed"


async def test_after_refuses_until_that_long_after_the_end_then_a_new_entry_starts(
    api: Api,
) -> None:
    await publish(api, "{allowed: true, after: 2s}")
    await enroll(api, "cy", 201)
    await api.sink.wait_for(1)

    ended = await finish(api, "cy", 1)
    early = await enroll(api, "cy", 409)

    assert ended.ended_at is not None
    allowed_from = ended.ended_at + timedelta(seconds=2)
    assert early == (
        f"prospect 'cy': may enter again from {allowed_from:%Y-%m-%d %H:%M:%S} UTC (2s after "
        f"the end of the previous entry; the previous entry ended "
        f"{ended.ended_at:%Y-%m-%d %H:%M:%S} UTC)"
    )
    await asyncio.sleep(max(0.0, (allowed_from - datetime.now(UTC)).total_seconds()) + 0.1)
    again = await api.enroll("cy")

    assert again.status_code == 201, again.text
    await eventually(lambda: at_least(2, api.mail_to("cy@example.com", "Hello again")))
    row = await eventually(lambda: api.state_if("cy", lambda state: state["status"] == "active"))
    assert row["stage"] == "only"
    renewed = await row_of(api, "cy")
    assert (renewed.entries, renewed.ended_at) == (2, None)
    # The second entry numbers its decisions on from the first's, so none is lost to the first's.

    async def both_entries() -> list[DecisionRecord] | None:
        return at_least(2, await api.decisions("cy", "enrolled"))

    entered = await eventually(both_entries)
    assert entered[1].seq > entered[0].seq
    assert entered[1].reason.startswith(f"enrolled in {api.journey_id}")


async def test_max_entries_counts_every_entry_the_first_included(api: Api) -> None:
    await publish(api, "{allowed: true, max_entries: 2}")
    await enroll(api, "dee", 201)

    await finish(api, "dee", 1)
    await enroll(api, "dee", 201)
    await eventually(lambda: api.state_if("dee", lambda state: state["status"] == "active"))
    await finish(api, "dee", 2)
    third = await enroll(api, "dee", 409)

    assert third == (
        "prospect 'dee': already entered 2 times; the journey allows 2 entries at most"
    )
    assert (await row_of(api, "dee")).entries == 2


async def test_an_entry_while_the_ended_run_is_still_closing_waits_for_it_to_close(
    api: Api,
) -> None:
    await publish(api, "{allowed: true}")
    await enroll(api, "eve", 201)
    await eventually(lambda: api.state_if("eve", lambda state: state["status"] == "active"))
    # Hold open the moment between the run's last projection and its completion: the row
    # already says the journey ended, Temporal still has the run.
    async with api.db.session() as session:
        row = await session.get(Enrollment, api.workflow("eve").id)
        assert row is not None
        row.status, row.ended_at = "completed", datetime.now(UTC)
        session.add(row)
        await session.commit()

    enrolling = asyncio.create_task(api.enroll("eve"))
    await asyncio.sleep(0.5)
    assert not enrolling.done()
    await post_done(api, "eve", 1)
    again = await enrolling

    assert again.status_code == 201, again.text
    renewed = await eventually(
        lambda: api.state_if("eve", lambda state: state["status"] == "active")
    )
    assert renewed["stage"] == "only"


async def test_a_new_entry_reported_before_the_api_turned_the_row_over_still_counts(
    database: Database,
) -> None:
    """The workflow's first report may beat the API's bookkeeping: it counts the entry itself."""
    first, _ = interpreter.enroll(small_journey(), PROSPECT, START)
    ended, _ = interpreter.apply_event(small_journey(), first, event("u", "unsubscribed"), START)
    ended_at = START + timedelta(days=2)
    second, _ = interpreter.enroll(small_journey(), PROSPECT, START + timedelta(days=9))

    async def report(state: JourneyState, at: datetime) -> Enrollment:
        async with database.session() as session:
            await record_projection(
                session, workflow_id="wf", state=state, decisions=[], next_action=None, at=at
            )
            row = await session.get(Enrollment, "wf")
        assert row is not None
        return row

    finished = await report(ended, ended_at)
    assert (finished.status, finished.ended_at, finished.entries) == ("unsubscribed", ended_at, 1)
    renewed = await report(second, START + timedelta(days=9))
    assert (renewed.status, renewed.ended_at, renewed.entries) == ("active", None, 2)
    # Later reports of the same entry count nothing more.
    again = await report(second, START + timedelta(days=10))
    assert again.entries == 2
