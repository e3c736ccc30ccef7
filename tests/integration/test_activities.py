"""The activities against a real SMTP server (aiosmtpd) and a real SQLite database."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from temporalio.exceptions import ApplicationError

from activities import JourneyActivities
from activities.message_ids import message_id_for
from definitions.policy import SendingPolicy
from nurture.db import Database
from nurture.links import LinkToken, read_token
from nurture.settings import Settings
from nurture.smtp_sink import MailSink
from nurture.suppressions import suppress
from nurture.tables import (
    DecisionRecord,
    Enrollment,
    SendingPolicyRecord,
    SendReservation,
    SentEmail,
)
from tests.integration.activity_data import (
    AT,
    PROSPECT,
    WORKFLOW_ID,
    journey_state,
    send_input,
    table_rows,
    utc,
)
from workflows.commands import Decision
from workflows.contract import NextAction, RecordProjectionInput, SendResult
from workflows.state import JourneyState

SUBJECT = "The buyer's guide for Acme & Co"
EXPECTED_HEADERS = {
    "Subject": SUBJECT,
    "From": "Anna <anna@acme.example>",
    "Reply-To": "a@acme.example",
    "X-Nurture-Journey": "onboarding",
    "X-Nurture-Prospect": "p-1",
    "X-Nurture-Content": "guide",
    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
}


@pytest.fixture
def journey_activities(database: Database, settings: Settings) -> JourneyActivities:
    return JourneyActivities(database, settings)


def _token_in(text: str, pattern: str, settings: Settings) -> LinkToken:
    found = re.search(pattern, text)
    assert found is not None, f"{pattern!r} not in {text!r}"
    return read_token(settings.link_secret, found[1])


async def test_send_email_delivers_a_tracked_multipart_message(
    journey_activities: JourneyActivities, smtp_sink: MailSink, settings: Settings
) -> None:
    result = await journey_activities.send_email(send_input())
    message_id = result.message_id

    [caught] = await smtp_sink.wait_for(1)
    mail = caught.message
    assert caught.rcpt_tos == ("ada@example.com",)
    assert message_id == message_id_for(f"{WORKFLOW_ID}/send/1", "anna@acme.example")
    assert mail.get_content_type() == "multipart/alternative"
    assert mail["Message-ID"] == message_id
    assert {name: mail[name] for name in EXPECTED_HEADERS} == EXPECTED_HEADERS
    unsubscribe = _token_in(
        mail["List-Unsubscribe"], r"^<http://testserver/u/([\w.-]+)>$", settings
    )
    assert unsubscribe == LinkToken("unsubscribe", "p-1", "onboarding")
    html_part, text_part = mail.get_body(("html",)), mail.get_body(("plain",))
    assert html_part is not None and text_part is not None
    click_pattern = r'href="http://testserver/t/([\w.-]+)"'
    click = _token_in(html_part.get_content(), click_pattern, settings)
    assert click == LinkToken("click", "p-1", "onboarding", "guide")
    assert "(http://testserver/t/" in text_part.get_content()


async def test_send_email_records_what_was_sent_at_the_workflow_time(
    journey_activities: JourneyActivities, database: Database
) -> None:
    message_id = (await journey_activities.send_email(send_input())).message_id

    [row] = await table_rows(database, SentEmail)
    assert (row.key, row.message_id, row.to_address, row.content_id) == (
        f"{WORKFLOW_ID}/send/1",
        message_id,
        "ada@example.com",
        "guide",
    )
    assert (row.subject, row.reason) == (SUBJECT, "sequence step 1 of aware")
    assert utc(row.sent_at) == AT


async def test_sending_the_same_key_twice_sends_one_email(
    journey_activities: JourneyActivities, smtp_sink: MailSink, database: Database
) -> None:
    first = await journey_activities.send_email(send_input())
    second = await journey_activities.send_email(send_input())

    assert first == second
    assert len(smtp_sink.messages) == 1
    assert len(await table_rows(database, SentEmail)) == 1


async def test_a_recipient_refused_with_550_is_a_non_retryable_address_rejection(
    database: Database, settings: Settings, refusing_sink: MailSink
) -> None:
    refused = JourneyActivities(
        database, settings.model_copy(update={"smtp_port": refusing_sink.port})
    )

    with pytest.raises(ApplicationError) as caught:
        await refused.send_email(send_input())

    assert caught.value.type == "AddressRejected"
    assert caught.value.non_retryable
    assert "no such user" in str(caught.value)
    assert await table_rows(database, SentEmail) == []


async def test_an_address_on_the_suppression_list_is_dropped_inside_the_send(
    journey_activities: JourneyActivities, smtp_sink: MailSink, database: Database
) -> None:
    # The journey decided to send before it heard of the unsubscribe (another journey did).
    async with database.session() as session:
        await suppress(session, address=PROSPECT.email, reason="unsubscribed", source="test", at=AT)

    result = await journey_activities.send_email(send_input())

    assert result.status == "dropped"
    assert "address suppressed (unsubscribed" in (result.reason or "")
    await asyncio.sleep(0.2)
    assert smtp_sink.messages == []
    assert await table_rows(database, SentEmail) == []
    # Nothing left the building, so the frequency cap has its place back.
    assert await table_rows(database, SendReservation) == []


async def test_prospect_data_cannot_inject_headers_or_recipients(
    journey_activities: JourneyActivities, smtp_sink: MailSink
) -> None:
    hostile = PROSPECT.model_copy(
        update={
            "first_name": "Ada\r\nBcc: eve@evil.example",
            "company": "Acme\nX-Injected: 1\r\n\r\n<b>body</b>",
        }
    )
    send = send_input().model_copy(update={"prospect": hostile})

    await journey_activities.send_email(send)

    [caught] = await smtp_sink.wait_for(1)
    assert caught.rcpt_tos == (PROSPECT.email,)
    names = {name.lower() for name in caught.message}
    assert not names & {"bcc", "x-injected"}
    assert caught.message["Subject"] == "The buyer's guide for Acme X-Injected: 1 <b>body</b>"


async def test_a_template_that_fails_to_render_is_a_non_retryable_error(
    journey_activities: JourneyActivities, smtp_sink: MailSink, database: Database
) -> None:
    with pytest.raises(ApplicationError) as caught:
        await journey_activities.send_email(send_input(body="<p>{{ prospect.nickname }}</p>"))

    assert caught.value.type == "TemplateError"
    assert caught.value.non_retryable
    assert smtp_sink.messages == []
    assert await table_rows(database, SentEmail) == []


def _decision(seq: int, reason: str) -> Decision:
    return Decision(seq=seq, at=AT + timedelta(minutes=seq), kind="points", reason=reason)


def _projection(state: JourneyState, seqs: list[int], at: datetime) -> RecordProjectionInput:
    next_action = NextAction(at=at + timedelta(days=1), description="send the FAQ")
    return RecordProjectionInput(
        workflow_id=WORKFLOW_ID,
        state=state,
        decisions=[_decision(seq, f"reason {seq} at {at:%H:%M}") for seq in seqs],
        next_action=next_action if state.stage == "aware" else None,
        at=at,
    )


async def test_record_projection_upserts_and_never_duplicates_decisions(
    journey_activities: JourneyActivities, database: Database
) -> None:
    earlier = journey_state(stage="aware", score=10, decision_count=2)
    later = journey_state(stage="consider", score=25, decision_count=3)

    await journey_activities.record_projection(_projection(earlier, [1, 2], AT))
    [enrollment] = await table_rows(database, Enrollment)
    assert (enrollment.stage, enrollment.next_action) == ("aware", "send the FAQ")

    await journey_activities.record_projection(_projection(later, [2, 3], AT + timedelta(hours=1)))
    await journey_activities.record_projection(_projection(later, [2, 3], AT + timedelta(hours=1)))
    # A late retry of the first projection must not roll the enrollment back.
    await journey_activities.record_projection(_projection(earlier, [1, 2], AT))

    [enrollment] = await table_rows(database, Enrollment)
    assert (enrollment.stage, enrollment.score, enrollment.status) == ("consider", 25, "active")
    assert (enrollment.next_action, enrollment.next_action_at) == (None, None)
    assert utc(enrollment.updated_at) == AT + timedelta(hours=1)
    assert utc(enrollment.enrolled_at) == AT - timedelta(days=10)
    assert enrollment.state["score"] == 25
    decisions = sorted(await table_rows(database, DecisionRecord), key=lambda row: row.seq)
    assert [(row.seq, row.reason) for row in decisions] == [
        (1, "reason 1 at 09:00"),
        (2, "reason 2 at 09:00"),
        (3, "reason 3 at 10:00"),
    ]


# --- the sending policy, checked right before a send -----------------------------------------


async def _set_policy(database: Database, **fields: Any) -> None:
    async with database.session() as session:
        session.add(
            SendingPolicyRecord(policy=SendingPolicy.model_validate(fields).model_dump(mode="json"))
        )
        await session.commit()


def _other_journey_send(key: str, at: datetime) -> SentEmail:
    return SentEmail(
        key=key,
        message_id=f"<{key}@acme.example>",
        workflow_id="journey:webinar:prospect:p-1",
        prospect_id=PROSPECT.id,
        journey_id="webinar",
        content_id="recording",
        to_address=PROSPECT.email,
        subject="The recording",
        reason="sequence step 1 of interested",
        sent_at=at,
    )


async def test_an_email_of_another_journey_in_the_window_defers_the_send(
    journey_activities: JourneyActivities, smtp_sink: MailSink, database: Database
) -> None:
    await _set_policy(database, frequency_cap={"max_emails": 1, "per": "3d"})
    async with database.session() as session:
        session.add(_other_journey_send("webinar/send/1", AT - timedelta(days=1)))
        await session.commit()

    result = await journey_activities.send_email(send_input())

    assert result == SendResult(
        status="deferred",
        until=AT + timedelta(days=2),
        reason="frequency cap: 1 e-mails in the last 3d (at most 1)",
    )
    assert smtp_sink.messages == []
    assert [row.key for row in await table_rows(database, SentEmail)] == ["webinar/send/1"]
    assert await table_rows(database, SendReservation) == []


async def test_when_capped_drop_answers_dropped(
    journey_activities: JourneyActivities, smtp_sink: MailSink, database: Database
) -> None:
    await _set_policy(database, frequency_cap={"max_emails": 1, "per": "3d", "when_capped": "drop"})
    async with database.session() as session:
        session.add(_other_journey_send("webinar/send/1", AT - timedelta(hours=1)))
        await session.commit()

    result = await journey_activities.send_email(send_input())

    assert (result.status, result.until, result.message_id) == ("dropped", None, None)
    assert result.reason == "frequency cap: 1 e-mails in the last 3d (at most 1)"
    assert smtp_sink.messages == []


async def test_a_send_out_of_the_window_and_other_prospects_sends_do_not_count(
    journey_activities: JourneyActivities, smtp_sink: MailSink, database: Database
) -> None:
    await _set_policy(database, frequency_cap={"max_emails": 1, "per": "3d"})
    someone_else = _other_journey_send("webinar/send/9", AT)
    someone_else.prospect_id = "p-2"
    async with database.session() as session:
        session.add(_other_journey_send("webinar/send/1", AT - timedelta(days=3)))
        session.add(someone_else)
        await session.commit()

    result = await journey_activities.send_email(send_input())

    assert result.status == "sent"
    assert len(await smtp_sink.wait_for(1)) == 1
    # Sent and recorded: the reservation made for the check is gone.
    assert await table_rows(database, SendReservation) == []


async def test_two_sends_at_the_same_instant_under_a_cap_of_one_send_one_email(
    journey_activities: JourneyActivities, smtp_sink: MailSink, database: Database
) -> None:
    await _set_policy(database, frequency_cap={"max_emails": 1, "per": "3d"})
    # A second journey's workflow whose clock reads a little behind the first one's.
    inputs = [
        send_input(key=f"{WORKFLOW_ID}/send/1"),
        send_input(key="journey:webinar:prospect:p-1/send/1").model_copy(
            update={"at": AT - timedelta(milliseconds=300)}
        ),
    ]

    results = await asyncio.gather(*(journey_activities.send_email(i) for i in inputs))

    assert sorted(result.status for result in results) == ["deferred", "sent"]
    await asyncio.sleep(0.2)
    assert len(smtp_sink.messages) == 1
    assert len(await table_rows(database, SentEmail)) == 1


async def test_a_quiet_period_defers_to_local_midnight_in_the_prospects_zone(
    journey_activities: JourneyActivities, smtp_sink: MailSink, database: Database
) -> None:
    await _set_policy(
        database,
        quiet_periods=[{"name": "Stocktaking", "start": "2025-03-03", "end": "2025-03-04"}],
    )
    in_tokyo = send_input().model_copy(
        update={"prospect": PROSPECT.model_copy(update={"timezone": "Asia/Tokyo"})}
    )
    # 09:00 UTC on 3 March is 04:00 on the 4th in Auckland and 18:00 on the 3rd in Tokyo.
    in_the_default_zone = send_input(key="k/2").model_copy(
        update={"default_timezone": "Pacific/Auckland"}
    )

    tokyo = await journey_activities.send_email(in_tokyo)
    auckland = await journey_activities.send_email(in_the_default_zone)

    assert (tokyo.status, tokyo.until) == ("deferred", datetime(2025, 3, 4, 15, tzinfo=UTC))
    assert tokyo.reason == "quiet period 'Stocktaking' (2025-03-03 to 2025-03-04)"
    assert (auckland.status, auckland.until) == ("deferred", datetime(2025, 3, 4, 11, tzinfo=UTC))
    assert smtp_sink.messages == []


async def test_a_retry_of_a_cleared_send_goes_out_without_a_second_check(
    journey_activities: JourneyActivities, smtp_sink: MailSink, database: Database
) -> None:
    # The first attempt was cleared (its reservation is there), then failed on the way to SMTP;
    # meanwhile a quiet period began. The retry must not turn the cleared send into a deferral.
    async with database.session() as session:
        session.add(SendReservation(key=f"{WORKFLOW_ID}/send/1", prospect_id=PROSPECT.id, at=AT))
        await session.commit()
    await _set_policy(
        database, quiet_periods=[{"name": "Freeze", "start": "2025-03-01", "end": "2025-03-10"}]
    )

    result = await journey_activities.send_email(send_input())

    assert result.status == "sent"
    assert len(await smtp_sink.wait_for(1)) == 1
    assert await table_rows(database, SendReservation) == []


async def test_a_send_that_fails_for_good_gives_its_place_under_the_cap_back(
    database: Database, settings: Settings, refusing_sink: MailSink
) -> None:
    await _set_policy(database, frequency_cap={"max_emails": 1, "per": "3d"})
    refused = JourneyActivities(
        database, settings.model_copy(update={"smtp_port": refusing_sink.port})
    )

    with pytest.raises(ApplicationError):
        await refused.send_email(send_input())

    assert await table_rows(database, SendReservation) == []
