"""Find stage moves that would chase each other forever without ever waiting.

Entering a stage runs its sequence up to the first wait. If along the way something moves the
prospect to another stage at once (the sequence's `then: {rule}`, a `stage_entered` rule, or a
`content_sent` rule without `after`), that is an immediate edge. A cycle of immediate edges would
spin a prospect between stages in one instant, so it is rejected when the definition is loaded.
Guards are ignored on purpose: whether they break the cycle depends on the prospect, and a
definition must be safe for every prospect.
"""

from __future__ import annotations

from definitions.model import (
    HandOverToRule,
    JourneyDefinition,
    MoveTo,
    Rule,
    SendStep,
    WaitForStep,
    WaitStep,
)


def _moves(rule: Rule) -> list[str]:
    if rule.after is not None:
        return []
    return [action.move_to for action in rule.do if isinstance(action, MoveTo)]


def _immediate_edges(definition: JourneyDefinition, stage: str) -> set[str]:
    targets: set[str] = set()
    sent_at_once: list[str] = []
    reaches_end = True
    sequence = definition.sequences.get(stage)
    if sequence is not None:
        for step in sequence.steps:
            if isinstance(step, WaitStep | WaitForStep):
                reaches_end = False
                break
            if isinstance(step, SendStep):
                sent_at_once.append(step.send)
        if reaches_end and isinstance(sequence.then, HandOverToRule):
            rule_ids = {rule.id for rule in definition.rules}
            if sequence.then.rule in rule_ids:
                targets.update(_moves(definition.rule(sequence.then.rule)))
    content_stages = {item.id: item.stage for item in definition.content}
    for rule in definition.rules:
        trigger = rule.when
        if trigger.event == "stage_entered" and trigger.stage in (None, stage):
            targets.update(_moves(rule))
        if trigger.event == "content_sent":
            for content_id in sent_at_once:
                if trigger.content in (None, content_id) and trigger.content_stage in (
                    None,
                    content_stages.get(content_id),
                ):
                    targets.update(_moves(rule))
    return targets


def immediate_move_cycles(definition: JourneyDefinition) -> list[list[str]]:
    """Each cycle once, as the list of stages in order, starting from its first stage."""
    stage_ids = [stage.id for stage in definition.stages]
    known = set(stage_ids)
    edges = {stage: sorted(_immediate_edges(definition, stage) & known) for stage in stage_ids}
    cycles: list[list[str]] = []
    seen: set[frozenset[str]] = set()

    def walk(start: str, current: str, path: list[str]) -> None:
        for target in edges[current]:
            if target == start:
                members = frozenset(path)
                if members not in seen:
                    seen.add(members)
                    cycles.append(list(path))
            elif target not in path and stage_ids.index(target) > stage_ids.index(start):
                # Only extend through later stages so each cycle is found from its first stage.
                walk(start, target, [*path, target])

    for stage in stage_ids:
        walk(stage, stage, [stage])
    return cycles
