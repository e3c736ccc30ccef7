"""Which content moves prospects down the funnel: article 000's feedback loop.

For each content item: how often it was sent, how many of those sends were opened through the
tracked link, and how many were followed by a move forward (to any later stage) within N days;
the item's forward rate is compared with its stage's baseline, the forward rate over all sends
of that stage's content, so "lift" says whether this item does better than its neighbours.

Counting rules (see docs/reports.md):
- a send counts when it was sent in the window [since, until); what followed it counts even if
  it happened after `until`;
- a send is clicked when the prospect clicked that item's tracked link at or after the send and
  before the item was sent to them again (so one click is credited to one send);
- a send is followed by a move forward when the prospect moved to a later stage after the send
  and at most `window_days` later (a move at the very moment of the send, e.g. the stage's
  welcome e-mail sent on entering it, is not the content's doing).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel, Field

from analytics.paths import JourneyPath, StageLabel, StageOrder, moves, visits
from analytics.periods import Window
from analytics.rates import difference, ratio

DEFAULT_WINDOW_DAYS = 14


@dataclass(frozen=True)
class ContentLabel:
    id: str
    title: str | None
    stage: str | None


@dataclass(frozen=True)
class ContentTouch:
    """One send of a content item to a prospect, or one click on its tracked link."""

    content_id: str
    prospect_id: str
    at: datetime


class ContentLine(BaseModel):
    content_id: str
    title: str | None
    stage: str | None
    sent: int
    clicked: int = Field(description="Sends opened through the tracked link.")
    click_rate: float | None
    moved_forward_within_window: int = Field(
        description="Sends followed by a move to a later stage within `window_days`."
    )
    forward_rate: float | None
    stage_baseline_rate: float | None = Field(
        description="Forward rate over all sends of this stage's content."
    )
    lift: float | None = Field(description="forward_rate - stage_baseline_rate.")


class ContentReport(BaseModel):
    journey_id: str
    since: datetime | None
    until: datetime | None
    window_days: int
    items: list[ContentLine]


@dataclass
class _Tally:
    sent: int = 0
    clicked: int = 0
    moved: int = 0


def build_content_report(
    *,
    journey_id: str,
    content: Sequence[ContentLabel],
    stages: Sequence[StageLabel],
    sends: Iterable[ContentTouch],
    clicks: Iterable[ContentTouch],
    paths: Iterable[JourneyPath],
    since: datetime | None,
    until: datetime | None,
    window_days: int = DEFAULT_WINDOW_DAYS,
) -> ContentReport:
    window, reach = Window(since, until), timedelta(days=window_days)
    order = StageOrder(stages)
    forward_moves = {
        path.prospect_id: sorted(move.at for move in moves(visits(path), order) if move.is_forward)
        for path in paths
    }
    clicked_at = _times_by_prospect_and_item(clicks)
    tallies: dict[str, _Tally] = defaultdict(_Tally)
    for (prospect, content_id), sent_at in _times_by_prospect_and_item(sends).items():
        resent_at: list[datetime | None] = [*sent_at[1:], None]
        for at, next_send in zip(sent_at, resent_at, strict=True):
            if not window.contains(at):
                continue
            tally = tallies[content_id]
            tally.sent += 1
            tally.clicked += _any_from(clicked_at.get((prospect, content_id), []), at, next_send)
            tally.moved += _any_after(forward_moves.get(prospect, []), at, at + reach)

    known = {item.id for item in content}
    labels = [
        *content,
        *(ContentLabel(extra, None, None) for extra in sorted(set(tallies) - known)),
    ]
    baselines = _stage_baselines(labels, tallies)
    return ContentReport(
        journey_id=journey_id,
        since=since,
        until=until,
        window_days=window_days,
        items=[_line(label, tallies[label.id], baselines.get(label.stage)) for label in labels],
    )


def _times_by_prospect_and_item(
    touches: Iterable[ContentTouch],
) -> dict[tuple[str, str], list[datetime]]:
    grouped: dict[tuple[str, str], list[datetime]] = defaultdict(list)
    for touch in touches:
        grouped[(touch.prospect_id, touch.content_id)].append(touch.at)
    return {key: sorted(times) for key, times in grouped.items()}


def _any_from(times: list[datetime], start: datetime, before: datetime | None) -> bool:
    """Is there a time in [start, before) (before None: no end)? `times` is sorted."""
    index = bisect_left(times, start)
    return index < len(times) and (before is None or times[index] < before)


def _any_after(times: list[datetime], start: datetime, end: datetime) -> bool:
    """Is there a time in (start, end]? `times` is sorted."""
    index = bisect_right(times, start)
    return index < len(times) and times[index] <= end


def _stage_baselines(
    labels: Sequence[ContentLabel], tallies: dict[str, _Tally]
) -> dict[str | None, float | None]:
    sent: dict[str, int] = defaultdict(int)
    moved: dict[str, int] = defaultdict(int)
    for label in labels:
        if label.stage is not None:
            sent[label.stage] += tallies[label.id].sent
            moved[label.stage] += tallies[label.id].moved
    return {stage: ratio(moved[stage], sent[stage]) for stage in sent}


def _line(label: ContentLabel, tally: _Tally, baseline: float | None) -> ContentLine:
    forward_rate = ratio(tally.moved, tally.sent)
    return ContentLine(
        content_id=label.id,
        title=label.title,
        stage=label.stage,
        sent=tally.sent,
        clicked=tally.clicked,
        click_rate=ratio(tally.clicked, tally.sent),
        moved_forward_within_window=tally.moved,
        forward_rate=forward_rate,
        stage_baseline_rate=baseline,
        lift=difference(forward_rate, baseline),
    )
