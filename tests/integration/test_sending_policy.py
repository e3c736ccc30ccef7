"""The sending policy end to end: a real Temporal dev server with virtual time, SQLite, SMTP.

The policy is set through the API. A frequency cap counts one prospect's e-mails across all
their journeys; a quiet period holds every send until it is over. Each journey is its own
workflow with its own virtual clock (both start near wall time), so a held e-mail is brought
out by moving that journey's clock.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select
from typer.testing import CliRunner

from nurture.cli import app
from nurture.cli_policy import (
    PolicyFileInvalid,
    fetch_policy,
    put_policy,
    read_policy_file,
)
from nurture.smtp_sink import free_port
from nurture.tables import DecisionRecord, SendingPolicyRecord, SentEmail
from tests.integration.api_driver import Api, at_least, eventually, unique

CAP_REASON = "frequency cap: 1 e-mails in the last 3d (at most 1)"
DAY = timedelta(days=1)
# A timer fires on its moment, give or take the server's one-second resolution.
ON_TIME = timedelta(seconds=2)


async def set_policy(api: Api, policy: dict[str, Any]) -> None:
    response = await api.http.put("/sending-policy", json=policy)
    assert response.status_code == 200, response.text


async def enrol_in_both(api: Api, prospect_id: str, **fields: Any) -> Api:
    """Enrol the prospect in the driver's journey and a second one at once; the second's driver."""
    other = replace(api, journey_id=unique("journey"))
    await api.publish()
    await other.publish()
    answers = await asyncio.gather(
        api.enroll(prospect_id, **fields), other.enroll(prospect_id, **fields)
    )
    assert [answer.status_code for answer in answers] == [201, 201], [a.text for a in answers]
    return other


async def held_back(
    journeys: tuple[Api, Api], prospect_id: str, kind: str
) -> tuple[Api, DecisionRecord]:
    """The journey whose e-mail the policy held back (`kind` recorded), and that decision."""

    async def find() -> tuple[Api, DecisionRecord] | None:
        for journey in journeys:
            if found := await journey.decisions(prospect_id, kind):
                return journey, found[0]
        return None

    return await eventually(find)


async def sent_rows(api: Api, prospect_id: str) -> list[SentEmail]:
    async with api.db.session() as session:
        rows = await session.exec(
            select(SentEmail)
            .where(SentEmail.prospect_id == prospect_id)
            .order_by(col(SentEmail.sent_at))
        )
        return list(rows)


async def recorded(api: Api, prospect_id: str, count: int) -> list[SentEmail]:
    """The prospect's sent-email rows once there are `count`: a row is written a moment after
    the SMTP server has the message, once the outbox has marked it sent."""
    return await eventually(lambda: at_least_sent(api, prospect_id, count))


async def at_least_sent(api: Api, prospect_id: str, count: int) -> list[SentEmail] | None:
    return at_least(count, await sent_rows(api, prospect_id))


async def test_a_cap_across_two_journeys_sends_one_and_defers_the_other_until_it_allows(
    api: Api,
) -> None:
    await set_policy(api, {"frequency_cap": {"max_emails": 1, "per": "3d"}})
    other = await enrol_in_both(api, "ada", first_name="Ada")

    [first_mail] = await api.sink.wait_for(1)
    held, decision = await held_back((api, other), "ada", "send_deferred")

    assert CAP_REASON in decision.reason
    assert len(api.sink.messages) == 1
    [first] = await recorded(api, "ada", 1)
    assert first.journey_id != held.journey_id
    assert first_mail.message["X-Nurture-Journey"] == first.journey_id

    await held.forward("ada", 3 * DAY - timedelta(minutes=1))
    await asyncio.sleep(0.5)
    assert len(api.sink.messages) == 1
    await held.forward("ada", 2 * timedelta(minutes=1))

    [_, second_mail] = await api.sink.wait_for(2)
    assert second_mail.message["X-Nurture-Journey"] == held.journey_id

    [_, second] = await recorded(api, "ada", 2)
    # Sent the moment the first e-mail left the three-day window, not a day later.
    assert timedelta(0) <= second.sent_at - (first.sent_at + 3 * DAY) < ON_TIME
    sent_decisions = await held.decisions("ada", "send")
    assert "was held: frequency cap" in sent_decisions[-1].reason


async def test_a_cap_that_drops_records_the_skip_and_never_sends_it(api: Api) -> None:
    await set_policy(api, {"frequency_cap": {"max_emails": 1, "per": "3d", "when_capped": "drop"}})
    other = await enrol_in_both(api, "bo")

    await api.sink.wait_for(1)
    dropped, decision = await held_back((api, other), "bo", "send_skipped")

    assert decision.reason == f"not sent 'intro': {CAP_REASON} (dropped)"
    assert await dropped.decisions("bo", "send_deferred") == []
    await dropped.forward("bo", 4 * DAY)
    await asyncio.sleep(0.5)
    assert len(api.sink.messages) == 1
    [row] = await recorded(api, "bo", 1)
    assert row.journey_id != dropped.journey_id


async def test_a_quiet_period_defers_to_local_midnight_after_it_and_sends_then(api: Api) -> None:
    tokyo = ZoneInfo("Asia/Tokyo")
    today = datetime.now(tokyo).date()
    last_quiet_day = today + DAY
    await set_policy(
        api,
        {
            "quiet_periods": [
                {"name": "Year end", "start": str(today - DAY), "end": str(last_quiet_day)}
            ]
        },
    )
    reopens = datetime.combine(last_quiet_day + DAY, time(0), tzinfo=tokyo).astimezone(UTC)
    await api.publish()

    assert (await api.enroll("cy", timezone="Asia/Tokyo")).status_code == 201

    [decision] = await eventually(lambda: api.decisions("cy", "send_deferred"))
    assert decision.reason == (
        f"'intro' held until {reopens:%Y-%m-%d %H:%M} UTC: quiet period 'Year end' "
        f"({today - DAY} to {last_quiet_day})"
    )
    state = await api.journey_state("cy")
    assert datetime.fromisoformat(state["next_action"]["at"]) == reopens
    wait = reopens - await api.virtual_now("cy")
    await api.forward("cy", wait - timedelta(minutes=1))
    await asyncio.sleep(0.5)
    assert api.sink.messages == []
    await api.forward("cy", 2 * timedelta(minutes=1))

    [mail] = await api.sink.wait_for(1)
    assert mail.rcpt_tos == ("cy@example.com",)
    [row] = await eventually(lambda: sent_rows(api, "cy"))
    assert timedelta(0) <= row.sent_at - reopens < ON_TIME


# --- the API and the CLI ---------------------------------------------------------------------

POLICY = {
    "frequency_cap": {"max_emails": 2, "per": "3d", "when_capped": "defer"},
    "quiet_periods": [{"name": "Christmas", "start": "2025-12-24", "end": "2025-12-26"}],
}


async def test_the_policy_is_read_and_replaced_through_the_api_keeping_each_change(
    api: Api,
) -> None:
    empty = await api.http.get("/sending-policy")
    put = await api.http.put("/sending-policy", json=POLICY)
    again = await api.http.put("/sending-policy", json=POLICY)
    read = await api.http.get("/sending-policy")
    cleared = await api.http.put("/sending-policy", json={})

    assert empty.json() == {"frequency_cap": None, "quiet_periods": []}
    assert put.status_code == again.status_code == 200
    assert put.json() == read.json() == POLICY
    assert cleared.json() == {"frequency_cap": None, "quiet_periods": []}
    async with api.db.session() as session:
        versions = (await session.exec(select(SendingPolicyRecord))).all()
    assert [version.policy for version in versions] == [POLICY, cleared.json()]


async def test_an_invalid_policy_is_422_naming_each_field_and_changes_nothing(api: Api) -> None:
    await set_policy(api, POLICY)
    bad = {
        "frequency_cap": {"max_emails": 0, "per": "3 days", "when_capped": "later"},
        "quiet_periods": [{"name": "Backwards", "start": "2025-12-26", "end": "2025-12-24"}],
        "quiet_hours": "22-7",
    }

    response = await api.http.put("/sending-policy", json=bad)

    assert response.status_code == 422
    locations = {".".join(map(str, error["loc"])) for error in response.json()["detail"]}
    assert locations == {
        "body.frequency_cap.max_emails",
        "body.frequency_cap.per",
        "body.frequency_cap.when_capped",
        "body.quiet_periods.0",
        "body.quiet_hours",
    }
    assert (await api.http.get("/sending-policy")).json() == POLICY


async def test_the_cli_client_puts_and_fetches_the_policy(api: Api, tmp_path: Path) -> None:
    file = tmp_path / "policy.yaml"
    file.write_text(
        "frequency_cap: {max_emails: 2, per: 3d}\n"
        "quiet_periods:\n"
        "  - {name: Christmas, start: 2025-12-24, end: 2025-12-26}\n"
    )

    stored = await put_policy(api.http, read_policy_file(file))

    assert stored.model_dump(mode="json") == POLICY
    assert (await fetch_policy(api.http)) == stored


def test_the_cli_names_the_path_of_each_mistake_before_calling_the_api(tmp_path: Path) -> None:
    file = tmp_path / "policy.yaml"
    file.write_text(
        "frequency_cap: {max_emails: 2, per: three days}\n"
        "quiet_periods:\n"
        "  - {name: Christmas, start: 2025-12-24, end: 2025-12-20}\n"
    )
    unreachable = f"http://127.0.0.1:{free_port()}"

    result = CliRunner().invoke(app, ["policy", "set", str(file), "--api-url", unreachable])

    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert [line.split(": ")[1] for line in lines] == ["frequency_cap.per", "quiet_periods[0]"]
    assert "'three days' is not a duration" in lines[0]
    assert "end 2025-12-20 is before start 2025-12-24" in lines[1]


def test_the_cli_reports_an_unreachable_api() -> None:
    unreachable = f"http://127.0.0.1:{free_port()}"

    result = CliRunner().invoke(app, ["policy", "show", "--api-url", unreachable])

    assert result.exit_code == 1
    assert f"nurture policy: cannot reach the API at {unreachable}" in result.output


def test_reading_a_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(PolicyFileInvalid) as invalid:
        read_policy_file(tmp_path / "nothing.yaml")

    [problem] = invalid.value.problems
    assert problem.startswith(f"{tmp_path / 'nothing.yaml'}: cannot read")
