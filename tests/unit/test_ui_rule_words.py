"""Rules, goals and sequence steps in words, as the journey page lists them."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from api.ui.rule_words import RuleWords, Words, step_parts, then_words
from definitions.loader import load_file
from definitions.model import Goal, JourneyDefinition

DEMO = Path(__file__).parents[2] / "definitions" / "b2b_funnel.yaml"


@cache
def demo() -> JourneyDefinition:
    return load_file(DEMO)


def rule(rule_id: str) -> RuleWords:
    return Words(demo()).rule(demo().rule(rule_id))


def test_a_score_rule_reads_as_when_if_do_with_stage_names() -> None:
    words = rule("to-offer")

    assert words.when == "score reaches 100"
    assert words.conditions == ["stage is Acquisition or Analysis"]
    assert words.actions == ["move to Offer", "mark as warm"]
    assert (words.after, words.once) == (None, False)


def test_event_rules_name_what_happened_and_hand_offs_name_the_task() -> None:
    assert rule("ebook-bonus").when == "submits form ebook-download"
    assert rule("ebook-bonus").actions == ["add 10,000 points"]
    assert rule("skip-to-offer").when == "reads any Offer content"
    assert rule("gone-cold").when == "no activity for 60d"
    assert rule("gone-cold").conditions == [
        "stage is Analysis or Offer",
        "status is active or paused",
    ]
    assert rule("probably-a-lead").actions[1] == (
        "hand off to sales: “Probably a lead: qualify and contact” (queue sales, SLA 2d)"
    )
    assert rule("probably-a-lead").once is True
    assert rule("not-now").when == "sales reports not_now"
    assert rule("wrong-person").actions == [
        "enrol the contact sales named in this journey",
        "end the journey (wrong person; the right contact is nurtured instead)",
    ]


def test_a_delayed_rule_names_its_delay_and_content_by_title() -> None:
    words = rule("contract-clauses-after-draft")

    assert words.after == "2d"
    assert words.when.endswith("(contract-draft-standard) is sent")
    assert words.actions[0].startswith("send “")
    assert words.actions[0].endswith("(contract-clauses-faq)")


def test_sequence_steps_are_short_kind_and_what() -> None:
    offer = demo().sequences["offer"]

    assert [step_parts(step) for step in offer.steps[:4]] == [
        ("send", "pricing-plans"),
        ("wait", "2d"),
        ("send", "roi-calculator"),
        ("wait for", "roi-calculator, up to 4d"),
    ]
    assert then_words(offer) == "then rule offer-follow-up"
    assert then_words(demo().sequences["acquisition"]) == "then wait for events"


def test_goals_read_as_when_and_then() -> None:
    words = Words(demo())
    by_event = Goal.model_validate(
        {"id": "signed", "when": {"event": "sales_outcome", "outcome": "won"}}
    )
    by_facts = Goal.model_validate(
        {
            "id": "hot",
            "when": {"score_at_least": 150, "stage": "offer"},
            "then": {"move_to": "closing"},
        }
    )

    assert (words.goal(by_event).when, words.goal(by_event).then) == (
        "sales reports won",
        "end the journey",
    )
    assert (words.goal(by_facts).when, words.goal(by_facts).then) == (
        "score reaches 150 and in Offer",
        "move to Closing",
    )
