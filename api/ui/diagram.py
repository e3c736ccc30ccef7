"""A journey drawn as SVG: stages left to right, their sequences inside, rules as arrows.

`journey_svg(definition)` is a pure function of the definition. Stages are boxes in funnel order
with their points band and their sequence's steps; forward moves are arrows above the boxes,
backward moves arrows below in another colour, hand-offs arrows to a "Sales" box on the right,
each labelled with its rules' ids. Goals sit in their own box. Arrows that share lanes never
overlap: each lane holds spans that do not overlap, and the ports on a box edge are ordered so
that nested arrows do not cross.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from api.ui.journey_graph import SALES, Link, links
from api.ui.rule_words import Words, step_parts, then_words
from definitions.model import JourneyDefinition

PAD = 12
BOX_W = 196
GAP = 48
SALES_W = 156
GOALS_W = 230
HEADER_H = 56
STEP_H = 19
EDGE_CLEARANCE = 14  # the visible stub of an arrow between a box and its lane
LABEL_LINE_H = 14
CHAR_W = 7.2  # a conservative average width of one character at the diagram's text sizes
PORT_MARGIN = 18

_STYLE = """
text { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Liberation Sans",
  "DejaVu Sans", sans-serif; fill: #1f2937; }
.box { fill: #ffffff; stroke: #cbd5e1; stroke-width: 1.2; }
.box-accent { fill: #6366f1; }
.sales .box { fill: #f0fdfa; stroke: #5eead4; }
.sales .box-accent { fill: #0d9488; }
.goals .box { fill: #fffbeb; stroke: #fcd34d; }
.goals .box-accent { fill: #d97706; }
.name { font-size: 15px; font-weight: 650; }
.sub { font-size: 11.5px; fill: #64748b; }
.rule-line { stroke: #e2e8f0; }
.step { font-size: 12px; fill: #334155; }
.step-kind { font-weight: 650; fill: #6366f1; }
.then { font-size: 11.5px; fill: #64748b; font-style: italic; }
.link path { fill: none; stroke-width: 1.8; stroke-linejoin: round; }
.link-forward path { stroke: #4f46e5; }
.link-backward path { stroke: #d97706; stroke-dasharray: 5 3; }
.link-handoff path { stroke: #0d9488; }
.link-forward circle { fill: #4f46e5; }
.link-backward circle { fill: #d97706; }
.link-handoff circle { fill: #0d9488; }
.label-bg { fill: #ffffff; opacity: 0.92; }
.label { font-size: 11.5px; font-weight: 600; }
.link-forward .label { fill: #3730a3; }
.link-backward .label { fill: #92400e; }
.link-handoff .label { fill: #115e59; }
"""
_COLOURS = {"forward": "#4f46e5", "backward": "#d97706", "handoff": "#0d9488"}


@dataclass(frozen=True)
class _Box:
    x: float
    width: float


@dataclass(eq=False)  # compared and hashed by identity: a key for its ports
class _Placed:
    link: Link
    low: int
    high: int
    lane: int = 0
    y: float = 0.0
    label_lines: tuple[str, ...] = ()


def _fit(text: str, width: float) -> str:
    room = max(4, int(width / CHAR_W))
    return text if len(text) <= room else text[: room - 1] + "…"


def _wrap(words: list[str], width: float) -> tuple[str, ...]:
    """Rule ids joined with commas, broken into lines that fit `width`."""
    lines: list[str] = []
    for word in words:
        if lines and (len(lines[-1]) + 2 + len(word)) * CHAR_W <= width:
            lines[-1] = f"{lines[-1]}, {word}"
        else:
            lines.append(word)
    return tuple(lines)


def _box_height(lines: int) -> float:
    return HEADER_H + 12 + max(1, lines) * STEP_H + 6


def _assign_lanes(placed: list[_Placed]) -> None:
    """Shortest spans nearest the boxes; spans in one lane touch at most at their ends."""
    lanes: list[list[_Placed]] = []
    for item in sorted(placed, key=lambda p: (p.high - p.low, p.low)):
        for index, lane in enumerate(lanes):
            if all(max(item.low, o.low) >= min(item.high, o.high) for o in lane):
                lane.append(item)
                item.lane = index
                break
        else:
            item.lane = len(lanes)
            lanes.append([item])


def _port_order(item: _Placed, box: int) -> tuple[int, int]:
    # Arrows leaving to the left take the left of the edge, inner (low) lanes outermost; arrows
    # leaving to the right take the right, inner lanes outermost: nested arrows never cross.
    if item.high <= box:
        return (0, item.lane)
    if item.low >= box:
        return (2, -item.lane)
    return (1, item.lane)


class _Layout:
    def __init__(self, definition: JourneyDefinition) -> None:
        self.definition = definition
        self.words = Words(definition)
        self.links = links(definition)
        count = len(definition.stages)
        self.has_sales = any(link.kind == "handoff" for link in self.links)
        self.boxes: list[_Box] = [_Box(PAD + i * (BOX_W + GAP), BOX_W) for i in range(count)]
        if self.has_sales:
            self.boxes.append(_Box(PAD + count * (BOX_W + GAP), SALES_W))
        self.index = {stage.id: i for i, stage in enumerate(definition.stages)}
        self.index[SALES] = count
        self.goals_x = self.boxes[-1].x + self.boxes[-1].width + GAP
        steps = [len(sequence.steps) + 1 for sequence in definition.sequences.values()] or [1]
        self.box_h = _box_height(max(steps))
        self.above = [self._place(link) for link in self.links if link.kind != "backward"]
        self.below = [self._place(link) for link in self.links if link.kind == "backward"]
        self.above_h = self._stack(self.above)
        self.top = PAD + self.above_h
        self.below_h = self._stack(self.below)
        self._set_lane_y(self.above, self.top, -1)
        self._set_lane_y(self.below, self.top + self.box_h, 1)
        right = self.goals_x + GOALS_W if self.definition.goals else self.goals_x - GAP
        self.width = right + PAD
        queues = len(definition.sales.queues) if self.has_sales else 0
        side_h = _box_height(max(queues, 2 * len(definition.goals)))
        self.height = self.top + max(self.box_h + self.below_h, side_h) + PAD

    def _place(self, link: Link) -> _Placed:
        ends = [self.index[s] for s in link.sources] + [self.index[link.target]]
        item = _Placed(link, min(ends), max(ends))
        # The horizontal runs at least from the low box's right end to the high box's left end.
        low, high = self.boxes[item.low], self.boxes[item.high]
        span = high.x - (low.x + low.width) + 2 * PORT_MARGIN + 20
        item.label_lines = _wrap(link.rules, max(90.0, span))
        return item

    def _lane_heights(self, placed: list[_Placed]) -> list[float]:
        heights: list[float] = []
        for item in placed:
            while len(heights) <= item.lane:
                heights.append(0.0)
            heights[item.lane] = max(heights[item.lane], len(item.label_lines) * LABEL_LINE_H + 12)
        return heights

    def _stack(self, placed: list[_Placed]) -> float:
        if not placed:
            return 0.0
        _assign_lanes(placed)
        return EDGE_CLEARANCE + sum(self._lane_heights(placed))

    def _set_lane_y(self, placed: list[_Placed], edge: float, direction: int) -> None:
        heights = self._lane_heights(placed)
        for item in placed:
            offset = EDGE_CLEARANCE + sum(heights[: item.lane]) + heights[item.lane] / 2
            item.y = edge + direction * offset

    def ports(self, placed: list[_Placed]) -> dict[tuple[_Placed, int], float]:
        """(placed link, box) -> x of its port on that box's edge."""
        at_box: dict[int, list[_Placed]] = {}
        for item in placed:
            for box in {self.index[s] for s in item.link.sources} | {self.index[item.link.target]}:
                at_box.setdefault(box, []).append(item)
        ports: dict[tuple[_Placed, int], float] = {}
        for box, items in at_box.items():
            ordered = sorted(items, key=lambda item: _port_order(item, box))
            usable = self.boxes[box].width - 2 * PORT_MARGIN
            for position, item in enumerate(ordered):
                x = self.boxes[box].x + PORT_MARGIN + (position + 0.5) * usable / len(ordered)
                ports[(item, box)] = round(x, 1)
        return ports


def _text(x: float, y: float, css: str, content: str, *, anchor: str = "start") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" class="{css}" text-anchor="{anchor}">{content}</text>'


def _stage_box(layout: _Layout, index: int) -> str:
    stage = layout.definition.stages[index]
    box = layout.boxes[index]
    x, y, inner = box.x, layout.top, box.width - 28
    items = sum(1 for item in layout.definition.content if item.stage == stage.id)
    low, high = stage.points
    band = f"{low:,}\N{EN DASH}{high:,} pts" if high != low else f"{low:,} pts"
    # The id is shown when the name does not already say it (ids are what rules refer to).
    named_as_id = (stage.name or stage.id).lower() == stage.id
    count = f"{items} item" + ("" if items == 1 else "s") if items else None
    sub = " · ".join(part for part in (None if named_as_id else stage.id, band, count) if part)
    parts = [
        f'<g class="stage" data-stage="{escape(stage.id)}">',
        f"<title>{escape(stage.name or stage.id)}: {escape(sub)}</title>",
        f'<rect class="box" x="{x}" y="{y}" width="{box.width}" height="{layout.box_h}" rx="10"/>',
        f'<rect class="box-accent" x="{x + 10}" y="{y}" width="{box.width - 20}" height="3"/>',
        _text(x + 14, y + 24, "name", escape(_fit(stage.name or stage.id, inner))),
        _text(x + 14, y + 42, "sub", escape(_fit(sub, inner))),
        f'<line class="rule-line" x1="{x + 12}" x2="{x + box.width - 12}" '
        f'y1="{y + HEADER_H}" y2="{y + HEADER_H}"/>',
    ]
    sequence = layout.definition.sequences.get(stage.id)
    line_y = y + HEADER_H + 20
    if sequence is None:
        parts.append(_text(x + 14, line_y, "then", "no sequence: waits for events"))
    else:
        for step in sequence.steps:
            kind, what = step_parts(step)
            room = inner - (len(kind) + 1) * CHAR_W
            parts.append(
                f'<text x="{x + 14}" y="{line_y}" class="step"><title>{escape(kind)} '
                f'{escape(what)}</title><tspan class="step-kind">{escape(kind)}</tspan> '
                f"{escape(_fit(what, room))}</text>"
            )
            line_y += STEP_H
        then = then_words(sequence)
        parts.append(
            f'<text x="{x + 14}" y="{line_y}" class="then"><title>{escape(then)}</title>'
            f"{escape(_fit(then, inner))}</text>"
        )
    parts.append("</g>")
    return "".join(parts)


def _side_box(
    layout: _Layout, x: float, width: float, css: str, title: str, sub: str, lines: list[str]
) -> str:
    y, inner = layout.top, width - 28
    parts = [
        f'<g class="{css}">',
        f'<rect class="box" x="{x}" y="{y}" width="{width}" height="{_box_height(len(lines))}" '
        'rx="10"/>',
        f'<rect class="box-accent" x="{x + 10}" y="{y}" width="{width - 20}" height="3"/>',
        _text(x + 14, y + 24, "name", escape(title)),
        _text(x + 14, y + 42, "sub", escape(_fit(sub, inner))),
        f'<line class="rule-line" x1="{x + 12}" x2="{x + width - 12}" '
        f'y1="{y + HEADER_H}" y2="{y + HEADER_H}"/>',
    ]
    for offset, line in enumerate(lines):
        parts.append(
            f'<text x="{x + 14}" y="{y + HEADER_H + 20 + offset * STEP_H}" class="step">'
            f"<title>{escape(line)}</title>{escape(_fit(line, inner))}</text>"
        )
    parts.append("</g>")
    return "".join(parts)


def _sales_box(layout: _Layout) -> str:
    box = layout.boxes[-1]
    queues = [f"{queue.id} ({len(queue.members)})" for queue in layout.definition.sales.queues] or [
        "the sales inbox"
    ]
    return _side_box(layout, box.x, box.width, "sales", "Sales", "queues (people)", queues)


def _goals_box(layout: _Layout) -> str:
    lines: list[str] = []
    for goal in layout.definition.goals:
        words = layout.words.goal(goal)
        lines += [f"{words.id}: {words.when}", f"→ {words.then}"]
    return _side_box(
        layout, layout.goals_x, GOALS_W, "goals", "Goals", "checked wherever they are", lines
    )


def _link(layout: _Layout, item: _Placed, ports: dict[tuple[_Placed, int], float]) -> str:
    link, down = item.link, item.link.kind == "backward"
    edge = layout.top + layout.box_h if down else layout.top
    tip = edge + (4 if down else -4)  # leave room for the arrowhead
    target_box = layout.index[link.target]
    xs = [ports[(item, layout.index[s])] for s in link.sources]
    target_x = ports[(item, target_box)]
    segments = [f"M{x},{edge} V{item.y:.1f}" for x in xs]
    left, right = min([*xs, target_x]), max([*xs, target_x])
    segments.append(f"M{left},{item.y:.1f} H{right}")
    segments.append(f"M{target_x},{item.y:.1f} V{tip}")
    names = " ".join(link.rules)
    sources = ", ".join(layout.words.stage(s) for s in link.sources)
    target = "Sales" if link.target == SALES else layout.words.stage(link.target)
    parts = [
        f'<g class="link link-{link.kind}" data-rules="{escape(names)}" '
        f'data-target="{escape(link.target)}" data-sources="{escape(" ".join(link.sources))}">',
        f"<title>{escape(', '.join(link.rules))}: {escape(sources)} → {escape(target)}</title>",
        f'<path d="{" ".join(segments)}" marker-end="url(#arrow-{link.kind})"/>',
        *(f'<circle cx="{x}" cy="{edge}" r="3"/>' for x in xs),
    ]
    width = max(len(line) for line in item.label_lines) * CHAR_W + 12
    height = len(item.label_lines) * LABEL_LINE_H + 4
    centre = (left + right) / 2
    parts.append(
        f'<rect class="label-bg" x="{centre - width / 2:.1f}" y="{item.y - height / 2:.1f}" '
        f'width="{width:.1f}" height="{height}" rx="4"/>'
    )
    first = item.y - (len(item.label_lines) - 1) * LABEL_LINE_H / 2 + 4
    for offset, line in enumerate(item.label_lines):
        parts.append(
            _text(centre, first + offset * LABEL_LINE_H, "label", escape(line), anchor="middle")
        )
    parts.append("</g>")
    return "".join(parts)


def _markers() -> str:
    return "".join(
        f'<marker id="arrow-{kind}" viewBox="0 0 10 10" refX="8" refY="5" markerWidth="7" '
        f'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        f'fill="{colour}"/></marker>'
        for kind, colour in _COLOURS.items()
    )


def journey_svg(definition: JourneyDefinition) -> str:
    """The journey as a self-contained SVG document fragment (safe to inline in HTML)."""
    layout = _Layout(definition)
    ports = layout.ports(layout.above) | layout.ports(layout.below)
    body = [_stage_box(layout, i) for i in range(len(definition.stages))]
    if layout.has_sales:
        body.append(_sales_box(layout))
    if definition.goals:
        body.append(_goals_box(layout))
    body += [_link(layout, item, ports) for item in [*layout.above, *layout.below]]
    label = f"Journey diagram of {definition.name}: " + " → ".join(
        stage.name or stage.id for stage in definition.stages
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="journey-diagram" role="img" '
        f'aria-label="{escape(label)}" width="{layout.width:.0f}" height="{layout.height:.0f}" '
        f'viewBox="0 0 {layout.width:.0f} {layout.height:.0f}">'
        f"<style>{_STYLE}</style><defs>{_markers()}</defs>{''.join(body)}</svg>"
    )
