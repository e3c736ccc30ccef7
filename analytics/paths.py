"""A prospect's path through a journey's stages, and what each move along it was.

The path comes from the journey state's `stage_history`; the stage order from the newest
published version of the journey. A move to the next stage is `forward`, to a later one a
`skip` (the stages in between are skipped), to an earlier one `back`. A stage the newest version
does not know (renamed or dropped by a migration) has no place in the order, so a move from or
to it is `unordered`: counted as an entry, never as a direction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from typing import Literal

MoveKind = Literal["forward", "skip", "back", "unordered"]


@dataclass(frozen=True)
class StageLabel:
    id: str
    name: str


@dataclass(frozen=True)
class StageEntry:
    stage: str
    at: datetime


@dataclass(frozen=True)
class JourneyPath:
    prospect_id: str
    entries: Sequence[StageEntry]
    # When the journey ended (unsubscribed, completed); None while it runs.
    ended_at: datetime | None = None


@dataclass(frozen=True)
class Visit:
    """A stay in one stage, from entering it until a move to another stage or the end."""

    stage: str
    entered_at: datetime
    left_at: datetime | None


@dataclass(frozen=True)
class Move:
    source: str
    target: str
    at: datetime
    kind: MoveKind
    skipped: tuple[str, ...] = ()

    @property
    def is_forward(self) -> bool:
        """Towards the end of the funnel, whether to the next stage or skipping some."""
        return self.kind in ("forward", "skip")


class StageOrder:
    """The newest version's stages in order: the yardstick for forward, skip and back."""

    def __init__(self, stages: Sequence[StageLabel]) -> None:
        self.stages = list(stages)
        self._index = {stage.id: index for index, stage in enumerate(self.stages)}

    def knows(self, stage: str) -> bool:
        return stage in self._index

    def move(self, source: str, target: str, at: datetime) -> Move:
        if not (self.knows(source) and self.knows(target)):
            return Move(source, target, at, "unordered")
        start, end = self._index[source], self._index[target]
        if end < start:
            return Move(source, target, at, "back")
        if end == start + 1:
            return Move(source, target, at, "forward")
        jumped = tuple(stage.id for stage in self.stages[start + 1 : end])
        return Move(source, target, at, "skip", skipped=jumped)


def visits(path: JourneyPath) -> list[Visit]:
    """The path's stays, oldest first. Entering the stage one is already in (a restart of its
    sequence) is no move: the stay goes on."""
    starts: list[StageEntry] = []
    for entry in path.entries:
        if not starts or starts[-1].stage != entry.stage:
            starts.append(entry)
    ends: list[datetime | None] = [entry.at for entry in starts[1:]]
    ends.append(path.ended_at)
    return [
        Visit(stage=entry.stage, entered_at=entry.at, left_at=left_at)
        for entry, left_at in zip(starts, ends, strict=True)
    ]


def moves(stays: Sequence[Visit], order: StageOrder) -> list[Move]:
    """The moves between consecutive stays, each at the moment the next stay began."""
    return [
        order.move(before.stage, after.stage, after.entered_at) for before, after in pairwise(stays)
    ]
