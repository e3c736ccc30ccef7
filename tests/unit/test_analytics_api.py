"""GET /reports/funnel, /reports/content and /reports/handoffs over rows seeded in a real SQLite
database: JSON, CSV, and the filters refused at the door. No Temporal: reports only read rows."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import pytest_asyncio

from api.app import create_app
from api.publishing import publish
from nurture.db import Database
from nurture.settings import Settings
from nurture.tables import Enrollment, EventRecord, SalesTask, SentEmail
from tests.fixtures.auth import admin_headers
from tests.fixtures.temporal import no_temporal
from tests.unit.journey_helpers import small_journey

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
DAY = timedelta(days=1)
JOURNEY = "small"  # stages a, b, c; content a1, a2 (a), b1 (b), c1, c2 (c)


def at(days: float) -> datetime:
    return START + days * DAY


def _enrollment(
    prospect_id: str, *steps: tuple[str, float], ended: float | None = None
) -> Enrollment:
    history = [
        {"stage": stage, "entered_at": at(days).isoformat(), "reason": "test"}
        for stage, days in steps
    ]
    return Enrollment(
        workflow_id=f"{JOURNEY}:{prospect_id}",
        prospect_id=prospect_id,
        journey_id=JOURNEY,
        version=1,
        stage=steps[-1][0],
        status="completed" if ended is not None else "active",
        enrolled_at=at(steps[0][1]),
        ended_at=at(ended) if ended is not None else None,
        state={"stage_history": history},
    )


def _sent(content_id: str, prospect_id: str, days: float) -> SentEmail:
    key = f"{prospect_id}:{content_id}:{days}"
    return SentEmail(
        key=key,
        message_id=f"<{key}@test>",
        workflow_id=f"{JOURNEY}:{prospect_id}",
        prospect_id=prospect_id,
        journey_id=JOURNEY,
        content_id=content_id,
        to_address=f"{prospect_id}@example.com",
        subject=content_id,
        reason="test",
        sent_at=at(days),
    )


def _click(content_id: str, prospect_id: str, days: float, prefix: str = "click:") -> EventRecord:
    return EventRecord(
        id=f"{prefix}{prospect_id}-{content_id}-{days}",
        prospect_id=prospect_id,
        type="content_consumed",
        occurred_at=at(days),
        data={"content_id": content_id},
    )


def _task(task_id: str, days: float, **fields: Any) -> SalesTask:
    return SalesTask(
        id=task_id,
        key=task_id,
        workflow_id=f"{JOURNEY}:p1",
        prospect_id="p1",
        journey_id=JOURNEY,
        title="Call them",
        reason="test",
        created_at=at(days),
        **{"kind": "handoff", **fields},
    )


@pytest_asyncio.fixture
async def client(settings: Settings, database: Database) -> AsyncIterator[httpx.AsyncClient]:
    await publish(database, definition=small_journey(), source="test")
    async with database.session() as session:
        session.add_all(
            [
                _enrollment("p1", ("a", 0), ("b", 2), ("c", 4), ended=6),
                _enrollment("p2", ("a", 0), ("c", 3)),  # skips b
                _enrollment("p3", ("a", 1), ("b", 2), ("a", 5)),  # goes back
                _enrollment("p4", ("a", 10)),  # after the window used below
                _sent("a1", "p1", 0),
                _sent("a1", "p2", 0),
                _sent("a1", "p3", 1),
                _sent("b1", "p1", 2),
                _sent("b1", "p3", 2),
                _click("a1", "p1", 0.5),
                _click("a1", "p2", 0.5, prefix="webhook:"),  # consumed, not a tracked click
                _click("b1", "p3", 3),
                _task("t1", 0, due_at=at(1), first_action_at=at(0.5), outcome="won"),
                _task("t2", 8, due_at=at(9), sla_breached=True),
                _task("t3", 8, kind="task", outcome="disqualified", outcome_reason="no budget"),
            ]
        )
        await session.commit()
    app = create_app(settings=settings, db=database, temporal=no_temporal())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers=admin_headers(settings)
    ) as client:
        yield client


WINDOW = {"journey_id": JOURNEY, "since": START.isoformat(), "until": at(7).isoformat()}


async def test_the_funnel_counts_each_stage_in_the_newest_versions_order(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/reports/funnel", params=WINDOW)

    assert response.status_code == 200
    funnel = response.json()
    lines = {line["stage_id"]: line for line in funnel["stages"]}
    assert [line["stage_id"] for line in funnel["stages"]] == ["a", "b", "c"]
    assert {stage: line["entered"] for stage, line in lines.items()} == {"a": 3, "b": 2, "c": 2}
    assert (lines["a"]["forward"], lines["b"]["skipped"], lines["b"]["back"]) == (3, 1, 1)
    assert (lines["c"]["left"], lines["c"]["median_days_in_stage"]) == (1, 2.0)
    assert [line["conversion_to_next"] for line in funnel["stages"]] == [0.6667, 1.0, None]
    assert (funnel["overall_conversion"], funnel["prospects"], funnel["version"]) == (
        0.6667,
        3,
        1,
    )
    everything = (await client.get("/reports/funnel", params={"journey_id": JOURNEY})).json()
    assert everything["stages"][0]["entered"] == 4


async def test_the_funnel_as_csv_has_a_row_per_stage_and_the_overall_conversion(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/reports/funnel", params={**WINDOW, "format": "csv"})

    assert response.headers["content-type"].startswith("text/csv")
    assert response.text.splitlines() == [
        "stage_id,name,in_current_version,entered,forward,skipped,back,left,"
        "conversion_to_next,median_days_in_stage",
        "a,a,True,3,3,0,0,0,0.6667,2.0",
        "b,b,True,2,1,1,1,0,1.0,2.5",
        "c,c,True,2,0,0,0,1,,2.0",
        "(overall),first stage to last,,,,,,,0.6667,",
    ]


async def test_content_counts_sends_tracked_clicks_and_moves_forward_against_the_baseline(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/reports/content", params={**WINDOW, "window_days": 3})

    assert response.status_code == 200
    report = response.json()
    assert report["window_days"] == 3
    lines = {line["content_id"]: line for line in report["items"]}
    assert list(lines) == ["a1", "a2", "b1", "c1", "c2"]
    a1, b1 = lines["a1"], lines["b1"]
    assert (a1["title"], a1["stage"], a1["sent"], a1["clicked"]) == ("A1", "a", 3, 1)
    # p1 moved on day 2, p2 on day 3 (both within 3 days of day 0); p3 on day 2 (1 day after).
    assert (a1["moved_forward_within_window"], a1["forward_rate"]) == (3, 1.0)
    assert (b1["sent"], b1["clicked"], b1["click_rate"]) == (2, 1, 0.5)
    # p1 moved on from b two days after b1; p3 went back.
    assert (b1["moved_forward_within_window"], b1["stage_baseline_rate"], b1["lift"]) == (
        1,
        0.5,
        0.0,
    )
    assert lines["a2"]["sent"] == 0 and lines["a2"]["forward_rate"] is None
    assert lines["a2"]["stage_baseline_rate"] == 1.0

    csv = await client.get("/reports/content", params={**WINDOW, "format": "csv"})
    assert csv.text.splitlines()[0] == (
        "content_id,title,stage,sent,clicked,click_rate,moved_forward_within_window,"
        "forward_rate,stage_baseline_rate,lift"
    )
    assert csv.text.splitlines()[2] == "a2,A2,a,0,0,,0,,1.0,"


async def test_handoffs_keep_their_totals_and_add_a_breakdown_per_week(
    client: httpx.AsyncClient,
) -> None:
    params = {"journey_id": JOURNEY, "period": "week"}

    report = (await client.get("/reports/handoffs", params=params)).json()
    csv = await client.get("/reports/handoffs", params={**params, "format": "csv"})

    assert (report["handoffs"], report["tasks"]) == (2, 3)
    assert report["by_outcome"] == {"won": 1, "none yet": 1, "disqualified": 1}
    assert report["reasons"] == [{"outcome": "disqualified", "reason": "no budget", "count": 1}]
    assert (report["sla_kept"], report["sla_breached"], report["open_overdue"]) == (1, 1, 0)
    assert report["median_hours_to_first_action"] == 12.0
    assert report["period"] == "week"
    assert [(p["start"], p["end"], p["tasks"]) for p in report["periods"]] == [
        ("2026-03-02", "2026-03-09", 1),
        ("2026-03-09", "2026-03-16", 2),
    ]
    assert "sla_breached,,,1,2026-03-09" in csv.text.splitlines()
    first_week = await client.get(
        "/reports/handoffs", params={**params, "until": at(7).isoformat()}
    )
    assert first_week.json()["tasks"] == 1


async def test_a_naive_time_is_taken_as_utc(client: httpx.AsyncClient) -> None:
    naive = {"journey_id": JOURNEY, "since": "2026-03-02T09:00:00", "until": "2026-03-09T09:00:00"}

    report = (await client.get("/reports/funnel", params=naive)).json()

    assert report["since"] == "2026-03-02T09:00:00Z"
    assert report["stages"][0]["entered"] == 3


@pytest.mark.parametrize(
    ("path", "params", "location"),
    [
        ("/reports/funnel", {}, ["query", "journey_id"]),
        ("/reports/funnel", {"journey_id": JOURNEY, "since": "yesterday"}, ["query", "since"]),
        (
            "/reports/funnel",
            {"journey_id": JOURNEY, "since": "2026-03-02", "until": "2026-03-02"},
            ["query", "until"],
        ),
        ("/reports/content", {"journey_id": JOURNEY, "window_days": 0}, ["query", "window_days"]),
        ("/reports/content", {"journey_id": JOURNEY, "format": "xlsx"}, ["query", "format"]),
        ("/reports/handoffs", {"period": "quarter"}, ["query", "period"]),
        ("/reports/handoffs", {"until": "not a date"}, ["query", "until"]),
    ],
)
async def test_a_bad_filter_is_422_naming_it(
    client: httpx.AsyncClient, path: str, params: dict[str, Any], location: list[str]
) -> None:
    response = await client.get(path, params=params)

    assert response.status_code == 422
    assert [error["loc"] for error in response.json()["detail"]] == [location]


@pytest.mark.parametrize("path", ["/reports/funnel", "/reports/content"])
async def test_an_unknown_journey_is_404(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path, params={"journey_id": "nope"})

    assert response.status_code == 404
    assert "nope" in response.json()["detail"]
