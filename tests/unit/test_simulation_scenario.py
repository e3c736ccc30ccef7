"""Scenario files: moments, event data as the API checks it, and errors that name their place."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path

import pytest
from pydantic import ValidationError

from definitions.loader import load_file
from definitions.model import JourneyDefinition
from simulation.documents import ScenarioInvalid
from simulation.moments import Moment, ScenarioClock, zone_named
from simulation.scenario import ScenarioPlan, read_scenario
from workflows.events import OutOfOffice, SalesOutcome

DEMO = Path(__file__).resolve().parents[2] / "definitions" / "b2b_funnel.yaml"
WARSAW = zone_named("Europe/Warsaw")


@cache
def demo() -> JourneyDefinition:
    return load_file(DEMO)


def scenario(text: str) -> ScenarioPlan:
    return read_scenario(text, source="test.yaml", definition=demo())


def problems(text: str) -> list[str]:
    with pytest.raises(ScenarioInvalid) as caught:
        scenario(text)
    return [str(error) for error in caught.value.errors]


GOOD = """\
journey: b2b-funnel
start: 2026-03-02T09:00:00
prospects:
  - id: anna
    email: anna@example.com
    events:
      - {at: day 5, type: out_of_office, return_date: day 19}
      - {at: day 2 10:00, type: content_consumed, content_id: pricing-plans}
      - {at: 2026-03-04T10:00:00+00:00, type: email_replied, id: reply-1}
      - {at: day 5, type: sales_outcome, outcome: qualified, task: 1}
"""


def test_moments_are_days_from_the_start_in_local_time() -> None:
    plan = scenario(GOOD)
    [anna] = plan.prospects

    assert plan.clock.zone.key == "Europe/Warsaw"  # the journey's default zone
    assert anna.enrol_at == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    # In time order; the two events of day 5 keep their order in the file.
    assert [(event.at, event.type) for event in anna.events] == [
        (datetime(2026, 3, 4, 9, 0, tzinfo=UTC), "content_consumed"),
        (datetime(2026, 3, 4, 10, 0, tzinfo=UTC), "email_replied"),
        (datetime(2026, 3, 7, 8, 0, tzinfo=UTC), "out_of_office"),
        (datetime(2026, 3, 7, 8, 0, tzinfo=UTC), "sales_outcome"),
    ]
    assert plan.until == datetime(2026, 3, 17, 8, 0, tzinfo=UTC)  # 10 days after the last


def test_events_are_built_as_the_api_takes_them_with_dates_and_ids_filled() -> None:
    [anna] = scenario(GOOD).prospects
    by_type = {event.type: event for event in anna.events}

    away = by_type["out_of_office"].event(prospect_id="anna")
    outcome = by_type["sales_outcome"].event(prospect_id="anna", task_id="t-42")

    assert isinstance(away, OutOfOffice)
    assert away.data.return_date == date(2026, 3, 21)
    assert (away.id, away.occurred_at) == ("anna-1", datetime(2026, 3, 7, 8, 0, tzinfo=UTC))
    assert isinstance(outcome, SalesOutcome)
    assert (outcome.id, outcome.data.task_id, outcome.data.outcome) == (
        "anna-4",
        "t-42",
        "qualified",
    )
    assert by_type["email_replied"].event_id == "reply-1"


def test_day_n_keeps_the_local_time_across_a_daylight_saving_change() -> None:
    clock = ScenarioClock.starting(datetime(2026, 3, 27, 9, 0), WARSAW)

    before, after = (
        clock.instant(Moment.model_validate("day 0")),
        clock.instant(Moment.model_validate("day 3")),
    )

    assert (before.hour, after.hour) == (8, 7)  # 09:00 CET, then 09:00 CEST
    assert clock.label(after) == "day 3 09:00"
    assert clock.label(after + timedelta(hours=15)) == "day 4 00:00"


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("day 2 25:00", "not a time of day"),
        ("tomorrow", "is not a moment"),
        ("day -1", "is not a moment"),
    ],
)
def test_a_moment_that_cannot_be_read_says_why(written: str, reason: str) -> None:
    with pytest.raises(ValidationError, match=reason):
        Moment.model_validate(written)


def test_a_date_without_a_time_is_not_a_moment() -> None:
    with pytest.raises(ValidationError, match="has no time of day"):
        Moment.model_validate(date(2026, 3, 2))


def test_every_problem_is_reported_with_its_path_and_line() -> None:
    found = problems(
        """\
journey: customer-journey
timezone: Mars/Olympus
prospects:
  - id: anna
    email: anna@example.com
    phone: "+48 600"
    events:
      - {at: someday, type: content_consumed, content_id: pricing-plans}
      - {at: day 1, type: page_viewed}
"""
    )

    assert sorted(found) == [
        "test.yaml:2: timezone: unknown time zone 'Mars/Olympus' (use an IANA name such as "
        "'Europe/Warsaw')",
        "test.yaml:6: prospects[0].phone: is not a known key here (a typo?)",
        "test.yaml:8: prospects[0].events[0].at: 'someday' is not a moment: write 'day N', "
        "'day N HH:MM' or an ISO date and time such as 2026-03-02T09:00",
        "test.yaml:9: prospects[0].events[1].type: unknown event type 'page_viewed'; expected "
        "one of ['channel_contact', 'content_consumed', 'email_bounced', 'email_replied', "
        "'form_submitted', 'out_of_office', 'sales_outcome', 'task_reassigned', 'unsubscribed']",
    ]


def test_event_data_is_checked_as_the_api_checks_it_and_against_the_journey() -> None:
    found = problems(
        """\
journey: customer-journey
until: day 3
prospects:
  - id: anna
    email: anna@example.com
    enrol: day 1
    events:
      - {at: day 2, type: content_consumed}
      - {at: day 0, type: email_replied}
      - {at: day 2, type: form_submitted, form_id: demo, task: 1}
      - {at: day 2, type: sales_outcome, outcome: maybe}
      - {at: day 4, type: unsubscribed}
"""
    )

    assert found[0] == (
        "test.yaml:1: journey: this scenario is for journey 'customer-journey', not 'b2b-funnel'"
    )
    assert found[1] == "test.yaml:8: prospects[0].events[0].content_id: is required"
    assert found[2] == (
        "test.yaml:9: prospects[0].events[1].at: day 0 is before the prospect is enrolled "
        "(day 1 09:00)"
    )
    assert (
        found[3]
        == "test.yaml:10: prospects[0].events[2].task: a form_submitted event names no task"
    )
    assert found[4].startswith("test.yaml:11: prospects[0].events[3].outcome: Input should be")
    assert found[5] == (
        "test.yaml:2: until: day 3 ends the scenario before something it scripts "
        "(prospects[0] at day 4 09:00)"
    )
    assert len(found) == 6


def test_prospect_ids_must_be_unique() -> None:
    found = problems(
        "prospects:\n  - {id: a, email: a@example.com}\n  - {id: a, email: b@example.com}\n"
    )

    assert found == ["test.yaml:1: prospects: prospect ids must be unique; repeated: a"]
