"""The journey diagram: which arrows a definition yields, and the SVG drawn from them."""

from __future__ import annotations

import itertools
import re
from functools import cache
from pathlib import Path
from xml.etree import ElementTree

from api.ui.diagram import journey_svg
from api.ui.journey_graph import SALES, Link, links, rule_sources
from definitions.loader import load_file, parse_definition
from definitions.model import JourneyDefinition

DEFINITIONS = Path(__file__).parents[2] / "definitions"
SVG = "{http://www.w3.org/2000/svg}"

SMALL = """
journey: small
name: {name}
sender: {{from: "Ann <ann@example.com>"}}
stages:
  - {{id: first, name: "{stage_name}", points: [1, 10]}}
  - {{id: second, points: [10, 100]}}
  - {{id: third, points: [100, 1000]}}
sequences:
  first:
    steps:
      - wait: 3d
    then: {{rule: graduate}}
rules:
  - id: graduate
    when: {{score_at_least: 500}}
    if: {{stage_in: [second]}}
    do: [{{move_to: third}}]
  - id: test-a-shortcut
    when: {{event: form_submitted, form: demo}}
    if: {{stage_in: [first]}}
    do:
      - split:
          id: shortcut
          branches:
            - {{variant: jump, percent: 50, do: [{{move_to: third}}]}}
            - {{variant: control, percent: 50}}
  - id: reply
    when: {{event: email_replied}}
    do: [{{handoff: {{title: Answer}}}}]
  - id: on-entering-third
    when: {{event: stage_entered, stage: third}}
    do: [{{move_to: first}}]
goals:
  - {{id: signed, when: {{event: sales_outcome, outcome: won}}}}
"""


@cache
def demo() -> JourneyDefinition:
    return load_file(DEFINITIONS / "b2b_funnel.yaml")


def small(name: str = "Small", stage_name: str = "First") -> JourneyDefinition:
    return parse_definition(SMALL.format(name=name, stage_name=stage_name))


def by_key(found: list[Link]) -> dict[tuple[str, str, tuple[str, ...]], list[str]]:
    return {(link.kind, link.target, link.sources): link.rules for link in found}


def test_the_demo_moves_forward_back_and_to_sales_from_the_stages_each_rule_allows() -> None:
    found = by_key(links(demo()))

    assert found[("forward", "offer", ("acquisition", "analysis"))] == ["to-offer", "skip-to-offer"]
    assert found[("backward", "acquisition", ("analysis", "offer"))] == ["gone-cold"]
    # `lost` has no guard: it acts from every stage, so it moves back from all the later ones.
    assert found[("backward", "acquisition", ("analysis", "offer", "closing", "customer"))] == [
        "lost"
    ]
    # `not-now` (not in customer) is forward from acquisition and backward from later stages.
    assert "not-now" in found[("forward", "analysis", ("acquisition",))]
    assert found[("backward", "analysis", ("offer", "closing"))] == ["not-now"]
    assert found[("handoff", SALES, ("acquisition", "analysis", "offer"))] == ["probably-a-lead"]
    assert found[("handoff", SALES, tuple(s.id for s in demo().stages))] == ["reply-to-sales"]


def test_sources_come_from_guards_stage_entered_triggers_and_sequences_handing_over() -> None:
    definition = small()
    rules = {rule.id: rule for rule in definition.rules}

    # Guarded to `second`, and the sequence of `first` hands over to it with `then: {rule}`.
    assert rule_sources(definition, rules["graduate"]) == ["first", "second"]
    assert rule_sources(definition, rules["on-entering-third"]) == ["third"]
    assert rule_sources(definition, rules["reply"]) == ["first", "second", "third"]


def test_moves_inside_split_branches_are_arrows_and_a_move_to_the_same_stage_is_not() -> None:
    found = by_key(links(small()))

    assert found[("forward", "third", ("first", "second"))] == ["graduate"]
    assert found[("forward", "third", ("first",))] == ["test-a-shortcut"]
    assert found[("backward", "first", ("third",))] == ["on-entering-third"]
    assert all(link.target not in link.sources for link in links(small()))


def test_the_svg_draws_every_stage_in_order_with_its_band_and_sequence() -> None:
    root = ElementTree.fromstring(journey_svg(demo()))

    stages = root.findall(f"{SVG}g[@class='stage']")
    assert [g.get("data-stage") for g in stages] == [s.id for s in demo().stages]
    offer = " ".join(stages[2].itertext())
    assert "100\N{EN DASH}1,000 pts" in offer
    assert "send pricing-plans" in offer
    assert "then rule offer-follow-up" in offer
    assert root.find(f"{SVG}g[@class='sales']") is not None


def test_forward_arrows_run_above_the_boxes_and_backward_ones_below() -> None:
    svg = journey_svg(demo())
    root = ElementTree.fromstring(svg)
    box = root.find(f"{SVG}g[@class='stage']/{SVG}rect[@class='box']")
    assert box is not None
    top = float(box.get("y", "0"))
    bottom = top + float(box.get("height", "0"))

    def lane_heights(kind: str) -> list[float]:
        heights: list[float] = []
        for path in root.findall(f"{SVG}g[@class='link link-{kind}']/{SVG}path"):
            heights += [float(y) for y in re.findall(r"M[\d.]+,([\d.]+) H", path.get("d", ""))]
        return heights

    forward, backward = lane_heights("forward"), lane_heights("backward")
    assert forward and backward
    assert all(y < top for y in forward)
    assert all(y > bottom for y in backward)
    labels = ["".join(g.itertext()) for g in root.findall(f"{SVG}g[@class='link link-backward']")]
    assert any("gone-cold" in label for label in labels)


def test_arrows_sharing_a_lane_never_overlap() -> None:
    root = ElementTree.fromstring(journey_svg(demo()))
    lanes: dict[float, list[tuple[float, float]]] = {}
    for path in root.iter(f"{SVG}path"):
        found = re.search(r"M([\d.]+),([\d.]+) H([\d.]+)", path.get("d", ""))
        if found:
            left, y, right = (float(part) for part in found.groups())
            lanes.setdefault(y, []).append((left, right))
    for spans in lanes.values():
        ordered = sorted(spans)
        assert all(a[1] < b[0] for a, b in itertools.pairwise(ordered)), ordered


def test_goals_are_shown_and_text_from_the_definition_is_escaped() -> None:
    svg = journey_svg(small(name="<b>Ours</b>", stage_name="<script>x</script>"))

    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "&lt;b&gt;Ours&lt;/b&gt;" in svg
    root = ElementTree.fromstring(svg)  # still well-formed XML
    goals = root.find(f"{SVG}g[@class='goals']")
    assert goals is not None
    assert "signed: sales reports won" in " ".join(goals.itertext())


def test_a_journey_without_rules_is_just_its_stages() -> None:
    definition = JourneyDefinition.model_validate(
        {
            "journey": "plain",
            "name": "Plain",
            "sender": {"from": "Ann <ann@example.com>"},
            "stages": [{"id": "only", "points": [0, 10]}],
        }
    )
    root = ElementTree.fromstring(journey_svg(definition))

    assert [g.get("class") for g in root.findall(f"{SVG}g")] == ["stage"]
    assert "no sequence: waits for events" in "".join(root.itertext())
