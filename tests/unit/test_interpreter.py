"""The pure interpreter, scenario by scenario, on a virtual calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from tests.unit.journey_helpers import PROSPECT, START, event, sent_content, small_journey
from workflows import interpreter
from workflows.commands import CreateTask, SendEmail
from workflows.state import MAX_SCORE, JourneyState
from workflows.timing import next_action

DAY = timedelta(days=1)


def enrolled() -> JourneyState:
    state, _ = interpreter.enroll(small_journey(), PROSPECT, START)
    return state


def test_enrolment_sends_the_first_stage_content_at_once_with_its_reason() -> None:
    state, outcome = interpreter.enroll(small_journey(), PROSPECT, START)
    assert sent_content(outcome) == ["a1"]
    assert state.stage == "a" and state.status == "active"
    send = next(d for d in outcome.decisions if d.kind == "send")
    assert "a step 1 of the a sequence" in send.reason
    assert [d.seq for d in outcome.decisions] == list(range(1, len(outcome.decisions) + 1))


def test_follow_up_is_sent_when_the_awaited_content_is_not_read() -> None:
    state, outcome = interpreter.advance(small_journey(), enrolled(), START + 3 * DAY)
    assert sent_content(outcome) == ["a2"]
    assert state.cursor is not None and state.cursor.due_at == START + 7 * DAY


def test_follow_up_is_skipped_when_the_awaited_content_is_read() -> None:
    state, outcome = interpreter.apply_event(
        small_journey(), enrolled(), event("e1", "content_consumed", content_id="a1"), START + DAY
    )
    # on_event: end → the sequence hands over to rule to-b, which moves on to stage b.
    assert sent_content(outcome) == ["b1"]
    assert state.score == 5
    assert state.stage == "b"
    later, outcome = interpreter.advance(small_journey(), state, START + 5 * DAY)
    assert "a2" not in [m.content_id for m in later.sent]


def test_reaching_a_score_moves_forward_and_starts_that_stage_sequence() -> None:
    state, _ = interpreter.apply_event(
        small_journey(), enrolled(), event("e1", "content_consumed", content_id="a1"), START
    )
    state, _outcome = interpreter.apply_event(
        small_journey(), state, event("e2", "content_consumed", content_id="a2"), START + DAY
    )
    assert state.stage == "b"
    assert state.score == 10
    assert "b1" in [m.content_id for m in state.sent]


def test_consuming_later_stage_content_skips_ahead() -> None:
    state, outcome = interpreter.apply_event(
        small_journey(), enrolled(), event("e1", "content_consumed", content_id="c1"), START
    )
    assert state.stage == "c"
    move = next(d for d in outcome.decisions if d.kind == "stage_moved")
    assert "skipping 1 stage" in move.reason and move.rule_id == "skip-to-c"


def test_inactivity_returns_the_prospect_to_a_non_adjacent_earlier_stage() -> None:
    state, _ = interpreter.apply_event(
        small_journey(), enrolled(), event("e1", "content_consumed", content_id="c1"), START
    )
    assert state.stage == "c"
    action = next_action(small_journey(), state)
    assert action is not None and action.at <= START + 60 * DAY
    state, outcome = interpreter.advance(small_journey(), state, START + 60 * DAY)
    moves = [d for d in outcome.decisions if d.kind == "stage_moved"]
    assert "from c to a (back 2 stage(s))" in moves[0].reason and moves[0].rule_id == "dormant"
    assert state.temperature == "cold"
    # Back in a with 500 points, the score rule that had never fired moves them on to b.
    assert [m.rule_id for m in moves] == ["dormant", "to-b"] and state.stage == "b"
    # It fires once per quiet spell, not again on the next wake-up.
    state, outcome = interpreter.advance(small_journey(), state, START + 61 * DAY)
    assert not any(d.kind == "stage_moved" for d in outcome.decisions)


def test_out_of_office_pauses_until_the_return_date_at_the_local_resume_hour() -> None:
    state, outcome = interpreter.apply_event(
        small_journey(),
        enrolled(),
        event("ooo", "out_of_office", return_date="2026-09-20"),
        START + DAY,
    )
    # 09:00 in Warsaw (UTC+2 in September) is 07:00 UTC.
    resume = datetime(2026, 9, 20, 7, 0, tzinfo=UTC)
    assert state.status == "paused" and state.paused_until == resume
    quiet, outcome = interpreter.advance(small_journey(), state, resume - timedelta(minutes=1))
    assert outcome.commands == []
    back, outcome = interpreter.advance(small_journey(), quiet, resume)
    assert back.status == "active"
    # The wait_for timed out during the vacation; the follow-up goes out on the return day.
    assert sent_content(outcome) == ["a2"]


def test_out_of_office_without_a_date_pauses_for_the_definition_default() -> None:
    state, _ = interpreter.apply_event(
        small_journey(), enrolled(), event("ooo", "out_of_office"), START
    )
    assert state.paused_until == START + 5 * DAY


def test_out_of_office_with_a_past_return_date_does_not_pause() -> None:
    state, _outcome = interpreter.apply_event(
        small_journey(), enrolled(), event("ooo", "out_of_office", return_date="2026-08-01"), START
    )
    assert state.status == "active" and state.paused_until is None


def test_a_reply_during_a_vacation_still_stops_the_sequence_and_hands_off() -> None:
    paused, _ = interpreter.apply_event(
        small_journey(),
        enrolled(),
        event("ooo", "out_of_office", return_date=date(2026, 9, 20)),
        START,
    )
    state, outcome = interpreter.apply_event(
        small_journey(), paused, event("r1", "email_replied", text="Call me"), START + DAY
    )
    assert state.cursor is None
    assert state.status == "handed_off"
    tasks = [c for c in outcome.commands if isinstance(c, CreateTask)]
    assert [t.title for t in tasks] == ["They replied"]
    assert tasks[0].due_at == START + 2 * DAY
    # After the pause ends nothing resumes sending: sales owns the prospect now.
    state, outcome = interpreter.advance(small_journey(), state, START + 30 * DAY)
    assert sent_content(outcome) == []


def test_channel_contact_stops_the_sequence_without_a_rule() -> None:
    state, _ = interpreter.apply_event(
        small_journey(), enrolled(), event("c1", "channel_contact", channel="phone"), START
    )
    assert state.cursor is None and state.status == "active"
    state, outcome = interpreter.advance(small_journey(), state, START + 10 * DAY)
    assert sent_content(outcome) == []


def test_unsubscribe_ends_the_journey_and_nothing_follows() -> None:
    state, _ = interpreter.apply_event(
        small_journey(), enrolled(), event("u", "unsubscribed"), START
    )
    assert state.status == "unsubscribed" and state.is_terminal
    after, outcome = interpreter.apply_event(
        small_journey(), state, event("f", "form_submitted", form_id="ebook"), START + DAY
    )
    assert after == state and outcome.commands == []
    assert next_action(small_journey(), state) is None


def test_form_bonus_crosses_the_threshold_and_hands_off_once() -> None:
    state, outcome = interpreter.apply_event(
        small_journey(), enrolled(), event("f1", "form_submitted", form_id="ebook"), START
    )
    assert state.score == 1000 and state.lifecycle == "mql" and state.temperature == "hot"
    assert state.status == "handed_off"
    handoffs = [c for c in outcome.commands if isinstance(c, CreateTask)]
    assert len(handoffs) == 1 and handoffs[0].queue == "sales"
    state, outcome = interpreter.apply_event(
        small_journey(), state, event("f2", "form_submitted", form_id="ebook"), START + DAY
    )
    assert state.score == 2000
    assert not any(isinstance(c, CreateTask) for c in outcome.commands)


def test_timed_action_sends_two_days_after_the_trigger() -> None:
    state, _ = interpreter.apply_event(
        small_journey(), enrolled(), event("e1", "content_consumed", content_id="c1"), START
    )
    # Moving to c does not send c1 (c has no sequence); send it by rule to test `after`.
    turn_state = state.model_copy(update={"stage": "b"})
    from workflows.actions import send_content
    from workflows.turn import Turn

    turn = Turn.begin(small_journey(), turn_state, START)
    send_content(turn, "c1", "test")
    state = turn.state
    assert [s.rule_id for s in state.scheduled] == ["faq-after-c1"]
    _, outcome = interpreter.advance(small_journey(), state, START + 2 * DAY - timedelta(seconds=1))
    assert sent_content(outcome) == []
    _, outcome = interpreter.advance(small_journey(), state, START + 2 * DAY)
    assert sent_content(outcome) == ["c2"]


def test_unknown_content_is_recorded_not_scored() -> None:
    state, outcome = interpreter.apply_event(
        small_journey(), enrolled(), event("e", "content_consumed", content_id="nope"), START
    )
    assert state.score == 0
    assert any("not in this journey's catalogue" in d.reason for d in outcome.decisions)


def test_rejected_address_stops_all_sending() -> None:
    state, outcome = interpreter.record_send_failure(
        small_journey(),
        enrolled(),
        content_id="a1",
        reason="AddressRejected: 550 no such user",
        address_rejected=True,
        now=START,
    )
    assert state.undeliverable and state.cursor is None
    state, outcome = interpreter.apply_event(
        small_journey(), state, event("e", "content_consumed", content_id="c1"), START + DAY
    )
    assert state.stage == "c"
    assert sent_content(outcome) == []


def test_command_keys_are_unique_and_stable() -> None:
    first, outcome_a = interpreter.enroll(small_journey(), PROSPECT, START)
    _second, outcome_b = interpreter.enroll(small_journey(), PROSPECT, START)
    assert outcome_a.commands == outcome_b.commands
    _state, outcome = interpreter.advance(small_journey(), first, START + 3 * DAY)
    keys = [c.key for c in outcome_a.commands + outcome.commands if isinstance(c, SendEmail)]
    assert len(keys) == len(set(keys)) == 2


def test_a_sequence_does_not_send_what_the_prospect_already_read() -> None:
    state, _ = interpreter.apply_event(
        small_journey(), enrolled(), event("e1", "content_consumed", content_id="a2"), START
    )
    state, outcome = interpreter.advance(small_journey(), state, START + 3 * DAY)
    assert sent_content(outcome) == []
    assert any("not sending 'a2', already read" in d.reason for d in outcome.decisions)


def test_a_rule_send_during_a_pause_goes_out_when_the_pause_ends() -> None:
    state, _ = interpreter.apply_event(
        small_journey(), enrolled(), event("c1", "content_consumed", content_id="c1"), START
    )
    turn_state = state.model_copy(update={"paused_until": START + 5 * DAY, "status": "paused"})
    from workflows.actions import send_content
    from workflows.turn import Turn

    turn = Turn.begin(small_journey(), turn_state, START + DAY)
    send_content(turn, "c2", "test rule")
    assert turn.commands == [] and [d.content_id for d in turn.state.deferred_sends] == ["c2"]
    state, outcome = interpreter.advance(small_journey(), turn.state, START + 5 * DAY)
    assert sent_content(outcome) == ["c2"] and state.deferred_sends == []


def test_status_guard_leaves_handed_off_prospects_alone() -> None:
    from definitions.model import Guard
    from workflows.matching import guard_holds

    handed_off = enrolled().model_copy(update={"status": "handed_off"})
    assert not guard_holds(Guard(status_in=["active", "paused"]), handed_off)
    assert guard_holds(Guard(status_in=["handed_off"]), handed_off)


def test_a_score_stops_at_what_the_database_can_hold() -> None:
    near_the_top = enrolled().model_copy(update={"score": MAX_SCORE - 3})

    state, outcome = interpreter.apply_event(
        small_journey(), near_the_top, event("e1", "content_consumed", content_id="a1"), START
    )

    assert state.score == MAX_SCORE
    assert f"(score {MAX_SCORE})" in next(d.reason for d in outcome.decisions if d.kind == "points")
