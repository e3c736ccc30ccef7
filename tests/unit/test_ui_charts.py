"""The reports' SVG charts: well-formed, in proportion to the numbers, labels escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest

from analytics.content import ContentLine, ContentReport
from analytics.funnel import FunnelReport, StageFunnel
from analytics.handoffs import HandoffPeriod
from api.ui import charts, svg

SVG = "{http://www.w3.org/2000/svg}"
DASH = "\N{EN DASH}"


def stage(stage_id: str, entered: int, conversion: float | None, **extra: object) -> StageFunnel:
    fields: dict[str, object] = {
        "stage_id": stage_id,
        "name": stage_id.title(),
        "in_current_version": True,
        "entered": entered,
        "forward": 0,
        "skipped": 0,
        "back": 0,
        "left": 0,
        "conversion_to_next": conversion,
        "median_days_in_stage": None,
    }
    return StageFunnel.model_validate(fields | extra)


def funnel(*stages: StageFunnel, overall: float | None = None) -> FunnelReport:
    return FunnelReport(
        journey_id="b2b",
        version=3,
        since=None,
        until=None,
        prospects=max((s.entered for s in stages), default=0),
        stages=list(stages),
        overall_conversion=overall,
    )


def content_line(content_id: str, **numbers: object) -> ContentLine:
    fields: dict[str, object] = {
        "content_id": content_id,
        "title": content_id.title(),
        "stage": "learn",
        "sent": 0,
        "clicked": 0,
        "click_rate": None,
        "moved_forward_within_window": 0,
        "forward_rate": None,
        "stage_baseline_rate": None,
        "lift": None,
    }
    return ContentLine.model_validate(fields | numbers)


def parse(svg: str) -> ET.Element:
    """The chart as XML: proof that it is well-formed (escaping included)."""
    return ET.fromstring(svg)


def groups(root: ET.Element, css: str) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if g.get("class") == css]


def texts(element: ET.Element, css: str | None = None) -> list[str]:
    return [
        "".join(t.itertext())
        for t in element.iter(f"{SVG}text")
        if css is None or t.get("class") == css
    ]


def bar_width(group: ET.Element, css: str) -> float:
    [bar] = [r for r in group.iter(f"{SVG}rect") if r.get("class") == css]
    return float(bar.get("width", "nan"))


@pytest.mark.parametrize(
    ("rate", "words"),
    [(0.5, "50 %"), (0.0833, "8.3 %"), (1.0, "100 %"), (0.0, "0 %"), (None, "\u2013")],
)
def test_a_rate_reads_as_a_percentage_or_a_dash_when_nothing_was_counted(
    rate: float | None, words: str
) -> None:
    assert svg.percent(rate) == words


@pytest.mark.parametrize(
    ("lift", "words"),
    [
        (0.125, "+12.5 pp"),
        (-0.1, "\u221210 pp"),
        (0.0, "±0 pp"),
        (0.0001, "±0 pp"),
        (None, "\u2013"),
    ],
)
def test_a_lift_reads_in_percentage_points(lift: float | None, words: str) -> None:
    assert svg.points_difference(lift) == words


def test_the_funnel_has_a_bar_per_stage_in_proportion_to_who_entered() -> None:
    report = funnel(
        stage("learn", 1000, 0.1),
        stage("consider", 100, 0.2),
        stage("buy", 20, None),
        overall=0.02,
    )

    root = parse(charts.funnel_svg(report))

    stages = groups(root, "funnel-stage")
    assert [g.get("data-stage") for g in stages] == ["learn", "consider", "buy"]
    assert [g.get("data-entered") for g in stages] == ["1000", "100", "20"]
    assert [texts(g, "funnel-count") for g in stages] == [
        ["1,000 entered"],
        ["100 entered"],
        ["20 entered"],
    ]
    widths = [bar_width(g, "funnel-bar") for g in stages]
    room = charts.FUNNEL_RIGHT - charts.FUNNEL_LEFT
    assert widths == pytest.approx([room, room / 10, room / 50])
    # Centred: each bar's middle is the funnel's middle.
    for g in stages:
        [bar] = [r for r in g.iter(f"{SVG}rect") if r.get("class") == "funnel-bar"]
        middle = float(bar.get("x", "nan")) + float(bar.get("width", "nan")) / 2
        assert middle == pytest.approx((charts.FUNNEL_LEFT + charts.FUNNEL_RIGHT) / 2)
    assert texts(root, "funnel-conversion") == [
        "↓ 10 % went on to Consider",
        "↓ 20 % went on to Buy",
    ]
    assert texts(root, "funnel-overall") == ["Overall conversion 2 % (Learn → Buy)"]
    assert root.get("aria-label") == "Funnel of b2b: Learn 1000, Consider 100, Buy 20"


def test_one_prospect_among_thousands_still_shows_and_nobody_shows_nothing() -> None:
    root = parse(
        charts.funnel_svg(funnel(stage("a", 5000, 0.0002), stage("b", 1, 0.0), stage("c", 0, None)))
    )

    widths = [bar_width(g, "funnel-bar") for g in groups(root, "funnel-stage")]

    assert widths[1] == 6.0  # a sliver, not invisible
    assert widths[2] == 0.0


def test_a_stage_the_newest_version_dropped_is_named_so_without_a_conversion_into_it() -> None:
    report = funnel(
        stage("learn", 4, 0.5),
        stage("buy", 2, None),
        stage("old-offer", 3, None, in_current_version=False, name="old-offer"),
    )

    root = parse(charts.funnel_svg(report))

    assert texts(groups(root, "funnel-stage")[2], "funnel-name") == ["old-offer (removed)"]
    assert texts(root, "funnel-conversion") == ["↓ 50 % went on to Buy"]
    assert texts(root, "funnel-overall") == [f"Overall conversion {DASH} (Learn → Buy)"]


def test_labels_are_escaped_so_a_stage_name_cannot_inject_markup() -> None:
    hostile = '<script>alert("x")</script> & "friends"'
    report = funnel(stage("learn", 3, None, name=hostile))

    svg = charts.funnel_svg(report)

    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert texts(parse(svg), "funnel-name")[0].startswith("<script>alert(")  # read back intact


def test_content_rows_show_the_forward_rate_against_the_stage_baseline_and_the_clicks() -> None:
    report = ContentReport(
        journey_id="b2b",
        since=None,
        until=None,
        window_days=14,
        items=[
            content_line(
                "guide",
                sent=4,
                clicked=1,
                click_rate=0.25,
                moved_forward_within_window=3,
                forward_rate=0.75,
                stage_baseline_rate=0.5,
                lift=0.25,
            ),
            content_line(
                "webinar",
                sent=4,
                moved_forward_within_window=1,
                forward_rate=0.25,
                click_rate=0.0,
                stage_baseline_rate=0.5,
                lift=-0.25,
            ),
            content_line("pricing", stage="buy"),
        ],
    )

    root = parse(charts.content_svg(report, stage_names={"learn": "Learning"}))

    rows = groups(root, "content-item")
    assert [(g.get("data-content"), g.get("data-sent"), g.get("data-clicked")) for g in rows] == [
        ("guide", "4", "1"),
        ("webinar", "4", "0"),
        ("pricing", "0", "0"),
    ]
    assert texts(rows[0], "content-sub") == ["Learning · 4 sent · 1 click"]
    assert texts(rows[2], "content-sub") == ["buy · not sent yet"]
    assert [texts(g, "content-rate") for g in rows] == [
        ["75 % moved on"],
        ["25 % moved on"],
        [f"{DASH} moved on"],
    ]
    room = charts.BAR_RIGHT - charts.BAR_LEFT
    fills = {
        (r.get("width"), r.get("fill"))
        for r in rows[0].iter(f"{SVG}rect")
        if r.get("height") == "16.0"
    }
    # Better than its stage: the bar is green, three quarters of the scale.
    assert (f"{room * 0.75:.1f}", svg.GREEN) in fills
    webinar = {r.get("fill") for r in rows[1].iter(f"{SVG}rect")}
    assert svg.AMBER in webinar
    [tick] = [r for r in rows[0].iter(f"{SVG}rect") if r.get("class") == "content-baseline"]
    assert float(tick.get("x", "nan")) + 1.5 == pytest.approx(charts.BAR_LEFT + room * 0.5)
    # Nothing sent: no bars, no baseline.
    assert not [r for r in rows[2].iter(f"{SVG}rect") if r.get("class") == "content-baseline"]
    assert "moved forward within 14 days of the send" in texts(root)


def period(start: date, handoffs: int) -> HandoffPeriod:
    return HandoffPeriod(
        start=start,
        end=start,
        handoffs=handoffs,
        tasks=handoffs + 1,
        by_outcome={},
        reasons=[],
        sla_kept=0,
        sla_breached=0,
        open_overdue=0,
        median_hours_to_first_action=None,
    )


def test_handoffs_per_week_are_columns_as_high_as_their_count_with_empty_weeks_shown() -> None:
    weeks = [period(date(2026, 3, 2), 4), period(date(2026, 3, 9), 0), period(date(2026, 3, 16), 2)]

    root = parse(charts.handoff_periods_svg(weeks, "week"))

    columns = groups(root, "period")
    assert [(g.get("data-start"), g.get("data-handoffs")) for g in columns] == [
        ("2026-03-02", "4"),
        ("2026-03-09", "0"),
        ("2026-03-16", "2"),
    ]
    heights = [float(r.get("height", "nan")) for g in columns for r in g.iter(f"{SVG}rect")]
    full = charts.COLUMNS_BOTTOM - charts.COLUMNS_TOP
    assert heights == pytest.approx([full, 0, full / 2])
    assert [texts(g, "period-count") for g in columns] == [["4"], ["0"], ["2"]]
    assert "2 Mar" in texts(columns[0])
    assert charts.period_label(date(2026, 3, 1), "month") == "Mar 2026"


def test_many_periods_label_only_some_so_the_labels_do_not_collide() -> None:
    weeks = [period(date(2025, 1, 6) + timedelta(weeks=n), n) for n in range(52)]

    root = parse(charts.handoff_periods_svg(weeks, "week"))

    labelled = [g for g in groups(root, "period") if len(texts(g)) == 2]
    assert len(labelled) <= charts.MAX_PERIOD_LABELS
    assert len(groups(root, "period")) == 52


def test_no_periods_say_so() -> None:
    assert "No hand-offs in this window." in texts(parse(charts.handoff_periods_svg([], "month")))


def test_a_share_bar_splits_its_width_by_the_counts() -> None:
    shares = [
        charts.Share("kept", "SLA kept", 3, svg.GREEN),
        charts.Share("breached", "SLA breached", 1, svg.RED),
        charts.Share("overdue", "open and overdue", 0, svg.AMBER),
    ]

    root = parse(charts.share_bar_svg(shares, title="Deadlines"))

    parts = groups(root, "share")
    assert [(g.get("data-share"), g.get("data-count")) for g in parts] == [
        ("kept", "3"),
        ("breached", "1"),
    ]
    widths = [float(next(g.iter(f"{SVG}rect")).get("width", "nan")) for g in parts]
    assert widths == pytest.approx([charts.SHARE_W * 0.75, charts.SHARE_W * 0.25])
    assert texts(root, "share-label") == ["3 SLA kept", "1 SLA breached", "0 open and overdue"]
    assert root.get("aria-label") == "Deadlines: 3 SLA kept, 1 SLA breached, 0 open and overdue"
