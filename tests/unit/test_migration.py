"""Migrating a running prospect between versions of a journey: the pure plan and its effect."""

from __future__ import annotations

from datetime import timedelta
from functools import cache

from definitions.loader import parse_definition
from definitions.model import JourneyDefinition
from tests.unit.journey_helpers import PROSPECT, START, event, sent_content
from workflows import interpreter
from workflows.migration import migrate, plan
from workflows.state import DeferredSend, HeldSend, JourneyState, ScheduledActions

DAY = timedelta(days=1)

_HEAD = """
journey: mig
name: Migration test
version: {version}
sender: {{from: "Anna <anna@acme.test>"}}
defaults: {{timezone: UTC, out_of_office_pause: 5d, resume_hour: 9}}
"""


def _content(item: str, stage: str, points: int) -> str:
    return (
        f"  - {{id: {item}, stage: {stage}, title: {item}, points: {points}, "
        f'link: "https://e.test/{item}", email: {{subject: "{item}", body: "<p>{item}</p>"}}}}\n'
    )


V1 = (
    _HEAD.format(version=1)
    + """
stages:
  - {id: intro, points: [1, 10]}
  - {id: offer, points: [10, 100]}
content:
"""
    + _content("hello", "intro", 5)
    + _content("nudge", "intro", 5)
    + _content("pricing", "offer", 50)
    + """
sequences:
  intro:
    steps:
      - send: hello
      - wait_for: {event: content_consumed, content: hello, timeout: 3d}
      - send: nudge
      - wait: 10d
  offer:
    steps: [{send: pricing}, {wait: 5d}]
rules:
  - id: reply
    when: {event: email_replied}
    do: [{handoff: {title: Answer them, sla: 2d}}]
  - id: demo
    when: {event: form_submitted, form: demo}
    do: [{move_to: offer}]
  - id: pricing-again
    when: {event: content_sent, content: pricing}
    after: 2d
    do: [{send: pricing}]
"""
)

# v2 renames nothing in place but adds `welcome` (the new name of intro, for maps to use),
# drops `nudge`, shortens the offer sequence, adds a stage without a sequence and removes the
# delayed rule.
V2 = (
    _HEAD.format(version=2)
    + """
stages:
  - {id: intro, points: [1, 10]}
  - {id: welcome, points: [1, 10]}
  - {id: offer, points: [10, 100]}
  - {id: closing, points: [100, 1000]}
content:
"""
    + _content("hello", "intro", 5)
    + _content("hello-v2", "welcome", 5)
    + _content("pricing", "offer", 50)
    + """
sequences:
  intro:
    steps:
      - send: hello
      - wait_for: {event: content_consumed, content: hello, timeout: 5d}
      - send: hello-v2
  welcome:
    steps: [{send: hello-v2}, {wait: 7d}]
  offer:
    steps: [{send: pricing}]
rules:
  - id: reply
    when: {event: email_replied}
    do: [{handoff: {title: Answer them, sla: 2d}}]
"""
)


@cache
def v1() -> JourneyDefinition:
    return parse_definition(V1, source="v1", media_type="yaml")


@cache
def v2() -> JourneyDefinition:
    return parse_definition(V2, source="v2", media_type="yaml")


def enrolled() -> JourneyState:
    state, _ = interpreter.enroll(v1(), PROSPECT, START)
    return state


def on_vacation() -> JourneyState:
    """Waiting for a click on `hello`, then away until 20 September (09:00 in Warsaw)."""
    ooo = event("ooo", "out_of_office", return_date="2026-09-20")
    state, _ = interpreter.apply_event(v1(), enrolled(), ooo, START + DAY)
    return state


def handed_off() -> JourneyState:
    state, _ = interpreter.apply_event(v1(), enrolled(), event("r", "email_replied"), START)
    return state


def in_offer() -> JourneyState:
    """In offer, after `pricing` went out and its 5-day wait started."""
    demo = event("d", "form_submitted", form_id="demo")
    state, _ = interpreter.apply_event(v1(), enrolled(), demo, START)
    return state


def test_plan_shows_who_moves_where_with_what_is_kept_and_changes_nothing() -> None:
    state = on_vacation()
    before = state.model_dump()

    proposal = plan(v1(), v2(), state, {"intro": "welcome"})

    assert (proposal.prospect_id, proposal.from_version, proposal.to_version) == ("p-1", 1, 2)
    assert (proposal.from_stage, proposal.to_stage, proposal.sequence) == (
        "intro",
        "welcome",
        "restart",
    )
    assert proposal.kept == ["pause until 2026-09-20 07:00 UTC"]
    assert proposal.dropped == [] and proposal.problems == []
    assert state.model_dump() == before


def test_a_renamed_stage_keeps_the_pause_and_restarts_its_sequence_on_the_new_version() -> None:
    state = on_vacation()
    now = START + 2 * DAY

    migrated, outcome = migrate(
        v1(), v2(), state, {"intro": "welcome"}, migration_id="m-1", now=now
    )

    assert (migrated.version, migrated.stage, migrated.status) == (2, "welcome", "paused")
    assert migrated.paused_until == state.paused_until
    assert migrated.cursor is not None
    assert (migrated.cursor.stage, migrated.cursor.step, migrated.cursor.due_at) == (
        "welcome",
        0,
        now,
    )
    assert migrated.stage_history[-1].stage == "welcome"
    assert migrated.stage_history[-1].reason == "migrated to v2 (migration m-1)"
    assert (migrated.score, migrated.sent, migrated.consumed) == (
        state.score,
        state.sent,
        state.consumed,
    )
    assert outcome.commands == []
    [decision] = outcome.decisions
    assert decision.kind == "migrated" and decision.event_id == "m-1"
    assert decision.reason == (
        "migrated from v1 to v2 (migration m-1): stage intro -> welcome, its sequence from "
        "step 1; kept: pause until 2026-09-20 07:00 UTC; dropped: nothing"
    )
    assert decision.seq == state.decision_count + 1
    # Nothing goes out while paused; at the resume the new version's first e-mail does.
    paused, during = interpreter.advance(v2(), migrated, now + DAY)
    assert sent_content(during) == []
    _, resumed = interpreter.advance(v2(), paused, state.paused_until or now)
    assert sent_content(resumed) == ["hello-v2"]


def test_the_same_stage_keeps_its_place_and_a_wait_for_keeps_its_deadline() -> None:
    state = enrolled()  # intro step 2: waiting until START + 3d for a click on `hello`
    assert state.cursor is not None and state.cursor.waiting_until == START + 3 * DAY

    migrated, outcome = migrate(v1(), v2(), state, {}, migration_id="m-1", now=START + DAY)

    assert migrated.cursor == state.cursor
    assert migrated.stage_history == state.stage_history
    assert "stage intro (unchanged); kept: wait at step 2 until 2026-09-04 08:00 UTC" in (
        outcome.decisions[0].reason
    )
    # The wait times out on the old deadline; v2's next step follows.
    _, timed_out = interpreter.advance(v2(), migrated, START + 3 * DAY)
    assert sent_content(timed_out) == ["hello-v2"]


def test_a_kept_step_index_is_clamped_to_the_shorter_sequence_of_the_new_version() -> None:
    state = in_offer()
    assert state.cursor is not None and state.cursor.step == 2

    migrated, _ = migrate(v1(), v2(), state, {}, migration_id="m-1", now=START + DAY)

    assert migrated.cursor is not None
    assert (migrated.cursor.step, migrated.cursor.due_at) == (1, START + 5 * DAY)


def test_a_stage_without_a_sequence_ends_the_running_one_and_says_so() -> None:
    migrated, outcome = migrate(
        v1(), v2(), in_offer(), {"offer": "closing"}, migration_id="m-1", now=START + DAY
    )

    assert (migrated.stage, migrated.cursor) == ("closing", None)
    assert outcome.decisions[0].reason.endswith(
        "kept: nothing in progress; dropped: scheduled actions of rule 'pricing-again' "
        "(no such rule in v2), the offer sequence (closing has no sequence in v2)"
    )


def test_a_handed_off_prospect_keeps_the_open_task_and_its_sequence_stays_stopped() -> None:
    state = handed_off()
    [task] = state.tasks

    migrated, outcome = migrate(
        v1(), v2(), state, {"intro": "welcome"}, migration_id="m-1", now=START + DAY
    )

    assert (migrated.stage, migrated.status, migrated.cursor) == ("welcome", "handed_off", None)
    assert migrated.tasks == [task]
    assert "kept: 1 open task;" in outcome.decisions[0].reason


def test_pending_sends_and_delayed_actions_the_new_version_lacks_are_dropped_by_name() -> None:
    later = START + 3 * DAY
    state = enrolled().model_copy(
        update={
            "held_sends": [
                HeldSend(content_id="hello", reason="r", until=later, held_because="window"),
                HeldSend(content_id="nudge", reason="r", until=later, held_because="window"),
            ],
            "deferred_sends": [DeferredSend(content_id="nudge", reason="r")],
            "scheduled": [
                ScheduledActions(key="k", rule_id="pricing-again", due_at=later, cause="c"),
                ScheduledActions(key="k2", rule_id="reply", due_at=later, cause="c"),
            ],
        }
    )

    migrated, outcome = migrate(v1(), v2(), state, {}, migration_id="m-1", now=START)

    assert [held.content_id for held in migrated.held_sends] == ["hello"]
    assert migrated.deferred_sends == []
    assert [item.rule_id for item in migrated.scheduled] == ["reply"]
    reason = outcome.decisions[0].reason
    assert "1 held e-mail, 1 scheduled rule action" in reason
    assert reason.endswith(
        "dropped: held e-mail 'nudge' (no such content in v2), deferred e-mail 'nudge' "
        "(no such content in v2), scheduled actions of rule 'pricing-again' (no such rule in v2)"
    )


def test_a_migration_that_cannot_apply_changes_nothing_but_says_why_once() -> None:
    state = on_vacation()

    unchanged, outcome = migrate(
        v1(), v2(), state, {"intro": "nowhere"}, migration_id="m-1", now=START + DAY
    )
    again, repeated = migrate(
        v1(), v2(), unchanged, {"intro": "nowhere"}, migration_id="m-1", now=START + DAY
    )

    [decision] = outcome.decisions
    assert decision.kind == "event_ignored"
    assert decision.reason == (
        "migration m-1 to v2 not applied: stage 'nowhere' (mapped from intro) does not exist in v2"
    )
    expected = state.model_copy(
        update={
            "applied_event_ids": [*state.applied_event_ids, "m-1"],
            "decision_count": state.decision_count + 1,
        }
    )
    assert unchanged == expected
    assert again == unchanged and repeated.decisions == []


def test_problems_name_an_old_target_a_version_mismatch_and_an_ended_journey() -> None:
    ended, _ = interpreter.apply_event(v1(), enrolled(), event("u", "unsubscribed"), START)

    backwards = plan(v2(), v1(), enrolled(), {})
    mismatch = plan(v2(), v2(), enrolled(), {})
    finished = plan(v1(), v2(), ended, {})

    assert backwards.problems == ["v1 is not newer than v2", "the prospect is on v1, not v2"]
    assert mismatch.problems == ["v2 is not newer than v2", "the prospect is on v1, not v2"]
    assert finished.problems == ["the journey has ended (unsubscribed)"]


def test_applying_the_same_migration_twice_migrates_once() -> None:
    state = on_vacation()
    once, first = migrate(v1(), v2(), state, {"intro": "welcome"}, migration_id="m", now=START)

    twice, second = migrate(v1(), v2(), once, {"intro": "welcome"}, migration_id="m", now=START)
    other, third = migrate(v2(), v2(), once, {}, migration_id="n", now=START)

    assert [d.kind for d in first.decisions] == ["migrated"]
    assert twice == once and second.decisions == []
    # Another migration id to the version it already has is refused, with the reason.
    assert [(d.kind, d.reason) for d in third.decisions] == [
        ("event_ignored", "migration n to v2 not applied: v2 is not newer than v2")
    ]
    assert (other.version, other.stage, other.paused_until) == (2, "welcome", once.paused_until)
