"""Send windows, goals, splits and score decay on a real Temporal dev server, in virtual time.

Each journey's clock is moved to the moment under test (a weekend before a daylight saving
change, a month without activity) with `fast_forward`; its timers fire at their exact times.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from definitions.model import SplitSpec
from nurture.tables import DecisionRecord
from tests.integration.api_driver import Api, at_least, eventually
from workflows.splits import choose_branch

DAY = timedelta(days=1)

WINDOWED = """
journey: {journey_id}
name: Working hours
sender: {from: "Anna <anna@acme.example>"}
defaults: {timezone: Asia/Tokyo}
sending:
  window: {days: [mon, tue, wed, thu, fri], start: "09:00", end: "17:00"}
stages:
  - {id: first, points: [0, 100]}
content:
  - id: intro
    stage: first
    title: Intro
    points: 5
    link: https://example.com/intro
    email: {subject: "Intro", body: "<p><a href='{{ link }}'>Read</a></p>"}
sequences:
  first:
    steps:
      - wait_for: {event: form_submitted, form: go, timeout: 400d, on_timeout: end}
      - send: intro
rules:
  - id: reply
    when: {event: email_replied}
    do: [{handoff: {title: Answer}}]
"""


async def move_clock_to(api: Api, prospect_id: str, moment: datetime) -> None:
    await api.forward(prospect_id, moment - await api.virtual_now(prospect_id))


@pytest.mark.parametrize(
    ("zone", "saturday", "monday_opening"),
    [
        # Europe moves its clocks on Sunday 28 March 2027: Monday 09:00 is 07:00 UTC, not 08:00.
        (
            "Europe/Warsaw",
            datetime(2027, 3, 27, 10, tzinfo=UTC),
            datetime(2027, 3, 29, 7, tzinfo=UTC),
        ),
        # The United States moves on Sunday 14 March 2027: Monday 09:00 is 13:00 UTC, not 14:00.
        (
            "America/New_York",
            datetime(2027, 3, 13, 16, tzinfo=UTC),
            datetime(2027, 3, 15, 13, tzinfo=UTC),
        ),
        # No zone of their own: the journey's default, Tokyo (no daylight saving).
        (None, datetime(2027, 3, 27, 3, tzinfo=UTC), datetime(2027, 3, 29, 0, tzinfo=UTC)),
    ],
)
async def test_a_weekend_send_goes_out_at_monday_nine_local_time_across_a_dst_change(
    api: Api, zone: str | None, saturday: datetime, monday_opening: datetime
) -> None:
    await api.publish(WINDOWED)
    fields = {"timezone": zone} if zone else {}
    assert (await api.enroll("kim", first_name="Kim", **fields)).status_code == 201
    await move_clock_to(api, "kim", saturday)

    await api.post_event("go", "kim", "form_submitted", at=saturday, form_id="go")
    await eventually(lambda: decided(api, "kim", "sequence_step", "waits for the send window"))
    await api.forward("kim", monday_opening - saturday - timedelta(minutes=1))
    assert api.mail_to("kim@example.com") == []

    await api.forward("kim", timedelta(minutes=2))
    [mail] = await eventually(lambda: at_least(1, api.mail_to("kim@example.com")))
    [send] = await eventually(lambda: api.decisions("kim", "send"))
    assert abs(send.at - monday_opening) < timedelta(seconds=5)
    assert mail.message["Subject"] == "Intro"


async def decided(api: Api, prospect_id: str, kind: str, text: str) -> list[DecisionRecord]:
    return [row for row in await api.decisions(prospect_id, kind) if text in row.reason]


CONTROLLED = """
journey: {journey_id}
name: Controls
sender: {from: "Anna <anna@acme.example>"}
scoring: {decay: {after: 30d, by: half}}
goals:
  - {id: signed, when: {event: form_submitted, form: contract}}
stages:
  - {id: first, points: [0, 100]}
content:
  - id: promo-a
    stage: first
    title: Promo A
    points: 10
    link: https://example.com/a
    email: {subject: "Promo A", body: "<p><a href='{{ link }}'>A</a></p>"}
  - id: promo-b
    stage: first
    title: Promo B
    points: 10
    link: https://example.com/b
    email: {subject: "Promo B", body: "<p><a href='{{ link }}'>B</a></p>"}
sequences:
  first:
    steps:
      - split:
          id: first-mail
          branches:
            - {variant: a, percent: 50, do: [{send: promo-a}]}
            - {variant: b, percent: 50, do: [{send: promo-b}]}
      - wait: 60d
      - send: promo-a
rules:
  - id: reply
    when: {event: email_replied}
    do: [{handoff: {title: Answer}}]
"""

SPLIT = SplitSpec.model_validate(
    {
        "id": "first-mail",
        "branches": [{"variant": "a", "percent": 50}, {"variant": "b", "percent": 50}],
    }
)


async def test_a_goal_reached_in_the_middle_of_a_wait_ends_the_journey_at_once(api: Api) -> None:
    await api.publish(CONTROLLED)
    assert (await api.enroll("gus")).status_code == 201
    await eventually(lambda: at_least(1, api.mail_to("gus@example.com")))
    await api.forward("gus", 5 * DAY)

    await api.post_event("signed", "gus", "form_submitted", form_id="contract")
    await eventually(lambda: api.state_if("gus", lambda state: state["status"] == "completed"))
    [goal] = await eventually(lambda: api.decisions("gus", "goal"))
    assert "goal 'signed' reached: form_submitted (contract) happened" in goal.reason
    final = await asyncio.wait_for(api.workflow("gus").result(), timeout=10)
    assert final["status"] == "completed"
    assert len(api.mail_to("gus@example.com")) == 1  # the 60-day follow-up never comes


async def test_each_prospect_gets_the_variant_its_hash_picks_and_it_is_recorded(api: Api) -> None:
    await api.publish(CONTROLLED)
    people = [f"ab-{n}" for n in range(12)]
    for person in people:
        assert (await api.enroll(person)).status_code == 201

    for person in people:
        expected = choose_branch(SPLIT, journey_id=api.journey_id, prospect_id=person).variant
        address = f"{person}@example.com"
        [mail] = await eventually(lambda: at_least(1, api.mail_to(address)))  # noqa: B023
        assert mail.message["Subject"] == f"Promo {expected.upper()}"
        state = await api.journey_state(person)
        assert state["variants"] == {"first-mail": expected}

    predicted = Counter(
        choose_branch(SPLIT, journey_id=api.journey_id, prospect_id=person).variant
        for person in people
    )

    async def counted() -> dict[str, int] | None:
        # Counted from the projections, which each journey writes just after its first send.
        response = await api.http.get("/reports/splits", params={"journey_id": api.journey_id})
        lines = response.json()["variants"]
        counts = {line["variant"]: line["prospects"] for line in lines}
        return counts if sum(counts.values()) == len(people) else None

    assert await eventually(counted) == dict(predicted)


async def test_points_halve_after_thirty_days_without_activity(api: Api) -> None:
    await api.publish(CONTROLLED)
    assert (await api.enroll("dee")).status_code == 201
    [mail] = await eventually(lambda: at_least(1, api.mail_to("dee@example.com")))
    content = "promo-a" if mail.message["Subject"] == "Promo A" else "promo-b"
    read_at = await api.virtual_now("dee")
    await api.post_event("read", "dee", "content_consumed", at=read_at, content_id=content)
    await eventually(lambda: api.state_if("dee", lambda state: state["score"] == 10))

    await api.forward("dee", 29 * DAY)
    assert (await api.journey_state("dee"))["score"] == 10
    await api.forward("dee", 2 * DAY)
    state = await eventually(lambda: api.state_if("dee", lambda state: state["score"] == 5))
    decay = (await api.decisions("dee", "points"))[-1]
    assert decay.reason == "-5 points (score 5): score halved after 30d without activity"
    assert abs(decay.at - (read_at + 30 * DAY)) < timedelta(seconds=5)
    assert state["status"] == "active"
