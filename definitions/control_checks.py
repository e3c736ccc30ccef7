"""Checks of the journey controls: goals, A/B splits and re-entry."""

from __future__ import annotations

from collections.abc import Iterator

from definitions.action_walk import split_specs
from definitions.errors import PathPart
from definitions.model import JourneyDefinition, MoveTo
from definitions.problems import Problem, duplicates, stage_ids, unknown
from definitions.trigger_checks import INTERNAL_EVENTS, trigger


def check_splits(definition: JourneyDefinition) -> Iterator[Problem]:
    specs = list(split_specs(definition))
    repeated = duplicates(spec.id for spec, _ in specs)
    for spec, path in specs:
        if spec.id in repeated:
            yield Problem((*path, "id"), f"split id {spec.id!r} is used more than once")
        total = sum(branch.percent for branch in spec.branches)
        if total != 100:
            yield Problem(
                (*path, "branches"), f"the branches' percentages add up to {total}, not 100"
            )
        for variant in duplicates(branch.variant for branch in spec.branches):
            yield Problem((*path, "branches"), f"variant {variant!r} appears more than once")


def check_goals(definition: JourneyDefinition) -> Iterator[Problem]:
    stages = stage_ids(definition)
    repeated = duplicates(goal.id for goal in definition.goals)
    for position, goal in enumerate(definition.goals):
        path: tuple[PathPart, ...] = ("goals", position)
        condition = goal.when
        if goal.id in repeated:
            yield Problem((*path, "id"), f"duplicate id {goal.id!r}")
        state_keys = [
            key for key in ("score_at_least", "lifecycle") if getattr(condition, key) is not None
        ]
        if condition.event is None and condition.stage is not None:
            state_keys.append("stage")
        if condition.event is None and not state_keys:
            yield Problem(
                (*path, "when"),
                "a goal needs an `event`, or `score_at_least`, `stage` and/or `lifecycle`",
            )
        elif condition.event is not None:
            if state_keys:
                yield Problem(
                    (*path, "when"),
                    f"an event goal cannot also require {', '.join(state_keys)}: write two goals",
                )
            if condition.event in INTERNAL_EVENTS:
                yield Problem(
                    (*path, "when", "event"),
                    f"goals react to the prospect; for `{condition.event}` use `stage:` alone "
                    "(being in the stage) or a rule",
                )
            yield from trigger(definition, condition.as_trigger(), (*path, "when"))
        else:
            if condition.stage is not None and condition.stage not in stages:
                yield Problem((*path, "when", "stage"), unknown("stage", condition.stage, stages))
            for narrower in ("content", "content_stage", "form", "channel", "outcome"):
                if getattr(condition, narrower) is not None:
                    yield Problem((*path, "when", narrower), f"`{narrower}` narrows an `event`")
        if isinstance(goal.then, MoveTo) and goal.then.move_to not in stages:
            yield Problem((*path, "then", "move_to"), unknown("stage", goal.then.move_to, stages))


def check_re_entry(definition: JourneyDefinition) -> Iterator[Problem]:
    re_entry = definition.re_entry
    if re_entry.allowed:
        return
    for key in ("after", "max_entries"):
        if getattr(re_entry, key) is not None:
            yield Problem(
                ("re_entry", key), f"`{key}` has no effect unless `allowed: true` is set too"
            )
