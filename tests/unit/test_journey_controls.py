"""Send windows, goals, splits, score decay and policy holds in the pure interpreter."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from definitions.model import JourneyDefinition
from tests.unit.journey_helpers import PROSPECT, event, sent_content, small_journey
from workflows import interpreter
from workflows.commands import CreateTask, SendEmail
from workflows.contract import SendResult
from workflows.splits import bucket
from workflows.state import JourneyState, Prospect
from workflows.timing import next_action

DAY = timedelta(days=1)
WORKING_HOURS = {
    "window": {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:00"}
}


def journey(**changes: Any) -> JourneyDefinition:
    raw = small_journey().model_dump(by_alias=True, exclude_none=True)
    return JourneyDefinition.model_validate({**raw, **changes})


def kinds(outcome: Any) -> list[str]:
    return [decision.kind for decision in outcome.decisions]


# Send windows ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("saturday", "monday_open"),
    [
        # Winter time: 09:00 in Warsaw is 08:00 UTC.
        (datetime(2026, 3, 21, 10, 0, tzinfo=UTC), datetime(2026, 3, 23, 8, 0, tzinfo=UTC)),
        # Clocks go forward on Sunday 29 March: Monday 09:00 is 07:00 UTC.
        (datetime(2026, 3, 28, 10, 0, tzinfo=UTC), datetime(2026, 3, 30, 7, 0, tzinfo=UTC)),
    ],
)
def test_a_sequence_send_due_at_the_weekend_waits_for_monday_morning_local_time(
    saturday: datetime, monday_open: datetime
) -> None:
    definition = journey(sending=WORKING_HOURS)
    state, outcome = interpreter.enroll(definition, PROSPECT, saturday)

    assert sent_content(outcome) == []
    upcoming = next_action(definition, state)
    assert upcoming is not None and upcoming.at == monday_open
    state, outcome = interpreter.advance(definition, state, monday_open)
    assert sent_content(outcome) == ["a1"]


def test_a_prospect_without_a_time_zone_uses_the_journeys_default() -> None:
    definition = journey(sending=WORKING_HOURS, defaults={"timezone": "America/New_York"})
    anonymous = Prospect(id="p-2", email="bo@example.com")
    # 13:00 UTC on a Monday is 09:00 in New York only in summer; in March (EDT) it is 09:00.
    state, outcome = interpreter.enroll(
        definition, anonymous, datetime(2026, 3, 16, 12, 0, tzinfo=UTC)
    )
    assert sent_content(outcome) == []
    upcoming = next_action(definition, state)
    assert upcoming is not None and upcoming.at == datetime(2026, 3, 16, 13, 0, tzinfo=UTC)


def test_holidays_are_skipped_and_the_send_goes_out_on_the_next_working_day() -> None:
    window = {**WORKING_HOURS["window"], "holidays": ["2026-12-24", "2026-12-25"]}
    definition = journey(sending={"window": window})
    # Thursday 24 December, 10:00 in Warsaw.
    state, _ = interpreter.enroll(definition, PROSPECT, datetime(2026, 12, 24, 9, 0, tzinfo=UTC))

    upcoming = next_action(definition, state)
    assert upcoming is not None and upcoming.at == datetime(2026, 12, 28, 8, 0, tzinfo=UTC)


def test_a_rule_send_outside_the_window_is_held_and_sent_when_it_opens() -> None:
    thanks = {
        "id": "thanks",
        "when": {"event": "form_submitted", "form": "webinar"},
        "do": [{"send": "c2"}],
    }
    definition = journey(
        sending=WORKING_HOURS, rules=[*small_journey().model_dump()["rules"], thanks]
    )
    monday = datetime(2026, 9, 7, 8, 0, tzinfo=UTC)  # 10:00 Warsaw
    state, _ = interpreter.enroll(definition, PROSPECT, monday)
    evening = monday.replace(hour=18)  # 20:00 Warsaw

    state, outcome = interpreter.apply_event(
        definition, state, event("f1", "form_submitted", form_id="webinar"), evening
    )
    assert sent_content(outcome) == []
    assert "send_deferred" in kinds(outcome)
    [held] = state.held_sends
    assert held.until == datetime(2026, 9, 8, 7, 0, tzinfo=UTC)  # Tuesday 09:00 Warsaw
    upcoming = next_action(definition, state)
    assert upcoming is not None and upcoming.at <= held.until
    state, outcome = interpreter.advance(definition, state, held.until)
    assert "c2" in sent_content(outcome)
    assert state.held_sends == []


# Policy holds ------------------------------------------------------------------------------


def first_send() -> tuple[JourneyDefinition, JourneyState, SendEmail]:
    definition = small_journey()
    state, outcome = interpreter.enroll(definition, PROSPECT, datetime(2026, 9, 7, 8, tzinfo=UTC))
    [command] = [c for c in outcome.commands if isinstance(c, SendEmail)]
    return definition, state, command


def test_a_send_the_policy_defers_is_not_counted_as_sent_and_is_decided_again_later() -> None:
    definition, state, command = first_send()
    command_time = datetime(2026, 9, 7, 8, tzinfo=UTC)
    later = command_time + DAY
    result = SendResult(status="deferred", until=later, reason="frequency cap: 2 e-mails")

    state, outcome = interpreter.apply_send_result(
        definition, state, command=command, result=result, now=command_time
    )
    assert [message.key for message in state.sent] == []
    assert kinds(outcome) == ["send_deferred"]
    assert "frequency cap" in outcome.decisions[0].reason
    state, outcome = interpreter.advance(definition, state, later)
    assert sent_content(outcome) == ["a1"]


def test_a_send_the_policy_drops_is_recorded_and_never_retried() -> None:
    definition, state, command = first_send()
    at = datetime(2026, 9, 7, 8, tzinfo=UTC)
    result = SendResult(status="dropped", reason="frequency cap")

    state, outcome = interpreter.apply_send_result(
        definition, state, command=command, result=result, now=at
    )
    assert kinds(outcome) == ["send_skipped"]
    assert "dropped" in outcome.decisions[0].reason
    assert state.sent == [] and state.held_sends == []


# Goals ---------------------------------------------------------------------------------------


def enrolled_then_submitted(
    definition: JourneyDefinition, *, form_id: str
) -> tuple[JourneyState, Any]:
    """Enrolled on a Monday, a form the next day (mid-wait in the first sequence)."""
    state, _ = interpreter.enroll(definition, PROSPECT, datetime(2026, 9, 7, 8, tzinfo=UTC))
    assert state.cursor is not None and state.cursor.waiting_until is not None
    return interpreter.apply_event(
        definition,
        state,
        event("f1", "form_submitted", form_id=form_id),
        datetime(2026, 9, 8, 8, tzinfo=UTC),
    )


def test_an_event_goal_ends_the_journey_in_the_middle_of_a_wait() -> None:
    definition = journey(
        goals=[{"id": "signed", "when": {"event": "form_submitted", "form": "contract"}}]
    )
    state, outcome = enrolled_then_submitted(definition, form_id="contract")
    assert state.status == "completed"
    assert kinds(outcome)[-2:] == ["goal", "completed"]
    assert next_action(definition, state) is None


def test_a_score_goal_jumps_to_its_stage_before_any_rule_acts_at_that_instant() -> None:
    goal = {"id": "hot", "when": {"score_at_least": 1000}, "then": {"move_to": "c"}}
    state, outcome = enrolled_then_submitted(journey(goals=[goal]), form_id="ebook")
    assert state.stage == "c"
    assert state.goals_met == ["hot"]
    # The goal moved first; the `lead` rule still hands off afterwards (its guard allows it).
    assert kinds(outcome).index("goal") < kinds(outcome).index("task")
    assert any(isinstance(c, CreateTask) for c in outcome.commands)


def test_a_completing_goal_pre_empts_the_rules_of_the_same_instant() -> None:
    definition = journey(goals=[{"id": "enough", "when": {"score_at_least": 1000}}])
    state, outcome = enrolled_then_submitted(definition, form_id="ebook")
    assert state.status == "completed"
    assert not any(isinstance(c, CreateTask) for c in outcome.commands)


# Splits --------------------------------------------------------------------------------------


def split_journey(percent_a: int = 50) -> JourneyDefinition:
    split = {
        "id": "first-mail",
        "branches": [
            {"variant": "a", "percent": percent_a, "do": [{"send": "a1"}]},
            {"variant": "b", "percent": 100 - percent_a, "do": [{"send": "a2"}]},
        ],
    }
    raw = small_journey().model_dump(by_alias=True, exclude_none=True)
    raw["sequences"]["a"]["steps"][0] = {"split": split}
    return JourneyDefinition.model_validate(raw)


def test_a_split_step_sends_the_variants_content_and_records_the_variant() -> None:
    definition = split_journey()
    state, outcome = interpreter.enroll(definition, PROSPECT, datetime(2026, 9, 7, 8, tzinfo=UTC))

    variant = state.variants["first-mail"]
    assert sent_content(outcome) == (["a1"] if variant == "a" else ["a2"])
    assert f"variant {variant!r}" in next(d.reason for d in outcome.decisions if d.kind == "split")
    again, _ = interpreter.enroll(definition, PROSPECT, datetime(2027, 1, 1, tzinfo=UTC))
    assert again.variants == state.variants


@pytest.mark.parametrize("percent_a", [50, 20])
def test_split_proportions_follow_the_percentages(percent_a: int) -> None:
    definition = split_journey(percent_a)
    at = datetime(2026, 9, 7, 8, tzinfo=UTC)
    counts = Counter(
        interpreter.enroll(definition, Prospect(id=f"p-{n}", email=f"p{n}@e.test"), at)[0].variants[
            "first-mail"
        ]
        for n in range(2000)
    )
    assert abs(counts["a"] / 2000 - percent_a / 100) < 0.03


def test_buckets_are_stable_and_differ_between_splits() -> None:
    first = bucket(journey_id="j", split_id="s1", prospect_id="p-1")
    assert first == bucket(journey_id="j", split_id="s1", prospect_id="p-1")
    spread = {bucket(journey_id="j", split_id=f"s{n}", prospect_id="p-1") for n in range(20)}
    assert len(spread) > 10


# Score decay ---------------------------------------------------------------------------------


def decaying(by: str) -> JourneyDefinition:
    return journey(scoring={"decay": {"after": "30d", "by": by}})


def test_points_halve_after_each_period_without_activity_and_activity_restarts_the_clock() -> None:
    definition = decaying("half")
    start = datetime(2026, 9, 7, 8, tzinfo=UTC)
    state, _ = interpreter.enroll(definition, PROSPECT, start)
    state, _ = interpreter.apply_event(
        definition, state, event("r1", "content_consumed", content_id="a1"), start
    )
    assert state.score == 5
    state, outcome = interpreter.advance(definition, state, start + 30 * DAY)
    [decay] = [d for d in outcome.decisions if d.kind == "points"]
    assert (state.score, decay.score) == (2, 2)
    assert "halved after 30d without activity" in decay.reason
    upcoming = next_action(definition, state)
    assert upcoming is not None and upcoming.at <= start + 60 * DAY
    state, _ = interpreter.advance(definition, state, start + 60 * DAY)
    assert state.score == 1
    # New activity: the next decay is a full period after it.
    state, _ = interpreter.apply_event(
        definition, state, event("r2", "content_consumed", content_id="a2"), start + 61 * DAY
    )
    assert state.score == 6
    state, _ = interpreter.advance(definition, state, start + 90 * DAY)
    assert state.score == 6
    state, _ = interpreter.advance(definition, state, start + 91 * DAY)
    assert state.score == 3


def test_expiring_points_drop_to_zero_once_and_schedule_nothing_more() -> None:
    definition = decaying("all")
    start = datetime(2026, 9, 7, 8, tzinfo=UTC)
    state, _ = interpreter.enroll(definition, PROSPECT, start)
    state, _ = interpreter.apply_event(
        definition, state, event("r1", "content_consumed", content_id="a1"), start
    )
    state, outcome = interpreter.advance(definition, state, start + 30 * DAY)
    assert state.score == 0
    assert any("expired" in d.reason for d in outcome.decisions)
    upcoming = next_action(definition, state)
    assert upcoming is None or upcoming.description != "score decay"


def test_a_sequence_email_held_by_the_policy_is_dropped_when_a_reply_stops_the_sequence() -> None:
    definition, state, command = first_send()
    at = datetime(2026, 9, 7, 8, tzinfo=UTC)
    result = SendResult(status="deferred", until=at + DAY, reason="quiet period")
    state, _ = interpreter.apply_send_result(
        definition, state, command=command, result=result, now=at
    )
    assert len(state.held_sends) == 1

    state, outcome = interpreter.apply_event(
        definition, state, event("re", "email_replied", text="Call me"), at + DAY / 2
    )
    assert state.held_sends == []
    assert "not sent the held 'a1': the sequence stopped" in [d.reason for d in outcome.decisions]
    state, outcome = interpreter.advance(definition, state, at + 2 * DAY)
    assert sent_content(outcome) == []
