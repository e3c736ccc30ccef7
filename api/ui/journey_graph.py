"""Which rules move a prospect between stages, and which hand them to sales: the diagram's arrows.

A rule can act from the stages its guard allows (`stage_in`, or every stage but `stage_not_in`),
from the stage a `stage_entered` trigger names, and from every stage whose sequence hands over
to it (`then: {rule: …}`). Moves found anywhere in its actions, split branches included, become
links from those stages to the target. Links with the same kind, target and sources are drawn as
one arrow labelled with all their rules, so the picture stays readable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from definitions.action_walk import walk
from definitions.model import HandOff, HandOverToRule, JourneyDefinition, MoveTo, Rule

SALES = "sales"
LinkKind = Literal["forward", "backward", "handoff"]


@dataclass
class Link:
    kind: LinkKind
    target: str  # a stage id, or SALES for hand-offs
    sources: tuple[str, ...]  # stage ids, in funnel order
    rules: list[str] = field(default_factory=list)


def rule_sources(definition: JourneyDefinition, rule: Rule) -> list[str]:
    """The stages a rule can act from, in funnel order."""
    order = [stage.id for stage in definition.stages]
    guard, trigger = rule.if_, rule.when
    if guard is not None and guard.stage_in:
        allowed = set(guard.stage_in)
    elif trigger.event == "stage_entered" and trigger.stage:
        allowed = {trigger.stage}
    else:
        allowed = set(order)
    if guard is not None and guard.stage_not_in:
        allowed -= set(guard.stage_not_in)
    allowed |= {
        stage_id
        for stage_id, sequence in definition.sequences.items()
        if isinstance(sequence.then, HandOverToRule) and sequence.then.rule == rule.id
    }
    return [stage_id for stage_id in order if stage_id in allowed]


def links(definition: JourneyDefinition) -> list[Link]:
    """Every move and hand-off as arrows, grouped by (kind, target, sources), in rule order."""
    position = {stage.id: index for index, stage in enumerate(definition.stages)}
    grouped: dict[tuple[LinkKind, str, tuple[str, ...]], Link] = {}

    def add(kind: LinkKind, target: str, sources: list[str], rule_id: str) -> None:
        if not sources:
            return
        key = (kind, target, tuple(sources))
        link = grouped.setdefault(key, Link(kind, target, tuple(sources)))
        if rule_id not in link.rules:
            link.rules.append(rule_id)

    for rule in definition.rules:
        sources = rule_sources(definition, rule)
        for action, _ in walk(rule.do, ()):
            if isinstance(action, MoveTo) and action.move_to in position:
                target = position[action.move_to]
                forward = [s for s in sources if position[s] < target]
                backward = [s for s in sources if position[s] > target]
                add("forward", action.move_to, forward, rule.id)
                add("backward", action.move_to, backward, rule.id)
            elif isinstance(action, HandOff):
                add("handoff", SALES, sources, rule.id)
    return list(grouped.values())
