"""The values operators search journeys by, read from the journey's state."""

from __future__ import annotations

from temporalio.common import SearchAttributeUpdate

from tests.unit.journey_helpers import PROSPECT, START, event, small_journey
from workflows import interpreter
from workflows.search_attributes import (
    JOURNEY_KEY,
    SEARCH_ATTRIBUTE_KEYS,
    STAGE_KEY,
    STATUS_KEY,
    search_attribute_updates,
)


def _values(updates: list[SearchAttributeUpdate[str]]) -> dict[str, str | None]:
    return {update.key.name: update.value for update in updates}


def test_a_new_journey_is_found_by_its_journey_first_stage_and_active_status() -> None:
    state, _ = interpreter.enroll(small_journey(), PROSPECT, START)
    assert _values(search_attribute_updates(state)) == {
        "NurtureJourney": "small",
        "NurtureStage": "a",
        "NurtureStatus": "active",
    }


def test_moving_and_pausing_change_the_stage_and_status_values() -> None:
    state, _ = interpreter.enroll(small_journey(), PROSPECT, START)
    moved, _ = interpreter.apply_event(
        small_journey(), state, event("c", "content_consumed", content_id="c1"), START
    )
    paused, _ = interpreter.apply_event(
        small_journey(), moved, event("ooo", "out_of_office"), START
    )
    assert _values(search_attribute_updates(paused)) == {
        "NurtureJourney": "small",
        "NurtureStage": "c",
        "NurtureStatus": "paused",
    }
    # Unchanged states give equal updates: the workflow upserts only on a change.
    assert search_attribute_updates(paused) == search_attribute_updates(paused.model_copy())
    assert search_attribute_updates(paused) != search_attribute_updates(moved)


def test_the_keys_are_keywords_with_the_documented_names() -> None:
    assert [key.name for key in SEARCH_ATTRIBUTE_KEYS] == [
        "NurtureJourney",
        "NurtureStage",
        "NurtureStatus",
    ]
    assert {key.indexed_value_type.name for key in (JOURNEY_KEY, STAGE_KEY, STATUS_KEY)} == {
        "KEYWORD"
    }
