"""A problem found in a definition, and the small helpers every check uses to phrase one."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from definitions.errors import PathPart
from definitions.model import JourneyDefinition


@dataclass(frozen=True)
class Problem:
    path: tuple[PathPart, ...]
    message: str


def duplicates(ids: Iterable[str | None]) -> set[str]:
    return {item for item, count in Counter(i for i in ids if i).items() if count > 1}


def stage_ids(definition: JourneyDefinition) -> set[str]:
    return {stage.id for stage in definition.stages}


def content_ids(definition: JourneyDefinition) -> set[str]:
    return {item.id for item in definition.content}


def unknown(kind: str, value: str, known: Iterable[str]) -> str:
    choices = ", ".join(sorted(known)) or "none are defined"
    return f"unknown {kind} {value!r} (known: {choices})"
