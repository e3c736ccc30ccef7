"""Invariants of the interpreter over arbitrary event histories (hypothesis)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.journey_helpers import PROSPECT, START, event, small_journey
from workflows import interpreter
from workflows.commands import Outcome, SendEmail
from workflows.events import ProspectEvent
from workflows.state import JourneyState

CONTENT_IDS = ["a1", "a2", "b1", "c1", "c2", "unknown"]

_event_data = st.one_of(
    st.tuples(
        st.just("content_consumed"), st.builds(dict, content_id=st.sampled_from(CONTENT_IDS))
    ),
    st.tuples(st.just("form_submitted"), st.builds(dict, form_id=st.sampled_from(["ebook", "x"]))),
    st.tuples(st.just("email_replied"), st.just({})),
    st.tuples(st.just("channel_contact"), st.builds(dict, channel=st.just("phone"))),
    st.tuples(
        st.just("out_of_office"),
        st.one_of(
            st.just({}),
            st.builds(dict, return_date=st.dates(START.date(), START.date() + timedelta(days=90))),
        ),
    ),
    st.tuples(st.just("unsubscribed"), st.just({})),
)

# An input is an event (ids drawn from a small pool, so duplicates happen) or time passing.
_inputs = st.lists(
    st.one_of(
        st.tuples(st.just("event"), st.integers(0, 8), _event_data),
        st.tuples(st.just("wait"), st.integers(1, 20 * 24 * 60)),
    ),
    max_size=25,
)


def _run(steps: list[Any]) -> list[tuple[JourneyState, Any, Outcome, Any, JourneyState]]:
    """Drive the interpreter; each record is (state before, input, outcome, now, state after)."""
    definition = small_journey()
    now = START
    state, _ = interpreter.enroll(definition, PROSPECT, now)
    events: dict[int, ProspectEvent] = {}
    records: list[tuple[JourneyState, ProspectEvent | None, Outcome, datetime, JourneyState]] = []
    for step in steps:
        if step[0] == "wait":
            now += timedelta(minutes=step[1])
            new_state, outcome = interpreter.advance(definition, state, now)
            records.append((state, None, outcome, now, new_state))
        else:
            _, number, (kind, data) = step
            # The same id always carries the same event, as a retried webhook would.
            chosen = events.setdefault(number, event(f"e{number}", kind, **data))
            new_state, outcome = interpreter.apply_event(definition, state, chosen, now)
            records.append((state, chosen, outcome, now, new_state))
        state = new_state
    return records


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_inputs)
def test_paused_or_unsubscribed_prospects_are_never_sent_anything(steps: list[Any]) -> None:
    for before, _, outcome, now, _ in _run(steps):
        sends = [c for c in outcome.commands if isinstance(c, SendEmail)]
        if before.is_terminal or before.undeliverable:
            assert outcome.commands == []
        paused_through_turn = before.paused_until is not None and before.paused_until > now
        if paused_through_turn:
            assert sends == [], f"sent {sends} while paused until {before.paused_until}"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_inputs, st.integers(0, 8), _event_data)
def test_applying_the_same_event_twice_equals_applying_it_once(
    steps: list[Any], number: int, kind_and_data: Any
) -> None:
    records = _run(steps)
    definition = small_journey()
    state = records[-1][4] if records else interpreter.enroll(definition, PROSPECT, START)[0]
    now = records[-1][3] if records else START
    duplicate = event(f"fresh-{number}", kind_and_data[0], **kind_and_data[1])
    once, _ = interpreter.apply_event(definition, state, duplicate, now)
    twice, second = interpreter.apply_event(definition, once, duplicate, now + timedelta(hours=1))
    assert twice == once
    assert second.commands == [] and second.decisions == []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_inputs)
def test_score_never_decreases_without_a_rule_that_says_so(steps: list[Any]) -> None:
    # The small journey has no negative add_points, so its score may only grow.
    for before, _, _, _, after in _run(steps):
        assert after.score >= before.score


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_inputs)
def test_states_survive_a_json_round_trip(steps: list[Any]) -> None:
    # Workflow inputs and continue-as-new carry the state as JSON; nothing may be lost.
    for before, _, _, _, _ in _run(steps):
        assert JourneyState.model_validate_json(before.model_dump_json()) == before
