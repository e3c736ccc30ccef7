"""The demo journeys in definitions/ are examples marketers copy: they must parse, keep every
content item inside its stage's band, render every e-mail with its tracked and unsubscribe
links, reference only what exists — and do what the articles they were drawn from describe.
"""

from __future__ import annotations

import itertools
import re
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from definitions.model import (
    ContentItem,
    HandOverToRule,
    JourneyDefinition,
    MoveTo,
    SendAction,
    SendStep,
    WaitForStep,
)
from definitions.templates import render_email, sample_context
from tests.unit.journey_helpers import PROSPECT, START, event, sent_content
from workflows import interpreter
from workflows.commands import CreateTask, Outcome
from workflows.state import JourneyState
from workflows.timing import next_action

DEFINITIONS = Path(__file__).resolve().parents[2] / "definitions"
DEMO_FILES = ("b2b_funnel.yaml", "customer_journey.yaml")
DAY = timedelta(days=1)


@cache
def load(name: str) -> JourneyDefinition:
    document = yaml.safe_load((DEFINITIONS / name).read_text(encoding="utf-8"))
    return JourneyDefinition.model_validate(document)


def all_content() -> list[tuple[str, str]]:
    return [(name, item.id) for name in DEMO_FILES for item in load(name).content]


def content(name: str, content_id: str) -> ContentItem:
    return load(name).content_item(content_id)


demo_files = pytest.mark.parametrize("name", DEMO_FILES)
demo_content = pytest.mark.parametrize(("name", "content_id"), all_content())


# --------------------------------------------------------------------------- structure


@demo_files
def test_parses_with_stages_content_sequences_and_rules(name: str) -> None:
    definition = load(name)
    assert definition.journey == Path(name).stem.replace("_", "-")
    assert definition.version is None, "the version is assigned on publish"
    assert definition.content and definition.rules
    assert set(definition.sequences) == {stage.id for stage in definition.stages}


def test_the_b2b_funnel_uses_the_articles_stages_bands_and_defaults() -> None:
    definition = load("b2b_funnel.yaml")
    assert [(stage.id, stage.points) for stage in definition.stages] == [
        ("acquisition", (1, 10)),
        ("analysis", (10, 100)),
        ("offer", (100, 1000)),
        ("closing", (1000, 10000)),
        ("customer", (0, 0)),
    ]
    assert definition.defaults.timezone == "Europe/Warsaw"
    assert definition.defaults.out_of_office_pause == timedelta(weeks=1)


def test_the_customer_journey_is_a_different_funnel() -> None:
    b2b, journey = load("b2b_funnel.yaml"), load("customer_journey.yaml")
    assert [stage.id for stage in journey.stages] == [
        "awareness",
        "consideration",
        "decision",
        "loyalty",
        "advocacy",
    ]
    assert journey.sender.from_address != b2b.sender.from_address
    assert {stage.points for stage in journey.stages}.isdisjoint(
        {stage.points for stage in b2b.stages}
    )
    assert not {item.id for item in journey.content} & {item.id for item in b2b.content}
    hand_overs = [s for s in journey.sequences.values() if isinstance(s.then, HandOverToRule)]
    assert len(hand_overs) >= 2


@demo_content
def test_content_points_lie_inside_the_stage_band(name: str, content_id: str) -> None:
    definition = load(name)
    item = definition.content_item(content_id)
    low, high = definition.stages[definition.stage_index(item.stage)].points
    assert low <= item.points <= high


@demo_files
def test_every_referenced_id_exists(name: str) -> None:
    definition = load(name)
    stages = {stage.id for stage in definition.stages}
    contents = {item.id for item in definition.content}
    rules = {rule.id for rule in definition.rules}
    missing: list[str] = []

    def need(kind: str, value: str | None, known: set[str], where: str) -> None:
        if value is not None and value not in known:
            missing.append(f"{where}: unknown {kind} {value!r}")

    for ids in ([s.id for s in definition.stages], [c.id for c in definition.content]):
        assert len(ids) == len(set(ids)), "ids must be unique"
    assert len(rules) == len(definition.rules), "rule ids must be unique"
    for item in definition.content:
        need("stage", item.stage, stages, f"content {item.id}")
    for stage_id, sequence in definition.sequences.items():
        where = f"sequence {stage_id}"
        need("stage", stage_id, stages, where)
        step_ids = {step.id for step in sequence.steps if step.id}
        for step in sequence.steps:
            if isinstance(step, SendStep):
                need("content", step.send, contents, where)
            if isinstance(step, WaitForStep):
                need("content", step.wait_for.content, contents, where)
                need("step", step.wait_for.on_event, step_ids | {"next", "end"}, where)
                need("step", step.wait_for.on_timeout, step_ids | {"next", "end"}, where)
        if isinstance(sequence.then, HandOverToRule):
            need("rule", sequence.then.rule, rules, where)
    for rule in definition.rules:
        where = f"rule {rule.id}"
        need("content", rule.when.content, contents, where)
        need("stage", rule.when.content_stage, stages, where)
        need("stage", rule.when.stage, stages, where)
        guard = rule.if_
        for stage_id in [*(guard.stage_in or []), *(guard.stage_not_in or [])] if guard else []:
            need("stage", stage_id, stages, where)
        for action in rule.do:
            if isinstance(action, MoveTo):
                need("stage", action.move_to, stages, where)
            if isinstance(action, SendAction):
                need("content", action.send, contents, where)
    assert missing == []


@demo_files
def test_sequences_send_only_their_own_stage_content(name: str) -> None:
    definition = load(name)
    for stage_id, sequence in definition.sequences.items():
        for step in sequence.steps:
            if isinstance(step, SendStep):
                assert definition.content_item(step.send).stage == stage_id, step.send


@demo_files
def test_a_genuine_reply_is_always_handled_by_a_rule(name: str) -> None:
    assert any(rule.when.event == "email_replied" for rule in load(name).rules)


@demo_files
def test_the_definition_validator_finds_no_problem(name: str) -> None:
    validator = pytest.importorskip("definitions.validator")
    loader = pytest.importorskip("definitions.loader")
    assert validator.validate(load(name)) == []
    assert loader.load_file(DEFINITIONS / name) == load(name)


def test_the_example_in_the_format_reference_is_a_valid_journey() -> None:
    reference = (DEFINITIONS.parent / "docs" / "definition-format.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", reference, flags=re.DOTALL)
    example = next(block for block in blocks if block.startswith("journey:"))
    definition = JourneyDefinition.model_validate(yaml.safe_load(example))
    validator = pytest.importorskip("definitions.validator")
    assert validator.validate(definition) == []


# --------------------------------------------------------------------------- e-mails


def _context(name: str, item: ContentItem, **prospect: Any) -> dict[str, Any]:
    definition = load(name)
    context = sample_context(item, definition.journey, definition.name)
    context["prospect"] = {**context["prospect"], **prospect}
    return context


@demo_content
def test_email_renders_with_the_tracked_link_and_the_unsubscribe_link(
    name: str, content_id: str
) -> None:
    item = content(name, content_id)
    context = _context(name, item)
    email = render_email(item.email, context)
    assert f'href="{context["link"]}"' in email.html
    assert f'href="{context["unsubscribe_link"]}"' in email.html
    assert context["link"] in email.text and context["unsubscribe_link"] in email.text
    assert email.subject and "{" not in email.subject
    assert "Ada" in email.html, "greets the prospect by name"


@demo_content
def test_email_reads_well_without_a_first_name_or_company(name: str, content_id: str) -> None:
    item = content(name, content_id)
    email = render_email(item.email, _context(name, item, first_name=None, company=None))
    for part in (email.subject, email.html, email.text):
        assert "None" not in part
        assert "Example Ltd" not in part
        assert not re.search(r"\s[,.]|\bHi\s*,", part), part
    assert "Hello," in email.html


@demo_content
def test_no_template_line_loses_its_line_break_to_a_block_tag(name: str, content_id: str) -> None:
    # trim_blocks drops the newline after `{% ... %}`: a tag ending a line of text glues that
    # line to the next one ("your own{% endif %}\nfigures" renders "your ownfigures").
    email = content(name, content_id).email
    for source in (email.body, email.text or ""):
        for line in source.splitlines():
            if line.rstrip().endswith("%}"):
                assert not re.sub(r"{%.*?%}", "", line).strip(), line


# --------------------------------------------------------------------------- behaviour


def run_until(
    definition: JourneyDefinition, state: JourneyState, until: datetime
) -> tuple[JourneyState, Outcome]:
    """Let time pass up to `until`, collecting everything that happened on the way."""
    collected = Outcome()
    while (action := next_action(definition, state)) is not None and action.at <= until:
        state, outcome = interpreter.advance(definition, state, action.at)
        collected.commands += outcome.commands
        collected.decisions += outcome.decisions
    return state, collected


_event_ids = itertools.count(1)


def apply(
    definition: JourneyDefinition, state: JourneyState, at: datetime, kind: str, **data: Any
) -> tuple[JourneyState, Outcome]:
    """Apply a prospect event with a fresh id (a repeated id is ignored as a webhook retry)."""
    return interpreter.apply_event(
        definition, state, event(f"e{next(_event_ids)}", kind, **data), at
    )


def tasks(outcome: Outcome) -> list[CreateTask]:
    return [command for command in outcome.commands if isinstance(command, CreateTask)]


def test_b2b_ebook_contact_data_moves_to_offer_and_hands_off_as_probably_a_lead() -> None:
    funnel = load("b2b_funnel.yaml")
    state, _ = interpreter.enroll(funnel, PROSPECT, START)
    state, _ = apply(
        funnel, state, START + DAY, "content_consumed", content_id="support-inbox-problems"
    )
    state, _ = apply(
        funnel, state, START + 2 * DAY, "content_consumed", content_id="support-step-by-step"
    )
    assert state.stage == "analysis"
    state, outcome = apply(
        funnel, state, START + 3 * DAY, "form_submitted", form_id="ebook-download"
    )
    assert state.score >= 10000 and state.stage == "offer"
    assert (state.status, state.lifecycle, state.temperature) == ("handed_off", "mql", "hot")
    [handoff] = tasks(outcome)
    assert (handoff.task_kind, handoff.queue, handoff.sla) == ("handoff", "sales", 2 * DAY)
    assert sent_content(outcome) == [], "sales owns the prospect now"


def test_b2b_contract_clauses_article_goes_out_two_days_after_the_draft() -> None:
    funnel = load("b2b_funnel.yaml")
    state, _ = interpreter.enroll(funnel, PROSPECT, START)
    requested = START + 10 * DAY
    state, outcome = apply(funnel, state, requested, "form_submitted", form_id="contract-request")
    assert state.stage == "closing" and state.lifecycle == "sql"
    assert sent_content(outcome) == ["contract-draft-standard"]
    state, outcome = run_until(funnel, state, requested + 2 * DAY - timedelta(minutes=1))
    assert "contract-clauses-faq" not in sent_content(outcome)
    state, outcome = run_until(funnel, state, requested + 2 * DAY)
    assert sent_content(outcome) == ["contract-clauses-faq"]


def test_b2b_sixty_silent_days_send_an_offer_prospect_back_to_acquisition_as_cold() -> None:
    funnel = load("b2b_funnel.yaml")
    state, _ = interpreter.enroll(funnel, PROSPECT, START)
    state, _ = apply(funnel, state, START + DAY, "content_consumed", content_id="pricing-plans")
    assert state.stage == "offer", "offer content read in acquisition skips ahead"
    state, _ = run_until(funnel, state, START + 62 * DAY)
    assert (state.stage, state.temperature, state.lifecycle) == ("acquisition", "cold", "lead")
    # The old score does not pull them forward again; reading analysis material does.
    state, _ = apply(
        funnel, state, START + 70 * DAY, "content_consumed", content_id="helpdesk-comparison"
    )
    assert state.stage == "analysis"


def test_b2b_reply_hands_off_within_a_day_and_other_channels_make_a_task() -> None:
    funnel = load("b2b_funnel.yaml")
    state, _ = interpreter.enroll(funnel, PROSPECT, START)
    state, outcome = apply(funnel, state, START + DAY, "channel_contact", channel="linkedin")
    assert [t.task_kind for t in tasks(outcome)] == ["task"] and state.status == "active"
    state, outcome = apply(funnel, state, START + 2 * DAY, "email_replied", text="Call me")
    [handoff] = tasks(outcome)
    assert handoff.sla == DAY and state.status == "handed_off"


def test_customer_journey_buyer_with_sales_still_gets_confirmation_and_referral_ask() -> None:
    journey = load("customer_journey.yaml")
    state, _ = interpreter.enroll(journey, PROSPECT, START)
    state, _ = apply(journey, state, START + DAY, "content_consumed", content_id="pricing-roi")
    state, outcome = apply(
        journey, state, START + DAY, "content_consumed", content_id="demo-booking"
    )
    assert state.status == "handed_off" and state.lifecycle == "sql"
    ordered = START + 10 * DAY
    state, outcome = apply(journey, state, ordered, "form_submitted", form_id="order-placed")
    assert state.stage == "loyalty" and sent_content(outcome) == ["onboarding-plan"]
    assert [t.sla for t in tasks(outcome)] == [DAY], "confirm the order within a day (003)"
    live = START + 30 * DAY
    state, _ = apply(journey, state, live, "form_submitted", form_id="go-live-signoff")
    # Two days after the go-live is a Saturday: the send window keeps the e-mail for Monday.
    state, outcome = run_until(journey, state, live + 2 * DAY)
    assert state.stage == "advocacy" and sent_content(outcome) == []
    state, outcome = run_until(journey, state, live + 4 * DAY)
    assert sent_content(outcome) == ["referral-programme"]
    state, outcome = run_until(journey, state, live + 60 * DAY)
    assert state.status == "completed"
    assert any("Win-loss" in t.title for t in tasks(outcome))


def test_customer_journey_stalled_decision_goes_back_and_silence_ends_it() -> None:
    journey = load("customer_journey.yaml")
    state, _ = interpreter.enroll(journey, PROSPECT, START)
    state, _ = apply(journey, state, START + DAY, "content_consumed", content_id="pricing-roi")
    assert (state.stage, state.lifecycle) == ("decision", "mql")
    state, _ = run_until(journey, state, START + 23 * DAY)
    assert state.stage == "consideration", "three silent weeks in decision: one stage back"
    state, _ = run_until(journey, state, START + 77 * DAY)
    assert (state.stage, state.lifecycle, state.temperature) == ("awareness", "lead", "cold")
    state, _ = run_until(journey, state, START + 182 * DAY)
    assert state.status == "completed"


def test_customer_journey_hands_a_silent_reader_over_when_the_awareness_emails_end() -> None:
    journey = load("customer_journey.yaml")
    state, _ = interpreter.enroll(journey, PROSPECT, START)
    # Three weeks of e-mails, stretched by the weekends the send window skips.
    state, outcome = run_until(journey, state, START + 27 * DAY)
    assert sent_content(outcome)[-1] == "forecasting-webinar"
    moved = [d for d in outcome.decisions if d.kind == "stage_moved"]
    assert [d.rule_id for d in moved] == ["awareness-graduates"]
    assert "the awareness sequence finished" in moved[0].reason
