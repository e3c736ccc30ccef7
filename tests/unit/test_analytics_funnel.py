"""The funnel report: entries, moves and conversion counted from prospects' stage paths."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from analytics.funnel import FunnelReport, StageFunnel, build_funnel_report
from analytics.paths import JourneyPath, StageEntry, StageLabel

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
ABCD = [
    StageLabel("a", "Acquisition"),
    StageLabel("b", "b"),
    StageLabel("c", "c"),
    StageLabel("d", "d"),
]


def path(prospect_id: str, *steps: tuple[str, float], ended: float | None = None) -> JourneyPath:
    """A prospect's path: (stage, days after START) entries, and the day the journey ended."""
    return JourneyPath(
        prospect_id=prospect_id,
        entries=[StageEntry(stage, START + days * DAY) for stage, days in steps],
        ended_at=None if ended is None else START + ended * DAY,
    )


def report(
    paths: list[JourneyPath],
    stages: list[StageLabel] = ABCD,
    since: datetime | None = None,
    until: datetime | None = None,
) -> FunnelReport:
    return build_funnel_report(
        journey_id="j", version=3, stages=stages, paths=paths, since=since, until=until
    )


def by_stage(funnel: FunnelReport) -> dict[str, StageFunnel]:
    return {line.stage_id: line for line in funnel.stages}


def test_article_002_example_1000_visitors_100_webinar_20_consultations_10_purchases() -> None:
    stages = [StageLabel(s, s.title()) for s in ("visit", "webinar", "consultation", "purchase")]
    paths = []
    for number in range(1000):
        reached = 4 if number < 10 else 3 if number < 20 else 2 if number < 100 else 1
        steps = [(stage.id, float(day)) for day, stage in enumerate(stages[:reached])]
        paths.append(path(f"p{number}", *steps))

    funnel = report(paths, stages)

    assert [line.entered for line in funnel.stages] == [1000, 100, 20, 10]
    assert [line.conversion_to_next for line in funnel.stages] == [0.1, 0.2, 0.5, None]
    assert funnel.overall_conversion == 0.01
    assert [line.forward for line in funnel.stages] == [100, 20, 10, 0]
    assert [line.name for line in funnel.stages] == ["Visit", "Webinar", "Consultation", "Purchase"]
    assert funnel.prospects == 1000
    # Every stay that ended lasted one day (each move came a day after the entry).
    assert [line.median_days_in_stage for line in funnel.stages] == [1.0, 1.0, 1.0, None]


def test_skips_count_on_the_stages_jumped_over_and_back_moves_on_the_stage_left() -> None:
    paths = [
        # a -> c skips b; c -> a goes back; a -> b forward; the journey ends in b.
        path("p1", ("a", 0), ("c", 1), ("a", 3), ("b", 4), ended=6),
        # a -> d skips b and c.
        path("p2", ("a", 0), ("d", 2)),
        # Entering a again while in a restarts its sequence: no move, the stay goes on.
        path("p3", ("a", 0), ("a", 1), ("b", 5)),
    ]

    lines = by_stage(report(paths))

    counted = {
        stage: (line.entered, line.forward, line.skipped, line.back, line.left)
        for stage, line in lines.items()
    }
    assert counted == {
        "a": (3, 3, 0, 0, 0),
        "b": (2, 0, 2, 0, 1),
        "c": (1, 0, 1, 1, 0),
        "d": (1, 0, 0, 0, 0),
    }
    assert [lines[s].conversion_to_next for s in "abcd"] == [0.6667, 0.5, 1.0, None]
    assert report(paths).overall_conversion == 0.3333


def test_median_days_in_stage_counts_stays_that_ended_by_a_move_or_the_journeys_end() -> None:
    paths = [
        path("p1", ("a", 0), ("c", 1), ("a", 3), ("b", 4), ended=6),
        path("p2", ("a", 0), ("d", 2)),
        path("p3", ("a", 0), ("a", 1), ("b", 5)),
    ]

    lines = by_stage(report(paths))

    # a: stays of 1, 1, 2 and 5 days; b: p1's 2 days (p3 is still there); d: nobody left yet.
    assert lines["a"].median_days_in_stage == 1.5
    assert lines["b"].median_days_in_stage == 2.0
    assert lines["c"].median_days_in_stage == 2.0
    assert lines["d"].median_days_in_stage is None


def test_a_stage_the_newest_version_lacks_is_listed_last_under_its_own_id_with_no_direction() -> (
    None
):
    paths = [path("p1", ("a", 0), ("old-offer", 1), ("b", 2)), path("p2", ("a", 0), ("legacy", 1))]

    funnel = report(paths)

    assert [line.stage_id for line in funnel.stages] == ["a", "b", "c", "d", "legacy", "old-offer"]
    old = by_stage(funnel)["old-offer"]
    assert (old.name, old.in_current_version, old.entered, old.conversion_to_next) == (
        "old-offer",
        False,
        1,
        None,
    )
    assert by_stage(funnel)["a"].forward == 0  # to an unknown stage is no direction
    assert by_stage(funnel)["b"].entered == 1
    assert all(line.in_current_version for line in funnel.stages[:4])


def test_the_window_counts_entries_moves_and_ends_from_since_included_to_until_excluded() -> None:
    paths = [
        path("early", ("a", -3), ("b", 1), ended=2),  # entered a before the window
        path("inside", ("a", 0), ("b", 3)),  # since is included
        path("late", ("a", 5)),  # until is excluded
    ]

    lines = by_stage(report(paths, since=START, until=START + 5 * DAY))

    assert (lines["a"].entered, lines["a"].forward) == (1, 2)
    assert (lines["b"].entered, lines["b"].left) == (2, 1)
    assert lines["a"].conversion_to_next == 2.0  # b's entries include a prospect a had before
    # Only stays that began in the window are measured: "inside" stayed 3 days in a.
    assert lines["a"].median_days_in_stage == 3.0


def test_no_entries_gives_no_conversions_rather_than_zero() -> None:
    funnel = report([], since=START, until=START + DAY)

    assert [line.entered for line in funnel.stages] == [0, 0, 0, 0]
    assert {line.conversion_to_next for line in funnel.stages} == {None}
    assert (funnel.overall_conversion, funnel.prospects) == (None, 0)
