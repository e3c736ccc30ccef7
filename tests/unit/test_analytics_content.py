"""Content effectiveness: sends, tracked clicks and moves forward, against the stage baseline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from analytics.content import (
    ContentLabel,
    ContentLine,
    ContentReport,
    ContentTouch,
    build_content_report,
)
from analytics.paths import JourneyPath, StageEntry, StageLabel

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
STAGES = [StageLabel("s1", "s1"), StageLabel("s2", "s2"), StageLabel("s3", "s3")]
CONTENT = [
    ContentLabel("i1", "Item one", "s1"),
    ContentLabel("i2", "Item two", "s1"),
    ContentLabel("j1", "Stage two item", "s2"),
    ContentLabel("unsent", "Never sent", "s3"),
]


def at(days: float) -> datetime:
    return START + days * DAY


def touch(content_id: str, prospect_id: str, days: float) -> ContentTouch:
    return ContentTouch(content_id, prospect_id, at(days))


def path(prospect_id: str, *steps: tuple[str, float]) -> JourneyPath:
    return JourneyPath(prospect_id, [StageEntry(stage, at(days)) for stage, days in steps])


PATHS = [
    path("p1", ("s1", 0), ("s2", 3)),  # forward 3 days after i1, 2 after i2
    path("p2", ("s1", 0), ("s2", 20)),  # forward, but 20 days after the send
    path("p3", ("s1", 0)),
    path("p4", ("s1", 0), ("s3", 5)),  # a skip is a move forward too
    path("p5", ("s1", 0), ("s2", 1)),
    path("p6", ("s1", 0), ("s2", 2), ("s1", 4)),  # j1 sent on entering s2; then back
    path("p7", ("s1", 0)),
]
SENDS = [
    touch("i1", "p1", 0),
    touch("i1", "p2", 0),
    touch("i1", "p3", 0),
    touch("i1", "p4", 0),
    touch("i2", "p1", 1),
    touch("i2", "p5", 0),
    touch("i2", "p7", 0),
    touch("j1", "p6", 2),  # at the very moment p6 entered s2: not the content's doing
]


def report(
    sends: list[ContentTouch] = SENDS,
    clicks: list[ContentTouch] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    window_days: int = 14,
) -> ContentReport:
    return build_content_report(
        journey_id="j",
        content=CONTENT,
        stages=STAGES,
        sends=sends,
        clicks=clicks or [],
        paths=PATHS,
        since=since,
        until=until,
        window_days=window_days,
    )


def by_item(content: ContentReport) -> dict[str, ContentLine]:
    return {line.content_id: line for line in content.items}


def test_forward_rates_are_compared_with_the_forward_rate_of_all_the_stages_sends() -> None:
    lines = by_item(report())

    assert (lines["i1"].sent, lines["i1"].moved_forward_within_window) == (4, 2)  # p1, p4
    assert (lines["i2"].sent, lines["i2"].moved_forward_within_window) == (3, 2)  # p1, p5
    assert (lines["i1"].forward_rate, lines["i2"].forward_rate) == (0.5, 0.6667)
    # Stage s1: 4 of 7 sends were followed by a move forward.
    assert lines["i1"].stage_baseline_rate == lines["i2"].stage_baseline_rate == 0.5714
    assert (lines["i1"].lift, lines["i2"].lift) == (-0.0714, 0.0953)
    assert (lines["j1"].sent, lines["j1"].forward_rate, lines["j1"].lift) == (1, 0.0, 0.0)


def test_the_window_days_decide_which_later_moves_count() -> None:
    lines = by_item(report(window_days=20))

    assert lines["i1"].moved_forward_within_window == 3  # p2's move on day 20 now counts
    assert lines["i1"].stage_baseline_rate == round(5 / 7, 4)
    assert by_item(report(window_days=2))["i1"].moved_forward_within_window == 0


def test_a_click_counts_for_the_latest_send_before_it_once() -> None:
    sends = [*SENDS, touch("i1", "p3", 7)]  # i1 sent to p3 a second time
    clicks = [
        touch("i1", "p1", 0.1),
        touch("i1", "p1", 0.2),  # the same send clicked twice
        touch("i1", "p2", -0.1),  # before the send: from an older e-mail
        touch("i1", "p3", 8),  # after the second send only
        touch("i2", "p4", 1),  # an item p4 was never sent
    ]

    lines = by_item(report(sends=sends, clicks=clicks))

    assert (lines["i1"].sent, lines["i1"].clicked, lines["i1"].click_rate) == (5, 2, 0.4)
    assert (lines["i2"].clicked, lines["i2"].click_rate) == (0, 0.0)


def test_items_never_sent_have_no_rates_and_items_no_longer_defined_are_listed_last() -> None:
    content = report(sends=[*SENDS, touch("retired", "p3", 1)])

    assert [line.content_id for line in content.items] == ["i1", "i2", "j1", "unsent", "retired"]
    unsent, retired = content.items[3], content.items[4]
    assert (unsent.title, unsent.stage, unsent.sent) == ("Never sent", "s3", 0)
    assert (unsent.click_rate, unsent.forward_rate, unsent.stage_baseline_rate, unsent.lift) == (
        None,
        None,
        None,
        None,
    )
    assert (retired.title, retired.stage, retired.sent, retired.stage_baseline_rate) == (
        None,
        None,
        1,
        None,
    )


def test_sends_count_inside_the_window_and_moves_after_it_still_follow_them() -> None:
    lines = by_item(report(since=at(0.5), until=at(1.5)))

    # Only i2 to p1 (day 1) was sent in the window; p1 moved on day 3, after `until`.
    assert (lines["i1"].sent, lines["i2"].sent, lines["j1"].sent) == (0, 1, 0)
    assert lines["i2"].moved_forward_within_window == 1
    assert report(since=at(0)).items[0].sent == 4  # since is included
    assert report(until=at(0)).items[0].sent == 0  # until is excluded
