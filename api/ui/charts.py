"""The reports' charts, drawn on the server as SVG: pure functions of the report models.

Each chart is a string of SVG safe to inline in a page: every label is escaped, the colours are
presentation attributes (the chart looks the same saved on its own), and the elements carry
classes and `data-` attributes so tests and styles can find a stage, an item or a period. The
viewBox is fixed and the page lets it shrink with the card.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

from analytics.content import ContentLine, ContentReport
from analytics.funnel import FunnelReport, StageFunnel
from analytics.handoffs import HandoffPeriod
from analytics.periods import Period
from api.ui.svg import (
    AMBER,
    FUNNEL_SHADES,
    GRAY,
    GREEN,
    GRID,
    INDIGO,
    INDIGO_LIGHT,
    INK,
    MUTED,
    RED,
    TEAL,
    WIDTH,
    fit,
    percent,
    points_difference,
    svg_document,
    svg_rect,
    svg_text,
)

# ------------------------------------------------------------------------------------ funnel

FUNNEL_LABEL_RIGHT = 250
FUNNEL_LEFT, FUNNEL_RIGHT = 266, 846
FUNNEL_BAR_H = 32
FUNNEL_GAP = 28  # between two bars: room for the conversion to the next stage


def funnel_svg(report: FunnelReport) -> str:
    """One horizontal bar per stage, centred so the whole reads as a funnel, its width in
    proportion to the prospects who entered; the conversion between bars, the overall below."""
    stages = report.stages
    widest = max((stage.entered for stage in stages), default=0)
    body: list[str] = []
    y = 8.0
    for index, stage in enumerate(stages):
        body.append(_funnel_bar(stage, index, y, widest))
        y += FUNNEL_BAR_H
        following = stages[index + 1] if index + 1 < len(stages) else None
        if following is not None:
            if stage.conversion_to_next is not None and following.in_current_version:
                words = f"↓ {percent(stage.conversion_to_next)} went on to {following.name}"
                body.append(
                    svg_text(
                        (FUNNEL_LEFT + FUNNEL_RIGHT) / 2,
                        y + FUNNEL_GAP / 2 + 4,
                        words,
                        fill=MUTED,
                        anchor="middle",
                        css="funnel-conversion",
                    )
                )
            y += FUNNEL_GAP
    if not stages:
        body.append(svg_text(WIDTH / 2, y + 16, "This journey has no stages.", fill=MUTED))
        y += 24
    first, last = _ends(stages)
    overall = f"Overall conversion {percent(report.overall_conversion)}"
    if first is not None and last is not None:
        overall += f" ({first.name} → {last.name})"
    y += 30
    body.append(
        svg_text(
            (FUNNEL_LEFT + FUNNEL_RIGHT) / 2,
            y,
            overall,
            size=13,
            anchor="middle",
            weight=650,
            css="funnel-overall",
        )
    )
    label = f"Funnel of {report.journey_id}: " + ", ".join(
        f"{stage.name} {stage.entered}" for stage in stages
    )
    return svg_document("chart-funnel", y + 12, label, body)


def _ends(stages: Sequence[StageFunnel]) -> tuple[StageFunnel | None, StageFunnel | None]:
    current = [stage for stage in stages if stage.in_current_version]
    return (current[0], current[-1]) if current else (None, None)


def _funnel_bar(stage: StageFunnel, index: int, y: float, widest: int) -> str:
    room = FUNNEL_RIGHT - FUNNEL_LEFT
    width = room * stage.entered / widest if widest else 0.0
    if stage.entered:
        width = max(width, 6.0)  # one prospect of thousands is still visible
    centre = (FUNNEL_LEFT + FUNNEL_RIGHT) / 2
    colour = FUNNEL_SHADES[min(index, len(FUNNEL_SHADES) - 1)]
    name = stage.name if stage.in_current_version else f"{stage.name} (removed)"
    parts = [
        svg_rect(FUNNEL_LEFT, y, room, FUNNEL_BAR_H, "#f2f4f7", rx=6),
        svg_rect(
            centre - width / 2,
            y,
            width,
            FUNNEL_BAR_H,
            colour if stage.in_current_version else GRAY,
            rx=6,
            css="funnel-bar",
        ),
        svg_text(
            FUNNEL_LABEL_RIGHT,
            y + FUNNEL_BAR_H / 2 + 4.5,
            fit(name, FUNNEL_LABEL_RIGHT - 8),
            size=13,
            anchor="end",
            weight=600,
            fill=INK if stage.in_current_version else MUTED,
            css="funnel-name",
        ),
        svg_text(
            FUNNEL_RIGHT + 14,
            y + FUNNEL_BAR_H / 2 + 5,
            f"{stage.entered:,} entered",
            size=13,
            weight=650,
            css="funnel-count",
        ),
    ]
    return (
        f'<g class="funnel-stage" data-stage="{escape(stage.stage_id)}" '
        f'data-entered="{stage.entered}"><title>{escape(_stage_hint(stage))}</title>'
        f"{''.join(parts)}</g>"
    )


def _stage_hint(stage: StageFunnel) -> str:
    return (
        f"{stage.name}: {stage.entered} entered, {stage.forward} moved forward, "
        f"{stage.skipped} skipped it, {stage.back} went back, {stage.left} left"
    )


# ------------------------------------------------------------------------------------ content

CONTENT_LABEL_W = 300
BAR_LEFT, BAR_RIGHT = 320, 810
CONTENT_ROW_H = 50
CONTENT_TOP = 52  # the legend and the axis labels


@dataclass(frozen=True)
class _Swatch:
    colour: str
    words: str
    height: float = 10


def content_svg(report: ContentReport, *, stage_names: dict[str, str] | None = None) -> str:
    """Per content item: the share of its sends followed by a move forward within the report's
    window (a bar, green above its stage's baseline, amber below), the baseline (a dark tick)
    and the share opened through the tracked link (a thin bar)."""
    names = stage_names or {}
    body = [_content_legend(report.window_days), *_content_axis(len(report.items))]
    y = float(CONTENT_TOP)
    for line in report.items:
        body.append(_content_row(line, y, names))
        y += CONTENT_ROW_H
    if not report.items:
        body.append(svg_text(WIDTH / 2, y + 20, "This journey has no content.", fill=MUTED))
        y += 32
    label = f"Content effectiveness of {report.journey_id}: " + ", ".join(
        f"{line.title or line.content_id} {percent(line.forward_rate)} moved forward"
        for line in report.items
    )
    return svg_document("chart-content", y + 8, label, body)


def _content_legend(window_days: int) -> str:
    swatches = (
        _Swatch(INDIGO, f"moved forward within {window_days} days of the send"),
        _Swatch(INDIGO_LIGHT, "clicked the tracked link", height=5),
        _Swatch(INK, "stage baseline"),
    )
    parts: list[str] = []
    x = 0.0
    for swatch in swatches:
        width = 3.0 if swatch.colour == INK else 14.0
        parts.append(svg_rect(x, 10 - swatch.height / 2, width, swatch.height, swatch.colour, rx=2))
        parts.append(svg_text(x + width + 6, 14, swatch.words, size=11.5, fill=MUTED))
        x += width + 6 + len(swatch.words) * 6.2 + 18
    return f'<g class="chart-legend">{"".join(parts)}</g>'


def _content_axis(rows: int) -> list[str]:
    bottom = CONTENT_TOP + rows * CONTENT_ROW_H - 6
    parts = []
    for step in range(5):
        x = BAR_LEFT + (BAR_RIGHT - BAR_LEFT) * step / 4
        parts.append(
            f'<line x1="{x:.1f}" y1="{CONTENT_TOP - 12}" x2="{x:.1f}" y2="{bottom:.1f}" '
            f'stroke="{GRID}"/>'
        )
        parts.append(
            svg_text(x, CONTENT_TOP - 18, f"{step * 25} %", size=11, fill=MUTED, anchor="middle")
        )
    return parts


def _content_row(line: ContentLine, y: float, stage_names: dict[str, str]) -> str:
    room = BAR_RIGHT - BAR_LEFT
    stage = stage_names.get(line.stage or "", line.stage or "no stage")
    clicks = f"{line.clicked:,} click{'s' if line.clicked != 1 else ''}"
    sub = f"{stage} · {line.sent:,} sent · {clicks}" if line.sent else f"{stage} · not sent yet"
    parts = [
        svg_text(
            0,
            y + 14,
            fit(line.title or line.content_id, CONTENT_LABEL_W),
            size=13,
            weight=600,
            css="content-title",
        ),
        svg_text(0, y + 31, fit(sub, CONTENT_LABEL_W), size=11.5, fill=MUTED, css="content-sub"),
        svg_rect(BAR_LEFT, y + 4, room, 16, "#f2f4f7", rx=4),
    ]
    if line.forward_rate is not None:
        colour = INDIGO
        if line.lift is not None and line.lift > 0:
            colour = GREEN
        elif line.lift is not None and line.lift < 0:
            colour = AMBER
        parts.append(svg_rect(BAR_LEFT, y + 4, room * line.forward_rate, 16, colour, rx=4))
    if line.click_rate is not None:
        parts.append(svg_rect(BAR_LEFT, y + 24, room * line.click_rate, 5, INDIGO_LIGHT, rx=2))
    if line.stage_baseline_rate is not None:
        x = BAR_LEFT + room * line.stage_baseline_rate
        parts.append(svg_rect(x - 1.5, y, 3, 24, INK, rx=1, css="content-baseline"))
    verdict = percent(line.forward_rate)
    parts.append(
        svg_text(
            BAR_RIGHT + 14, y + 16, f"{verdict} moved on", size=13, weight=650, css="content-rate"
        )
    )
    if line.lift is not None:
        versus = f"{points_difference(line.lift)} vs stage"
        parts.append(svg_text(BAR_RIGHT + 14, y + 31, versus, size=11.5, fill=MUTED))
    return (
        f'<g class="content-item" data-content="{escape(line.content_id)}" '
        f'data-sent="{line.sent}" data-clicked="{line.clicked}">'
        f"<title>{escape(_content_hint(line))}</title>{''.join(parts)}</g>"
    )


def _content_hint(line: ContentLine) -> str:
    return (
        f"{line.title or line.content_id}: {line.sent} sent, {line.clicked} clicked "
        f"({percent(line.click_rate)}), {line.moved_forward_within_window} moved forward "
        f"({percent(line.forward_rate)}; stage baseline {percent(line.stage_baseline_rate)})"
    )


# ------------------------------------------------------------------------------------ hand-offs

COLUMNS_H = 200
COLUMNS_LEFT, COLUMNS_RIGHT = 36, WIDTH - 8
COLUMNS_TOP, COLUMNS_BOTTOM = 22, 168
MAX_PERIOD_LABELS = 14


def period_label(start: date, period: Period) -> str:
    """A week by its Monday ('9 Mar'), a month by its name ('Mar 2026')."""
    return f"{start.day} {start:%b}" if period == "week" else f"{start:%b %Y}"


def handoff_periods_svg(periods: Sequence[HandoffPeriod], period: Period) -> str:
    """Hand-offs per week or month as columns, each with its count; empty periods are shown."""
    if not periods:
        body = [
            svg_text(WIDTH / 2, 50, "No hand-offs in this window.", fill=MUTED, anchor="middle")
        ]
        return svg_document("chart-periods", 80, "No hand-offs in this window", body)
    highest = max(max(item.handoffs for item in periods), 1)
    slot = (COLUMNS_RIGHT - COLUMNS_LEFT) / len(periods)
    bar_w = min(44.0, slot * 0.64)
    every = -(-len(periods) // MAX_PERIOD_LABELS)  # label every n-th period when there are many
    height = COLUMNS_BOTTOM - COLUMNS_TOP
    body = [
        f'<line x1="{COLUMNS_LEFT}" y1="{COLUMNS_BOTTOM}" x2="{COLUMNS_RIGHT}" '
        f'y2="{COLUMNS_BOTTOM}" stroke="{GRID}"/>'
    ]
    for index, item in enumerate(periods):
        x = COLUMNS_LEFT + slot * index + (slot - bar_w) / 2
        bar_h = height * item.handoffs / highest
        label = period_label(item.start, period)
        parts = [
            svg_rect(x, COLUMNS_BOTTOM - bar_h, bar_w, bar_h, TEAL, rx=4, css="period-bar"),
            svg_text(
                x + bar_w / 2,
                COLUMNS_BOTTOM - bar_h - 6,
                str(item.handoffs),
                size=12,
                weight=650,
                anchor="middle",
                css="period-count",
            ),
        ]
        if index % every == 0:
            parts.append(
                svg_text(
                    x + bar_w / 2, COLUMNS_BOTTOM + 18, label, size=11, fill=MUTED, anchor="middle"
                )
            )
        body.append(
            f'<g class="period" data-start="{item.start.isoformat()}" '
            f'data-handoffs="{item.handoffs}"><title>{escape(_period_hint(item, label))}</title>'
            f"{''.join(parts)}</g>"
        )
    label = f"Hand-offs per {period}: " + ", ".join(
        f"{period_label(item.start, period)} {item.handoffs}" for item in periods
    )
    return svg_document("chart-periods", COLUMNS_H, label, body)


def _period_hint(item: HandoffPeriod, label: str) -> str:
    return (
        f"{label}: {item.handoffs} hand-offs, {item.tasks} tasks in all; SLA kept "
        f"{item.sla_kept}, breached {item.sla_breached}"
    )


# ------------------------------------------------------------------------------------ shares


@dataclass(frozen=True)
class Share:
    key: str
    label: str
    count: int
    colour: str


SLA_COLOURS = {"kept": GREEN, "breached": RED, "overdue": AMBER}
SHARE_H = 58
SHARE_W = 460  # beside another column, not across the card


def share_bar_svg(shares: Sequence[Share], *, title: str, width: float = SHARE_W) -> str:
    """One bar split in proportion to the counts (e.g. SLA kept / breached / overdue), with each
    part's count and label beneath."""
    total = sum(share.count for share in shares)
    room = float(width)
    body: list[str] = []
    if total == 0:
        body.append(svg_rect(0, 0, room, 18, "#f2f4f7", rx=6))
    x = 0.0
    for share in shares:
        part = room * share.count / total if total else 0.0
        if part:
            body.append(
                f'<g class="share" data-share="{escape(share.key)}" data-count="{share.count}">'
                f"{svg_rect(x, 0, part, 18, share.colour)}</g>"
            )
        x += part
    x = 0.0
    for share in shares:
        words = f"{share.count:,} {share.label}"
        body.append(svg_rect(x, 34, 10, 10, share.colour, rx=2))
        body.append(svg_text(x + 16, 43, words, size=12.5, css="share-label"))
        x += 16 + len(words) * 6.6 + 22
    label = f"{title}: " + ", ".join(f"{share.count} {share.label}" for share in shares)
    return svg_document("chart-share", SHARE_H, label, body, width=width)
