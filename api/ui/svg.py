"""The drawing kit of the reports' charts: colours, number formats and escaped SVG elements.

Pure string building; `api.ui.charts` draws the charts with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

WIDTH = 1000  # the widest a card shows at 1280 px; narrower screens scale the chart down
NOTHING = "\N{EN DASH}"  # a rate of nothing counted: not 0 %
MINUS = "\N{MINUS SIGN}"
CHAR_W = 6.9  # a conservative average width of one character at 12-13 px

INK = "#1d2433"
MUTED = "#667085"
GRID = "#e4e7ec"
INDIGO = "#4f46e5"
INDIGO_LIGHT = "#c7d2fe"
GREEN = "#12b76a"
AMBER = "#f79009"
RED = "#f04438"
TEAL = "#0d9488"
GRAY = "#98a2b3"
# The funnel darkens towards its narrow end, one shade per stage (the last shade repeats).
FUNNEL_SHADES = ("#a5b4fc", "#818cf8", "#6366f1", "#4f46e5", "#4338ca", "#3730a3")


def percent(rate: float | None) -> str:
    """0.5 → '50 %', 0.0833 → '8.3 %', None → an en dash (nothing was counted)."""
    if rate is None:
        return NOTHING
    return f"{rate * 100:.1f}".removesuffix(".0") + " %"


def points_difference(lift: float | None) -> str:
    """A rate difference in percentage points: 0.125 → '+12.5 pp', -0.1 → '-10 pp' (with a
    true minus sign), 0 → '±0 pp', None → an en dash."""
    if lift is None:
        return NOTHING
    value = f"{abs(lift) * 100:.1f}".removesuffix(".0")
    sign = "±" if value == "0" else "+" if lift > 0 else MINUS
    return f"{sign}{value} pp"


def fit(text: str, width: float) -> str:
    """`text` shortened with an ellipsis to about `width` pixels."""
    room = max(4, int(width / CHAR_W))
    return text if len(text) <= room else text[: room - 1].rstrip() + "…"


def svg_text(
    x: float,
    y: float,
    content: str,
    *,
    size: float = 12,
    fill: str = INK,
    anchor: str = "start",
    weight: int = 400,
    css: str = "",
) -> str:
    css_attr = f' class="{css}"' if css else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{fill}" '
        f'text-anchor="{anchor}" font-weight="{weight}"{css_attr}>{escape(content)}</text>'
    )


def svg_rect(
    x: float, y: float, width: float, height: float, fill: str, *, rx: float = 0, css: str = ""
) -> str:
    rounded = f' rx="{rx:g}"' if rx else ""
    css_attr = f' class="{css}"' if css else ""
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(width, 0):.1f}" height="{height:.1f}" '
        f'fill="{fill}"{rounded}{css_attr}/>'
    )


def svg_document(
    css: str, height: float, label: str, body: Sequence[str], *, width: float = WIDTH
) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {css}" role="img" '
        f'aria-label="{escape(label)}" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="system-ui, -apple-system, '
        f"'Segoe UI', Roboto, 'Liberation Sans', 'DejaVu Sans', sans-serif\">"
        f"<title>{escape(label)}</title>{''.join(body)}</svg>"
    )
