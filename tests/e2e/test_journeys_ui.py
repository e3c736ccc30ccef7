"""Journey pages in a real browser: the list, the diagram, publishing with and without errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.e2e.conftest import LiveApp
from tests.e2e.shots import screenshot

DEMO = (Path(__file__).parents[2] / "definitions" / "b2b_funnel.yaml").read_text()
DEMO_NAME = "Northwind Desk — B2B sales funnel"
STAGES = ["acquisition", "analysis", "offer", "closing", "customer"]


def demo_for(journey_id: str) -> str:
    return DEMO.replace("journey: b2b-funnel", f"journey: {journey_id}", 1)


async def publish_demo(live: LiveApp) -> None:
    await live.api.publish(DEMO.replace("journey: b2b-funnel", "journey: {journey_id}", 1))


async def published_version(live: LiveApp) -> int:
    response = await live.api.http.get(f"/journeys/{live.api.journey_id}")
    assert response.status_code == 200, response.text
    return int(response.json()["version"])


async def test_the_journeys_list_and_the_diagram_render(
    live: LiveApp, page: Page, request: pytest.FixtureRequest
) -> None:
    await page.goto(live.url("/"))
    assert page.url == live.url("/ui/journeys")
    await expect(page.locator(".empty")).to_contain_text("No journeys yet")
    await screenshot(page, request, "empty")

    await publish_demo(live)
    await page.reload()
    card = page.locator(f'[data-journey="{live.api.journey_id}"]')
    await expect(card).to_contain_text(DEMO_NAME)
    await expect(card.locator(".stage-chain li")).to_have_text(
        ["Acquisition", "Analysis", "Offer", "Closing", "Customer"]
    )
    await screenshot(page, request, "list")

    await card.get_by_role("link", name="View diagram").click()
    await expect(page.locator("h1")).to_have_text(DEMO_NAME)
    diagram = page.locator("svg.journey-diagram")
    stages = diagram.locator("g.stage")
    assert [await stage.get_attribute("data-stage") for stage in await stages.all()] == STAGES
    await expect(stages.nth(2)).to_contain_text("send pricing-plans")
    # Forward above, back below, hand-offs to the Sales box, each labelled with its rules.
    to_offer = diagram.locator('g.link-forward[data-target="offer"]')
    await expect(to_offer).to_have_attribute("data-rules", "to-offer skip-to-offer")
    await expect(to_offer).to_have_attribute("data-sources", "acquisition analysis")
    gone_cold = diagram.locator('g.link-backward[data-rules="gone-cold"]')
    await expect(gone_cold).to_have_attribute("data-target", "acquisition")
    await expect(gone_cold).to_contain_text("gone-cold")
    await expect(diagram.locator('g.link-handoff[data-rules="probably-a-lead"]')).to_have_count(1)
    await expect(diagram.locator("g.sales")).to_contain_text("Sales")
    # The rules in words below the diagram.
    ebook = page.locator("#rule-ebook-bonus")
    await expect(ebook).to_contain_text("submits form ebook-download")
    await expect(ebook).to_contain_text("add 10,000 points")
    await expect(page.locator("#rule-gone-cold")).to_contain_text("no activity for 60d")
    await screenshot(page, request)


async def test_a_publish_with_an_error_shows_it_beside_its_line_and_keeps_the_text(
    live: LiveApp, page: Page, request: pytest.FixtureRequest
) -> None:
    await publish_demo(live)
    await page.goto(live.url(f"/ui/publish?journey={live.api.journey_id}"))
    editor = page.locator("textarea[name=source]")
    assert await editor.input_value() == demo_for(live.api.journey_id)

    broken = demo_for(live.api.journey_id).replace("- move_to: offer", "- move_to: ofer", 1)
    line = broken.splitlines().index("      - move_to: ofer") + 1
    await editor.fill(broken)
    await page.get_by_role("button", name="Publish").click()

    await expect(page.locator(".problems h2")).to_contain_text("nothing was published")
    marked = page.locator(f'tr.code-line.has-problem[data-line="{line}"]')
    await expect(marked).to_contain_text("move_to: ofer")
    message = page.locator(f'tr.problem-row[data-problem-line="{line}"]')
    await expect(message).to_contain_text(f"Line {line}:")
    await expect(message).to_contain_text("unknown stage 'ofer'")
    await expect(page.locator(".gutter span.bad")).to_have_text([str(line)])
    assert await editor.input_value() == broken
    assert await published_version(live) == 1
    await screenshot(page, request)
    # The line number beside the problem selects that line in the editor.
    await marked.get_by_role("link", name=str(line)).click()
    selected = "t => t.value.slice(t.selectionStart, t.selectionEnd)"
    assert await editor.evaluate(selected) == "      - move_to: ofer"


async def test_a_valid_publish_creates_a_new_version(
    live: LiveApp, page: Page, request: pytest.FixtureRequest
) -> None:
    await publish_demo(live)
    await page.goto(live.url(f"/ui/publish?journey={live.api.journey_id}"))
    editor = page.locator("textarea[name=source]")
    renamed = (await editor.input_value()).replace(
        f"name: {DEMO_NAME}", "name: Northwind Desk — spring campaign", 1
    )
    await editor.fill(renamed)

    await page.get_by_role("button", name="Validate").click()
    await expect(page.locator("[data-validation=ok]")).to_contain_text("5 stages")
    assert await editor.input_value() == renamed
    assert await published_version(live) == 1
    await screenshot(page, request, "validated")

    await page.get_by_role("button", name="Publish").click()
    await expect(page.locator(".flash-success .flash-text")).to_have_text("Published v2")
    assert page.url == live.url(f"/ui/journeys/{live.api.journey_id}?version=2")
    await expect(page.locator("h1")).to_have_text("Northwind Desk — spring campaign")
    await expect(page.locator("#version option:checked")).to_contain_text("v2 (latest)")
    assert await published_version(live) == 2
    await screenshot(page, request)
