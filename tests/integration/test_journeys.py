"""Journeys end to end: real Temporal dev server (virtual time), real SQLite, real SMTP sink."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from time import monotonic
from zoneinfo import ZoneInfo

from sqlmodel import col, func, select

from nurture.db import Database
from nurture.smtp_sink import MailSink
from nurture.tables import DecisionRecord, Enrollment, SalesTask, SentEmail
from tests.integration.journey_driver import JourneyDriver, demo_definition, small_definition
from workflows.state import JourneyState, Prospect

DAY = timedelta(days=1)


def prospect(prospect_id: str) -> Prospect:
    return Prospect(
        id=prospect_id,
        email=f"{prospect_id}@shop.example",
        first_name="Ada",
        company="Baltic Home Goods",
        timezone="Europe/Warsaw",
    )


async def sent_content(database: Database, workflow_id: str) -> list[str]:
    async with database.session() as session:
        rows = await session.exec(
            select(SentEmail)
            .where(SentEmail.workflow_id == workflow_id)
            .order_by(col(SentEmail.sent_at))
        )
        return [row.content_id for row in rows]


async def projection_when(
    database: Database,
    workflow_id: str,
    condition: Callable[[Enrollment], bool],
    within_seconds: float = 10.0,
) -> Enrollment:
    deadline = monotonic() + within_seconds
    while True:
        async with database.session() as session:
            row = await session.get(Enrollment, workflow_id)
        if row is not None and condition(row):
            return row
        if monotonic() >= deadline:
            raise AssertionError(f"projection of {workflow_id} not as expected: {row}")
        await asyncio.sleep(0.05)


async def test_demo_journey_from_first_e_mail_to_sales_hand_off(
    journeys: JourneyDriver, database: Database, smtp_sink: MailSink
) -> None:
    handle = await journeys.start(demo_definition(), prospect("ada"))
    first = await smtp_sink.wait_for(1)
    assert first[0].message["To"] == "ada@shop.example"
    assert "/t/" in first[0].message.get_body(("html",)).get_content()  # type: ignore[union-attr]

    # Reads the first article: the follow-up is skipped, the guide comes two days later.
    view = await journeys.send(
        handle, "read-1", "content_consumed", content_id="support-inbox-problems"
    )
    assert view.state.score == 3
    await journeys.forward(handle, 2 * DAY)
    view = await journeys.until(handle, lambda v: len(v.state.sent) == 2)
    assert [m.content_id for m in view.state.sent] == [
        "support-inbox-problems",
        "support-step-by-step",
    ]

    # 3 + 8 = 11 points: the score moves the prospect to analysis, whose sequence starts.
    view = await journeys.send(
        handle, "read-2", "content_consumed", content_id="support-step-by-step"
    )
    assert view.state.stage == "analysis" and view.state.score == 11
    assert view.state.sent[-1].content_id == "ticketing-features-guide"

    # The e-book form's 10000 bonus: offer-level score and "probably a lead" → sales.
    view = await journeys.send(handle, "ebook", "form_submitted", form_id="ebook-download")
    assert view.state.stage == "offer"
    assert view.state.status == "handed_off" and view.state.lifecycle == "mql"
    mail = await smtp_sink.wait_for(4)
    # The demo's sales queue: no country attribute, so the first in turn.
    assert mail[-1].rcpt_tos == ("marta.nowak@northwind.example.com",)
    assert "Probably a lead" in str(mail[-1].message["Subject"])

    # The projection is written after the task's activity: wait for it to catch up.
    enrollment = await projection_when(database, handle.id, lambda row: row.score == 10011)
    async with database.session() as session:
        task = (await session.exec(select(SalesTask))).one()
        reasons = (
            await session.exec(
                select(DecisionRecord.reason).where(DecisionRecord.workflow_id == handle.id)
            )
        ).all()
    assert task.queue == "sales" and task.kind == "handoff"
    assert task.context["score"] == 10011
    assert enrollment.status == "handed_off" and enrollment.stage == "offer"
    assert any("moved from acquisition to analysis (forward)" in r for r in reasons)
    assert any("probably-a-lead" in r for r in reasons)


async def test_skip_ahead_then_return_to_a_non_adjacent_stage_after_silence(
    journeys: JourneyDriver, database: Database
) -> None:
    handle = await journeys.start(demo_definition(), prospect("bo"))
    await journeys.until(handle, lambda v: len(v.state.sent) == 1)

    view = await journeys.send(handle, "pricing", "content_consumed", content_id="pricing-plans")
    assert view.state.stage == "offer"
    assert [visit.stage for visit in view.state.stage_history] == ["acquisition", "offer"]

    await journeys.forward(handle, 61 * DAY)
    view = await journeys.until(handle, lambda v: v.state.stage == "acquisition")
    assert view.state.temperature == "cold"
    assert [visit.stage for visit in view.state.stage_history] == [
        "acquisition",
        "offer",
        "acquisition",
    ]
    # Back in acquisition, its sequence starts again from the first e-mail (recorded before
    # the projection that follows it).
    await projection_when(database, handle.id, lambda row: row.stage == "acquisition")
    sent = await sent_content(database, handle.id)
    assert sent[-1] == "support-inbox-problems" and sent.count("support-inbox-problems") == 2


async def test_vacation_pause_resumes_on_the_return_day_and_sends_nothing_meanwhile(
    journeys: JourneyDriver, database: Database, smtp_sink: MailSink
) -> None:
    handle = await journeys.start(small_definition(), prospect("cy"))
    await smtp_sink.wait_for(1)
    started = await journeys.env.get_current_time(handle)
    return_day = (started + 20 * DAY).date()

    view = await journeys.send(handle, "ooo", "out_of_office", return_date=return_day.isoformat())
    assert view.state.status == "paused"
    warsaw_nine = datetime.combine(return_day, time(9), tzinfo=ZoneInfo("Europe/Warsaw"))
    resume_at = warsaw_nine.astimezone(UTC)
    assert view.state.paused_until == resume_at
    assert view.next_action is not None and view.next_action.at == resume_at

    await journeys.forward(handle, 19 * DAY)
    assert (await journeys.view(handle)).state.status == "paused"
    assert len(smtp_sink.messages) == 1

    await journeys.forward(handle, 2 * DAY)
    view = await journeys.until(handle, lambda v: len(v.state.sent) == 2)
    assert view.state.status == "active"
    async with database.session() as session:
        follow_up = (
            await session.exec(select(SentEmail).where(SentEmail.content_id == "a2"))
        ).one()
    # The virtual clock also runs in real time, so the timer lands within a second of 09:00.
    assert resume_at <= follow_up.sent_at < resume_at + timedelta(minutes=1)


async def test_a_reply_stops_the_sequence_and_hands_off(
    journeys: JourneyDriver, database: Database, smtp_sink: MailSink
) -> None:
    handle = await journeys.start(small_definition(), prospect("di"))
    await smtp_sink.wait_for(1)
    view = await journeys.send(handle, "reply", "email_replied", text="Can we talk on Monday?")
    assert view.state.status == "handed_off" and view.state.cursor is None
    await smtp_sink.wait_for(2)  # the task notification

    await journeys.forward(handle, 14 * DAY)
    assert await sent_content(database, handle.id) == ["a1"]
    async with database.session() as session:
        tasks = (await session.exec(select(SalesTask))).all()
    assert [task.title for task in tasks] == ["They replied"]


async def test_unsubscribe_ends_the_journey_and_nothing_more_is_sent(
    journeys: JourneyDriver, database: Database, smtp_sink: MailSink
) -> None:
    handle = await journeys.start(small_definition(), prospect("ed"))
    await smtp_sink.wait_for(1)
    await handle.signal(
        "event",
        {"id": "bye", "prospect_id": "ed", "type": "unsubscribed", "data": {}},
    )
    result = await handle.result()
    assert isinstance(result, JourneyState)
    assert result.status == "unsubscribed"
    assert await sent_content(database, handle.id) == ["a1"]
    # The workflow has finished, so its last projection is already written.
    enrollment = await projection_when(database, handle.id, lambda row: True, within_seconds=0)
    assert enrollment.status == "unsubscribed"


async def test_a_duplicate_event_is_applied_once(
    journeys: JourneyDriver, database: Database
) -> None:
    handle = await journeys.start(small_definition(), prospect("fa"))
    await journeys.send(handle, "same-id", "content_consumed", content_id="a2")
    view = await journeys.send(handle, "same-id", "content_consumed", content_id="a2")
    view = await journeys.send(handle, "other", "channel_contact", channel="phone")
    assert view.state.score == 5
    async with database.session() as session:
        applied = await session.exec(
            select(func.count())
            .select_from(DecisionRecord)
            .where(DecisionRecord.workflow_id == handle.id, DecisionRecord.event_id == "same-id")
            .where(DecisionRecord.kind == "event_applied")
        )
    assert applied.one() == 1


async def test_running_prospects_keep_the_version_they_started_with(
    journeys: JourneyDriver, smtp_sink: MailSink
) -> None:
    first_version = small_definition(version=1)
    second_version = small_definition(version=2)
    renamed = second_version.content[1].model_copy(
        update={"email": second_version.content[1].email.model_copy(update={"subject": "A2 v2"})}
    )
    second_version = second_version.model_copy(
        update={"content": [second_version.content[0], renamed, *second_version.content[2:]]}
    )

    old = await journeys.start(first_version, prospect("ga"))
    await smtp_sink.wait_for(1)
    new = await journeys.start(second_version, prospect("ha"))
    await smtp_sink.wait_for(2)
    for handle in (old, new):
        await journeys.forward(handle, 3 * DAY)
    mail = await smtp_sink.wait_for(4)
    subjects = {(m.rcpt_tos[0], str(m.message["Subject"])) for m in mail}
    assert ("ga@shop.example", "A2") in subjects
    assert ("ha@shop.example", "A2 v2") in subjects
    assert (await journeys.view(old)).state.version == 1


async def test_continue_as_new_keeps_state_and_idempotency(journeys: JourneyDriver) -> None:
    handle = await journeys.start(small_definition(), prospect("ia"), history_limit=50)
    await journeys.send(handle, "read-a1", "content_consumed", content_id="a1")
    for number in range(12):
        await journeys.send(handle, f"noise-{number}", "channel_contact", channel="phone")
    view = await journeys.until(handle, lambda v: v.run_count > 1)
    before = view.state
    # The first event again, after the history was cut: still recognised and ignored.
    view = await journeys.send(handle, "read-a1", "content_consumed", content_id="a1")
    view = await journeys.send(handle, "after", "content_consumed", content_id="b1")
    assert view.run_count > 1
    assert view.state.score == before.score + 50 == 55
    assert view.state.consumed.keys() == {"a1", "b1"}
    assert view.state.stage_history == before.stage_history
