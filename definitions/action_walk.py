"""Every action in a definition with its path: in rules, and inside split branches anywhere."""

from __future__ import annotations

from collections.abc import Iterator

from definitions.errors import PathPart
from definitions.model import Action, JourneyDefinition, Split, SplitSpec, SplitStep


def walk(
    actions: list[Action], path: tuple[PathPart, ...]
) -> Iterator[tuple[Action, tuple[PathPart, ...]]]:
    """Every action with its path, including those inside split branches."""
    for position, action in enumerate(actions):
        yield action, (*path, position)
        if isinstance(action, Split):
            yield from walk_split(action.split, (*path, position, "split"))


def walk_split(
    spec: SplitSpec, path: tuple[PathPart, ...]
) -> Iterator[tuple[Action, tuple[PathPart, ...]]]:
    for index, branch in enumerate(spec.branches):
        yield from walk(branch.do, (*path, "branches", index, "do"))


def all_actions(
    definition: JourneyDefinition,
) -> Iterator[tuple[Action, tuple[PathPart, ...]]]:
    for position, rule in enumerate(definition.rules):
        yield from walk(rule.do, ("rules", position, "do"))
    for stage_id, sequence in definition.sequences.items():
        for index, step in enumerate(sequence.steps):
            if isinstance(step, SplitStep):
                yield from walk_split(step.split, ("sequences", stage_id, "steps", index, "split"))


def split_specs(
    definition: JourneyDefinition,
) -> Iterator[tuple[SplitSpec, tuple[PathPart, ...]]]:
    for action, path in all_actions(definition):
        if isinstance(action, Split):
            yield action.split, (*path, "split")
    for stage_id, sequence in definition.sequences.items():
        for index, step in enumerate(sequence.steps):
            if isinstance(step, SplitStep):
                yield step.split, ("sequences", stage_id, "steps", index, "split")
