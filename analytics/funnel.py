"""The funnel of one journey: how many prospects entered each stage, and where they went next.

Articles 002 and 004 measure a funnel by conversion between stages (1000 visitors, 100 webinar
sign-ups, 20 consultations, 10 purchases: 10 %, 20 %, 50 %, 1 % overall). Our journeys are not
linear, so each stage also says how many prospects moved on, skipped it, went back or left the
journey there.

Counting rules (see docs/reports.md):
- every number counts prospects, each at most once per stage and column;
- an entry, move or end counts when its moment falls in the window [since, until);
- `forward` counts moves out of the stage to any later stage; `skipped` counts moves that
  jumped over the stage (the prospect entered only the target); `back` counts moves out of the
  stage to an earlier one; `left` counts journeys that ended while in the stage;
- conversion to the next stage is entered(next) / entered(this); overall conversion is
  entered(last stage) / entered(first stage);
- the median time in stage is over the stays that began in the window and have ended (by a move
  or the journey's end); a stay still going on has no length yet.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pydantic import BaseModel, Field

from analytics.paths import JourneyPath, StageLabel, StageOrder, moves, visits
from analytics.periods import Window
from analytics.rates import median_or_none, ratio

DAY = timedelta(days=1)


class StageFunnel(BaseModel):
    stage_id: str
    name: str
    in_current_version: bool = Field(
        description="False for a stage the newest version no longer has (listed last)."
    )
    entered: int
    forward: int = Field(description="Moved on to a later stage (the next one or further).")
    skipped: int = Field(description="Jumped over this stage to a later one.")
    back: int = Field(description="Went back to an earlier stage.")
    left: int = Field(description="The journey ended (unsubscribed, completed) in this stage.")
    conversion_to_next: float | None = Field(
        description="Entered the next stage / entered this one; None for the last stage."
    )
    median_days_in_stage: float | None


class FunnelReport(BaseModel):
    journey_id: str
    version: int | None = Field(description="The version whose stage order is used.")
    since: datetime | None
    until: datetime | None
    prospects: int = Field(description="Prospects with at least one stage entry in the window.")
    stages: list[StageFunnel]
    overall_conversion: float | None = Field(
        description="Entered the last stage / entered the first stage."
    )


@dataclass
class _StageTally:
    entered: set[str] = field(default_factory=set)
    forward: set[str] = field(default_factory=set)
    skipped: set[str] = field(default_factory=set)
    back: set[str] = field(default_factory=set)
    left: set[str] = field(default_factory=set)
    days_in_stage: list[float] = field(default_factory=list)


def build_funnel_report(
    *,
    journey_id: str,
    version: int | None,
    stages: Sequence[StageLabel],
    paths: Iterable[JourneyPath],
    since: datetime | None,
    until: datetime | None,
) -> FunnelReport:
    order = StageOrder(stages)
    window = Window(since, until)
    tallies: dict[str, _StageTally] = {stage.id: _StageTally() for stage in stages}
    for path in paths:
        _count_path(path, order, window, tallies)

    followers: list[StageLabel | None] = [*stages[1:], None]
    lines = [
        _stage_line(stage, tallies[stage.id], tallies[after.id] if after else None, known=True)
        for stage, after in zip(stages, followers, strict=True)
    ]
    renamed = sorted(stage_id for stage_id in tallies if not order.knows(stage_id))
    lines += [
        _stage_line(StageLabel(stage_id, stage_id), tallies[stage_id], None, known=False)
        for stage_id in renamed
    ]
    entered_first = len(tallies[stages[0].id].entered) if stages else 0
    entered_last = len(tallies[stages[-1].id].entered) if stages else 0
    return FunnelReport(
        journey_id=journey_id,
        version=version,
        since=since,
        until=until,
        prospects=len({prospect for tally in tallies.values() for prospect in tally.entered}),
        stages=lines,
        overall_conversion=ratio(entered_last, entered_first),
    )


def _count_path(
    path: JourneyPath, order: StageOrder, window: Window, tallies: dict[str, _StageTally]
) -> None:
    prospect = path.prospect_id
    stays = visits(path)
    for stay in stays:
        if not window.contains(stay.entered_at):
            continue
        tally = tallies.setdefault(stay.stage, _StageTally())
        tally.entered.add(prospect)
        if stay.left_at is not None:
            tally.days_in_stage.append((stay.left_at - stay.entered_at) / DAY)
    for move in moves(stays, order):
        if not window.contains(move.at):
            continue
        if move.is_forward:
            tallies[move.source].forward.add(prospect)
        elif move.kind == "back":
            tallies[move.source].back.add(prospect)
        for stage in move.skipped:
            tallies[stage].skipped.add(prospect)
    if stays and path.ended_at is not None and window.contains(path.ended_at):
        tallies.setdefault(stays[-1].stage, _StageTally()).left.add(prospect)


def _stage_line(
    stage: StageLabel, tally: _StageTally, following: _StageTally | None, *, known: bool
) -> StageFunnel:
    return StageFunnel(
        stage_id=stage.id,
        name=stage.name,
        in_current_version=known,
        entered=len(tally.entered),
        forward=len(tally.forward),
        skipped=len(tally.skipped),
        back=len(tally.back),
        left=len(tally.left),
        conversion_to_next=(
            ratio(len(following.entered), len(tally.entered)) if following is not None else None
        ),
        median_days_in_stage=median_or_none(tally.days_in_stage),
    )
