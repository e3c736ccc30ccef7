"""The reports as CSV, for a spreadsheet: one header row, then one row per line of the report.

Empty cells stand for "no value" (a rate with nothing to divide by), never for zero.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

from analytics.content import ContentLine, ContentReport
from analytics.funnel import FunnelReport, StageFunnel
from analytics.handoffs import HandoffCounts, HandoffReport

Cell = str | int | float | bool | None
OVERALL = "(overall)"

FUNNEL_COLUMNS: tuple[str, ...] = tuple(StageFunnel.model_fields)
CONTENT_COLUMNS: tuple[str, ...] = tuple(ContentLine.model_fields)
HANDOFF_COLUMNS = ("measure", "outcome", "reason", "value", "period")


def table_csv(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([["" if cell is None else cell for cell in row] for row in rows])
    return out.getvalue()


def funnel_csv(report: FunnelReport) -> str:
    """One row per stage; a last row `(overall)` carries the overall conversion."""
    rows: list[list[Cell]] = [
        [getattr(line, column) for column in FUNNEL_COLUMNS] for line in report.stages
    ]
    overall: dict[str, Cell] = {
        "stage_id": OVERALL,
        "name": "first stage to last",
        "conversion_to_next": report.overall_conversion,
    }
    rows.append([overall.get(column) for column in FUNNEL_COLUMNS])
    return table_csv(FUNNEL_COLUMNS, rows)


def content_csv(report: ContentReport) -> str:
    return table_csv(
        CONTENT_COLUMNS,
        ([getattr(line, column) for column in CONTENT_COLUMNS] for line in report.items),
    )


def handoff_csv(report: HandoffReport) -> str:
    """Long format, one measure a row: the totals (empty `period`), then each period's."""
    rows = list(_measure_rows(report, period=""))
    for line in report.periods:
        rows.extend(_measure_rows(line, period=line.start.isoformat()))
    return table_csv(HANDOFF_COLUMNS, rows)


def _measure_rows(counts: HandoffCounts, *, period: str) -> Iterator[list[Cell]]:
    yield ["handoffs", "", "", counts.handoffs, period]
    yield ["tasks", "", "", counts.tasks, period]
    for outcome, count in sorted(counts.by_outcome.items()):
        yield ["outcome", outcome, "", count, period]
    for item in counts.reasons:
        yield ["reason", item.outcome, item.reason, item.count, period]
    yield ["sla_kept", "", "", counts.sla_kept, period]
    yield ["sla_breached", "", "", counts.sla_breached, period]
    yield ["open_overdue", "", "", counts.open_overdue, period]
    yield ["median_hours_to_first_action", "", "", counts.median_hours_to_first_action, period]
