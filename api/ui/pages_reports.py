"""The reports page: one journey's funnel, its content's effectiveness and what sales did with
its leads, each as a chart with its numbers and a link to the API's CSV.

The numbers come from `api.report_queries` (the code behind `GET /reports/...`), the charts from
the pure `api.ui.charts`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup

from api import journeys as journeys_api
from api import report_queries
from api.deps import SessionDep
from api.ui import charts, svg
from api.ui.rendering import page
from api.ui.report_filters import read_filters

router = APIRouter()
NAV = "reports"


@router.get("/reports")
async def reports_page(
    request: Request,
    session: SessionDep,
    journey: str = "",
    since: str = "",
    until: str = "",
    window: str = "",
    period: str = "",
) -> Response:
    summaries = await journeys_api.list_journeys(session)
    filters = read_filters(
        journey=journey,
        since=since,
        until=until,
        window=window,
        period=period,
        journeys=[summary.id for summary in summaries],
    )
    context: dict[str, Any] = {"journeys": summaries, "filters": filters, "report": None}
    if filters.journey_id is not None:
        window_args = {"since": filters.since_at, "until": filters.until_at}
        funnel = await report_queries.funnel_report(
            session, journey_id=filters.journey_id, **window_args
        )
        content = await report_queries.content_report(
            session, journey_id=filters.journey_id, window_days=filters.window_days, **window_args
        )
        handoffs = await report_queries.handoff_report(
            session, journey_id=filters.journey_id, period=filters.period, **window_args
        )
        stage_names = {stage.stage_id: stage.name for stage in funnel.stages}
        # The charts escape every label they draw, so their SVG is safe to inline as it is.
        sla = [
            charts.Share("kept", "SLA kept", handoffs.sla_kept, charts.SLA_COLOURS["kept"]),
            charts.Share(
                "breached", "SLA breached", handoffs.sla_breached, charts.SLA_COLOURS["breached"]
            ),
            charts.Share(
                "overdue", "open and overdue", handoffs.open_overdue, charts.SLA_COLOURS["overdue"]
            ),
        ]
        context["report"] = {
            "funnel": funnel,
            "content": content,
            "handoffs": handoffs,
            "stage_names": stage_names,
            "sent": sum(line.sent for line in content.items),
            "funnel_svg": Markup(charts.funnel_svg(funnel)),
            "content_svg": Markup(charts.content_svg(content, stage_names=stage_names)),
            "periods_svg": Markup(charts.handoff_periods_svg(handoffs.periods, filters.period)),
            "sla_svg": Markup(charts.share_bar_svg(sla, title="Deadlines of the tasks")),
        }
    return page(
        request,
        "reports.html",
        nav=NAV,
        percent=svg.percent,
        points_difference=svg.points_difference,
        **context,
    )
