"""Pages stay readable with long names at 1280 by 800, and unknown things get a page, not JSON."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.e2e.conftest import VIEWPORT, LiveApp
from tests.e2e.shots import screenshot
from tests.integration.api_driver import eventually, journey_yaml

LONG_NAME = (
    "Northwind Desk for enterprise customers in the DACH region — onboarding, expansion and "
    "renewal journey, 2026 edition"
)
LONG_TITLE = (
    "Answer the reply personally: the prospect asked three detailed questions about data "
    "residency, the SSO set-up and the migration of 40,000 historical tickets"
)
LONG_EMAIL = "maximilian.oberhuber-schwarzenberg@very-long-company-name-industries.example"


def long_journey(journey_id: str) -> str:
    return (
        journey_yaml(journey_id)
        .replace("name: API test journey", f"name: {LONG_NAME}")
        .replace("  - id: first\n", "  - id: first\n    name: Awareness of the support problem\n")
        .replace("title: Answer the reply", f'title: "{LONG_TITLE}"')
    )


async def assert_no_sideways_scroll(page: Page) -> None:
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= VIEWPORT["width"], f"{page.url} is {width}px wide"


async def test_long_names_do_not_break_the_layout(
    live: LiveApp, page: Page, request: pytest.FixtureRequest
) -> None:
    api = live.api
    await api.publish(long_journey("{journey_id}"))
    response = await api.enroll("max", email=LONG_EMAIL, first_name="Maximilian")
    assert response.status_code == 201, response.text
    await api.post_event("max-reply", "max", "email_replied", text="Three questions " * 40)

    async def task_id() -> str | None:
        listed = (await api.http.get("/tasks", params={"prospect_id": "max"})).json()
        return str(listed[0]["id"]) if listed else None

    task = await eventually(task_id)

    await page.goto(live.url("/ui/journeys"))
    await expect(page.locator(".journey-card")).to_contain_text(LONG_NAME)
    await assert_no_sideways_scroll(page)
    await screenshot(page, request, "journeys")

    await page.goto(live.url(f"/ui/journeys/{api.journey_id}"))
    await expect(page.locator("h1")).to_have_text(LONG_NAME)
    await assert_no_sideways_scroll(page)
    await screenshot(page, request, "journey")

    await page.goto(live.url("/ui/inbox"))
    await expect(page.locator('[data-list="queue"]')).to_contain_text(LONG_TITLE)
    await assert_no_sideways_scroll(page)
    await screenshot(page, request, "inbox")

    await page.goto(live.url(f"/ui/inbox/tasks/{task}"))
    await expect(page.locator(".quote")).to_contain_text("Three questions")
    await assert_no_sideways_scroll(page)
    await screenshot(page, request, "task")


async def test_an_unknown_journey_or_task_gets_a_page_not_json(
    live: LiveApp, page: Page, request: pytest.FixtureRequest
) -> None:
    answer = await page.goto(live.url("/ui/journeys/no-such-journey"))
    assert answer is not None and answer.status == 404
    await expect(page.locator(".empty")).to_contain_text("Unknown journey 'no-such-journey'")
    await screenshot(page, request)

    answer = await page.goto(live.url("/ui/inbox/tasks/no-such-task"))
    assert answer is not None and answer.status == 404
    await expect(page.locator(".empty")).to_contain_text("Unknown task 'no-such-task'")
