"""The reports page in a real browser: the funnel and content charts of a journey that four
prospects went through, with the same numbers as the API, and the hand-offs with sales' answer.

The prospects' story is the one `tests/integration/test_reports.py` counts through the API.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests.e2e.conftest import VIEWPORT, LiveApp
from tests.e2e.shots import screenshot
from tests.integration.api_driver import at_least, eventually
from tests.integration.test_reports import JOURNEY, four_prospects_move

DAY = timedelta(days=1)
WITH_SLA = JOURNEY.replace(
    "{handoff: {title: Answer the reply}}", "{handoff: {title: Answer the reply, sla: 1d}}"
)


async def four_prospects_went_through(live: LiveApp) -> None:
    """Ann clicks on and asks for a demo; Bob skips to `buy`; Cid reads the guide then is not
    ready (back); Dan unsubscribes in `learn`; Eve replies at once: a hand-off with a day's SLA,
    which sales disqualifies in time."""
    api = live.api
    await api.publish(WITH_SLA)
    for prospect_id in ("ann", "bob", "cid", "dan", "eve"):
        assert (await api.enroll(prospect_id)).status_code == 201
    await api.sink.wait_for(5)
    await four_prospects_move(api)
    await eventually(lambda: at_least(7, api.sink.messages))

    await api.post_event("eve-reply", "eve", "email_replied", text="What would it cost?")
    [task] = await eventually(lambda: _tasks(live, "eve"))
    answer = await api.http.post(
        f"/tasks/{task['id']}/outcome", json={"outcome": "disqualified", "reason": "No budget"}
    )
    assert answer.status_code == 200, answer.text


async def _tasks(live: LiveApp, prospect_id: str) -> list[dict[str, Any]] | None:
    listed = await live.api.http.get("/tasks", params={"prospect_id": prospect_id})
    return list(listed.json()) or None


async def _all_sends_recorded(live: LiveApp) -> bool:
    report = await live.api.http.get("/reports/content", params={"journey_id": live.api.journey_id})
    items: list[dict[str, Any]] = report.json()["items"]
    return sum(int(line["sent"]) for line in items) >= 7


async def test_the_reports_page_draws_the_funnel_and_content_charts_with_the_api_numbers(
    live: LiveApp, page: Page, request: pytest.FixtureRequest
) -> None:
    await four_prospects_went_through(live)
    await eventually(lambda: _all_sends_recorded(live))
    journey_id = live.api.journey_id

    await page.goto(live.url(f"/ui/reports?journey={journey_id}"))
    await expect(page.locator("h1")).to_have_text("Reports")
    await expect(page.locator("select[name=journey]")).to_have_value(journey_id)

    # The funnel: bars labelled with who entered, the conversion between them, the overall.
    funnel = page.locator("svg.chart-funnel")
    stages = funnel.locator("g.funnel-stage")
    assert [await g.get_attribute("data-stage") for g in await stages.all()] == [
        "learn",
        "consider",
        "buy",
    ]
    await expect(stages.locator(".funnel-count")).to_have_text(
        ["5 entered", "2 entered", "2 entered"]
    )
    await expect(funnel.locator(".funnel-conversion")).to_have_text(
        ["↓ 40 % went on to consider", "↓ 100 % went on to buy"]
    )
    await expect(funnel.locator(".funnel-overall")).to_have_text(
        "Overall conversion 40 % (Learning → buy)"
    )
    learn = page.locator('[data-table="funnel"] tr[data-stage="learn"] td')
    # Stage, entered, forward, skipped, back, left, to next, median days.
    await expect(learn).to_have_text(["Learning", "5", "3", "0", "0", "1", "40 %", "1.0"])
    consider = page.locator('[data-table="funnel"] tr[data-stage="consider"] td')
    await expect(consider).to_have_text(["consider", "2", "1", "1", "1", "0", "100 %", "1.0"])
    await expect(page.locator('[data-stat="overall"] .stat-value')).to_have_text("40 %")
    await expect(page.locator('[data-stat="prospects"] .stat-value')).to_have_text("5")

    # Content: five guides, one clicked through the tracked link, three followed by a move.
    guide = page.locator('svg.chart-content g.content-item[data-content="guide"]')
    await expect(guide).to_have_attribute("data-sent", "5")
    await expect(guide).to_have_attribute("data-clicked", "1")
    await expect(guide.locator(".content-sub")).to_have_text("Learning · 5 sent · 1 click")
    await expect(guide.locator(".content-rate")).to_have_text("60 % moved on")
    pricing = page.locator('svg.chart-content g.content-item[data-content="pricing"]')
    await expect(pricing.locator(".content-sub")).to_have_text("buy · not sent yet")
    case_study = page.locator('[data-table="content"] tr[data-content="case-study"] td')
    await expect(case_study.nth(2)).to_have_text("2")
    await expect(case_study.nth(5)).to_have_text("50 %")

    # Hand-offs: Eve's, this week, answered within its SLA and disqualified for lack of budget.
    await expect(page.locator("svg.chart-periods g.period .period-count")).to_have_text(["1"])
    await expect(page.locator('svg.chart-share g.share[data-share="kept"]')).to_have_attribute(
        "data-count", "1"
    )
    await expect(page.locator('[data-list="outcomes"]')).to_contain_text("disqualified 1")
    await expect(page.locator('[data-list="reasons"]')).to_contain_text(
        "1\N{MULTIPLICATION SIGN} No budget"
    )

    # The CSV links are the API's, for the same journey and window.
    for report in ("funnel", "content", "handoffs"):
        href = await page.locator(f'a[data-csv="{report}"]').get_attribute("href")
        assert href is not None and href.startswith(f"/reports/{report}?journey_id={journey_id}")
        csv = await live.api.http.get(href)
        assert csv.status_code == 200, csv.text
        assert csv.headers["content-type"].startswith("text/csv")
    funnel_csv = await live.api.http.get(
        await page.locator('a[data-csv="funnel"]').get_attribute("href") or ""
    )
    assert funnel_csv.text.splitlines()[1].startswith("learn,Learning,True,5,3,0,0,1,0.4,")

    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= VIEWPORT["width"]
    await screenshot(page, request)

    # A window in which nothing happened: every stage at zero, the dates kept in the form.
    await page.locator("input[name=since]").fill("2099-01-01")
    await page.get_by_role("button", name="Show").click()
    await expect(page.locator("input[name=since]")).to_have_value("2099-01-01")
    await expect(stages.locator(".funnel-count")).to_have_text(
        ["0 entered", "0 entered", "0 entered"]
    )
    await expect(page.locator(".card-note").first).to_contain_text("Counting from 2099-01-01")
    since = await page.locator('a[data-csv="funnel"]').get_attribute("href")
    assert since is not None and "since=2099-01-01T00%3A00%3A00%2B00%3A00" in since


async def test_bad_filters_are_named_and_no_journey_gets_an_empty_page(
    live: LiveApp, page: Page, request: pytest.FixtureRequest
) -> None:
    await page.goto(live.url("/ui/reports"))
    await expect(page.locator(".empty")).to_contain_text("No journeys yet")

    await live.api.publish(JOURNEY)
    await page.goto(live.url("/ui/reports?since=yesterday&window=0"))
    errors = page.locator(".form-errors li")
    await expect(errors).to_have_text(
        [
            "The from date “yesterday” is not a date like 2026-03-31; it was ignored.",
            "The content window must be 1 to 365 days, not “0”; 14 days are used.",
        ]
    )
    # Nobody enrolled yet: the charts are drawn, at zero.
    await expect(page.locator("svg.chart-funnel .funnel-count")).to_have_text(
        ["0 entered", "0 entered", "0 entered"]
    )
    await expect(page.locator("svg.chart-periods")).to_contain_text("No hand-offs in this window.")
    await screenshot(page, request)
