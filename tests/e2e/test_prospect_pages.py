"""Prospect pages in a real browser: search finds an enrolled prospect, and their page shows the
state of the journey and the timeline the API gives for them."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, expect

from nurture.tables import Enrollment
from tests.e2e.conftest import VIEWPORT, LiveApp
from tests.e2e.shots import screenshot
from tests.integration.api_driver import eventually
from tests.integration.test_reports import JOURNEY, in_stage

ADA = {"first_name": "Ada", "company": "Lovelace Analytics", "attributes": {"country": "GB"}}
REPLY = "Could you send me the pricing for 40 agents?"


async def ada_replied(live: LiveApp) -> dict[str, Any]:
    """Ada reads the guide (a move to `consider`, the case study sent), then replies: a hand-off
    for sales. Bob is enrolled beside her and does nothing. Returns the API's timeline of Ada."""
    api = live.api
    await api.publish(JOURNEY)
    assert (await api.enroll("ada", email="ada@lovelace.example", **ADA)).status_code == 201
    assert (await api.enroll("bob", company="Babbage & Co")).status_code == 201
    await api.post_event("ada-read", "ada", "content_consumed", content_id="guide")
    await in_stage(api, "ada", "consider")
    await eventually(lambda: api.mail_to("ada@lovelace.example", "A case study"))
    await api.post_event("ada-reply", "ada", "email_replied", text=REPLY)
    await in_stage(api, "ada", "consider", status="handed_off")

    async def timeline_with_task() -> dict[str, Any] | None:
        answer = await api.http.get("/prospects/ada/timeline")
        assert answer.status_code == 200, answer.text
        timeline: dict[str, Any] = answer.json()
        return timeline if any(item["kind"] == "task" for item in timeline["items"]) else None

    async def projected_as_handed_off() -> bool:
        # The search lists the projection, which the workflow writes after its turn.
        async with api.db.session() as session:
            row = await session.get(Enrollment, api.workflow("ada").id)
        return row is not None and row.status == "handed_off"

    await eventually(projected_as_handed_off)
    return await eventually(timeline_with_task)


def the_item(timeline: dict[str, Any], kind: str, type_: str) -> dict[str, Any]:
    """The first item of the kind and type in the API's timeline (oldest first)."""
    return next(
        dict(item) for item in timeline["items"] if (item["kind"], item["type"]) == (kind, type_)
    )


async def test_search_finds_a_prospect_by_any_part_of_their_name_or_company(
    live: LiveApp, page: Page, request: pytest.FixtureRequest
) -> None:
    await ada_replied(live)

    await page.goto(live.url("/ui/prospects?q=LOVELACE"))
    rows = page.locator(".prospect-row")
    await expect(rows).to_have_count(1)
    ada = rows.first
    await expect(ada).to_have_attribute("data-prospect", "ada")
    await expect(ada.locator(".prospect-name")).to_have_text("Ada · Lovelace Analytics")
    await expect(ada).to_contain_text("ada@lovelace.example")
    pill = ada.locator(f'.journey-pill[data-journey="{live.api.journey_id}"]')
    await expect(pill).to_contain_text("Reports journey")
    await expect(pill.locator(".journey-pill-stage")).to_have_text("consider")
    await expect(pill.locator(".badge")).to_have_text("handed off")
    await expect(ada.locator(".score strong")).to_have_text("5")
    await expect(page.locator("[data-result-count]")).to_have_text("1 prospect")
    await screenshot(page, request, "found")

    # Every prospect without a query, newest first; the e-mail and the id match too.
    await page.goto(live.url("/ui/prospects"))
    await expect(rows).to_have_count(2)
    await expect(rows.nth(0)).to_have_attribute("data-prospect", "bob")
    await page.locator("input[name=q]").fill("bob@EXAMPLE")
    await page.get_by_role("button", name="Search").click()
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_have_attribute("data-prospect", "bob")
    await expect(rows.first).to_contain_text("Babbage & Co")

    # "%" is a character to find, not a wildcard: nobody matches.
    await page.goto(live.url("/ui/prospects?q=%25"))
    await expect(rows).to_have_count(0)
    await expect(page.locator(".empty")).to_contain_text("No prospect matches “%”")
    await screenshot(page, request, "none")


async def test_the_prospect_page_shows_the_state_and_the_timeline_of_the_api(
    live: LiveApp, page: Page, request: pytest.FixtureRequest
) -> None:
    timeline = await ada_replied(live)
    api = live.api

    await page.goto(live.url("/ui/prospects?q=ada"))
    await page.locator('.prospect-row[data-prospect="ada"] a').click()
    await expect(page.locator("h1")).to_have_text("Ada · Lovelace Analytics")
    await expect(page.locator(".person-facts")).to_contain_text("ada@lovelace.example")
    await expect(page.locator(".attribute-chips")).to_have_text("country: GB")

    # The journey's state, as GET /prospects/ada answers it.
    state = await api.journey_state("ada")
    card = page.locator(f'.journey-state[data-journey="{api.journey_id}"]')
    await expect(card.locator(".card-title")).to_have_text("Reports journey")
    await expect(card.locator('[data-fact="stage"]')).to_contain_text("consider")
    await expect(card.locator(".stage-progress .is-current")).to_have_text("consider")
    await expect(card.locator('[data-fact="score"] strong')).to_have_text(str(state["score"]))
    await expect(card.locator('[data-fact="status"] .badge')).to_have_text("handed off")
    await expect(card.locator('[data-fact="temperature"]')).to_contain_text(state["temperature"])
    await expect(card.locator('[data-list="open-tasks"]')).to_contain_text("Answer the reply")
    run_link = card.locator('[data-list="runs"] a')
    await expect(run_link).to_have_count(len(timeline["runs"]))
    await expect(run_link.first).to_have_attribute("href", timeline["runs"][0]["temporal_ui_url"])

    # The timeline: every item of the API's, with the e-mail's subject and the stage move.
    items = page.locator(".tl-item")
    await expect(items).to_have_count(len(timeline["items"]))
    guide = the_item(timeline, "email", "sent")
    assert guide["details"]["subject"] == "The guide"
    first_email = page.locator('.tl-item[data-kind="email"]').last  # newest first: oldest last
    await expect(first_email.locator(".tl-headline")).to_have_text("The guide")
    await expect(first_email.locator(".tl-headline")).to_have_attribute("title", guide["summary"])
    await expect(first_email.locator(".tl-note")).to_have_text(
        guide["details"]["reason"][:1].upper() + guide["details"]["reason"][1:]
    )
    moved = the_item(timeline, "decision", "stage_moved")
    assert moved["summary"].startswith("moved from learn to consider")
    move = page.locator('.tl-item[data-type="stage_moved"]')
    await expect(move.locator(".tl-headline")).to_have_text(moved["summary"])
    await expect(move.locator(".tl-small")).to_contain_text(f"rule {moved['rule_id']}")
    await expect(move.locator(".tl-small")).to_contain_text(f"v{moved['version']}")
    handoff = the_item(timeline, "task", "handoff")
    task_link = page.locator('.tl-item[data-kind="task"] .tl-headline a')
    await expect(task_link).to_have_text("Answer the reply")
    await expect(task_link).to_have_attribute(
        "href", f"/ui/inbox/tasks/{handoff['details']['task_id']}"
    )
    await expect(page.locator('.tl-item[data-type="email_replied"]')).to_contain_text(REPLY)
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= VIEWPORT["width"]
    await screenshot(page, request)

    # The chips hide and show one kind; a day keeps its heading while it has something to show.
    decisions = page.locator('.tl-item[data-kind="decision"]')
    chip = page.locator('.filter-chip[data-kind="decision"]')
    await expect(chip).to_contain_text(str(await decisions.count()))
    await chip.click()
    await expect(chip).to_have_attribute("aria-pressed", "false")
    await expect(decisions.first).to_be_hidden()
    await expect(page.locator('.tl-item[data-kind="email"]').first).to_be_visible()
    await screenshot(page, request, "without-decisions")
    await chip.click()
    await expect(decisions.first).to_be_visible()

    # "Export record (JSON)" downloads GET /prospects/ada/export.
    async with page.expect_download() as downloading:
        await page.get_by_role("link", name="Export record (JSON)").click()
    download = await downloading.value
    assert download.suggested_filename == "prospect-ada.json"
    exported = json.loads(await asyncio.to_thread(Path(await download.path()).read_text))
    assert exported["prospect"]["id"] == "ada"
    assert exported["prospect"]["company"] == "Lovelace Analytics"

    # The open task leads to its page in the inbox, whose prospect leads back here.
    await card.locator('[data-list="open-tasks"] a').click()
    await expect(page.locator("h1")).to_have_text("Answer the reply")
    await page.locator(".prospect-card .prospect-head a").click()
    await expect(page.locator(".journey-state")).to_have_count(1)
    assert page.url == live.url("/ui/prospects/ada")


async def test_a_paused_prospect_shows_until_when_and_what_comes_next(
    live: LiveApp, page: Page, request: pytest.FixtureRequest
) -> None:
    api = live.api
    await api.publish(JOURNEY)
    assert (await api.enroll("cy", first_name="Cy")).status_code == 201
    back = (await api.virtual_now("cy") + timedelta(days=10)).date()
    await api.post_event("cy-ooo", "cy", "out_of_office", return_date=back.isoformat())
    state = await eventually(lambda: api.state_if("cy", lambda s: s["status"] == "paused"))
    paused_until = datetime.fromisoformat(state["paused_until"])
    assert paused_until.date() == back

    await page.goto(live.url("/ui/prospects/cy"))
    card = page.locator(".journey-state")
    await expect(card.locator('[data-fact="status"] .badge')).to_have_text("paused")
    await expect(card.locator('[data-fact="paused-until"] time')).to_have_text(
        f"{paused_until.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    )
    next_action = state["next_action"]
    await expect(card.locator('[data-fact="next-action"]')).to_contain_text(
        next_action["description"][:1].upper() + next_action["description"][1:]
    )
    await expect(page.locator('.tl-item[data-type="out_of_office"]')).to_contain_text(
        f"out of office (back {back.isoformat()})"
    )
    await screenshot(page, request)


async def test_an_unknown_prospect_gets_a_page_not_json(live: LiveApp, page: Page) -> None:
    answer = await page.goto(live.url("/ui/prospects/nobody-here"))
    assert answer is not None and answer.status == 404
    await expect(page.locator(".empty")).to_contain_text("Unknown prospect 'nobody-here'")
