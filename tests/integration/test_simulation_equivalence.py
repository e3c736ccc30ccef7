"""A simulated scenario and the same scenario on the real stack take the same path.

The simulation (`POST /journeys/{id}/simulate`) plays the scenario on its own virtual clock. The
real run enrols the prospect through the API on the Temporal dev server, moves the workflow's
virtual clock to each scripted moment and posts the event stamped with it, then runs on past the
end. The decisions the workflow recorded must be the simulated ones, in order, with the same
rules, scores and stages, each within a few seconds of its simulated moment (timers fire within
about a second of their virtual time; events are applied a moment after they are posted).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from nurture.tables import DecisionRecord
from tests.integration.api_driver import Api, eventually

JOURNEY = """
journey: {journey_id}
name: Equivalence journey
sender: {from: "Test Sender <sender@example.com>"}
defaults: {timezone: Europe/Warsaw, out_of_office_pause: 1w, resume_hour: 9}
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
      body: '<p><a href="{{ link }}">Read</a> <a href="{{ unsubscribe_link }}">Unsubscribe</a></p>'
  - id: tips
    stage: first
    title: Tips
    points: 5
    link: https://example.com/tips
    email:
      subject: Tips
      body: '<p><a href="{{ link }}">Read</a> <a href="{{ unsubscribe_link }}">Unsubscribe</a></p>'
  - id: deep-dive
    stage: second
    title: Deep dive
    points: 50
    link: https://example.com/deep-dive
    email:
      subject: Deep dive
      body: '<p><a href="{{ link }}">Read</a> <a href="{{ unsubscribe_link }}">Unsubscribe</a></p>'
  - id: case-study
    stage: second
    title: Case study
    points: 40
    link: https://example.com/case-study
    email:
      subject: Case study
      body: '<p><a href="{{ link }}">Read</a> <a href="{{ unsubscribe_link }}">Unsubscribe</a></p>'
sequences:
  first:
    steps: [{send: intro}, {wait: 2d}, {send: tips}, {wait: 5d}]
  second:
    steps: [{send: deep-dive}, {wait: 3d}, {send: case-study}]
sales:
  queues:
    - id: sales
      members: [ann@sales.example, bob@sales.example]
      manager: boss@sales.example
      escalation: [{after: 0h, do: remind}]
rules:
  - id: to-second
    when: {score_at_least: 10}
    if: {stage_in: [first]}
    once: false
    do: [{move_to: second}, {mark: {temperature: warm}}]
  - id: reply
    when: {event: email_replied}
    do: [{handoff: {title: Answer the reply, queue: sales, sla: 1d}}]
"""

PROSPECT = {"first_name": "Ola", "timezone": "Europe/Warsaw"}
# (offset from enrolment, type, data): reads on days 1 and 3, away from day 4 until day 9,
# a reply on day 10 that sales does not answer in time.
SCRIPT: list[tuple[timedelta, str, dict[str, Any]]] = [
    (timedelta(days=1, hours=3), "content_consumed", {"content_id": "intro"}),
    (timedelta(days=3, hours=1), "content_consumed", {"content_id": "tips"}),
    (timedelta(days=4, hours=2), "out_of_office", {"return_date": "day 9"}),
    (timedelta(days=10, hours=4), "email_replied", {"text": "Call me, please."}),
]
RUN_FOR = timedelta(days=13)
TOLERANCE = timedelta(seconds=5)


async def recorded(api: Api, prospect_id: str) -> list[DecisionRecord]:
    async with api.db.session() as session:
        rows = await session.exec(
            select(DecisionRecord)
            .where(DecisionRecord.workflow_id == api.workflow(prospect_id).id)
            .order_by(col(DecisionRecord.seq))
        )
        return list(rows)


async def settled(api: Api, prospect_id: str, count: int) -> list[DecisionRecord]:
    """The recorded decisions once there are `count` (or what there is after a while)."""

    async def enough() -> list[DecisionRecord] | None:
        rows = await recorded(api, prospect_id)
        return rows if len(rows) >= count else None

    try:
        return await eventually(enough, within=15)
    except TimeoutError:
        return await recorded(api, prospect_id)


async def forward_to(api: Api, prospect_id: str, moment: datetime) -> None:
    await api.forward(prospect_id, moment - await api.virtual_now(prospect_id))


async def test_a_scenario_simulated_and_run_on_temporal_takes_the_same_path(api: Api) -> None:
    await api.publish(JOURNEY)
    response = await api.enroll("ola", **PROSPECT)
    assert response.status_code == 201, response.text
    [enrolled, *_] = await settled(api, "ola", 1)
    start = enrolled.at
    events = [
        {"at": (start + offset).isoformat(), "type": kind, **data} for offset, kind, data in SCRIPT
    ]
    scenario = {
        "start": start.isoformat(),
        "until": (start + RUN_FOR).isoformat(),
        "prospects": [{"id": "ola", "email": "ola@example.com", **PROSPECT, "events": events}],
    }
    simulated = await api.http.post(f"/journeys/{api.journey_id}/simulate", json=scenario)
    assert simulated.status_code == 200, simulated.text
    [path] = simulated.json()["prospects"]
    expected = [
        (entry["kind"], entry["rule_id"], entry["score"], entry["stage"]) for entry in path["path"]
    ]
    expected_at = [datetime.fromisoformat(entry["at"]) for entry in path["path"]]

    for number, (offset, kind, data) in enumerate(SCRIPT, start=1):
        moment = start + offset
        # Let every decision due before this moment be made first, as in the simulation.
        await forward_to(api, "ola", moment)
        await settled(api, "ola", sum(at < moment for at in expected_at))
        body = {
            "id": f"ola-{number}",
            "prospect_id": "ola",
            "type": kind,
            "occurred_at": moment.isoformat(),
            "data": {name: _as_api_value(value, start) for name, value in data.items()},
        }
        posted = await api.http.post("/events", json=body)
        assert posted.status_code == 202, posted.text
    await forward_to(api, "ola", start + RUN_FOR + timedelta(minutes=1))
    actual = await settled(api, "ola", len(expected))

    assert [(row.kind, row.rule_id, row.score, row.stage) for row in actual] == expected
    apart = [abs(row.at - at) for row, at in zip(actual, expected_at, strict=True)]
    assert max(apart) < TOLERANCE, apart
    state = await api.journey_state("ola")
    summary = ("stage", "score", "temperature", "lifecycle", "status")
    assert {key: state[key] for key in summary} == {key: path["final"][key] for key in summary}
    # The path is the one this journey is meant to take, not merely the same wrong one twice.
    kinds = [entry[0] for entry in expected]
    assert kinds.count("send") == 4
    assert {"stage_moved", "paused", "resumed", "task", "escalated"} <= set(kinds)


def _as_api_value(value: Any, start: datetime) -> Any:
    """'day N' is a scenario's way to write a date; the API takes the date itself."""
    if isinstance(value, str) and value.startswith("day "):
        day = int(value.removeprefix("day "))
        return (
            start.astimezone(ZoneInfo(PROSPECT["timezone"])).date() + timedelta(days=day)
        ).isoformat()
    return value
