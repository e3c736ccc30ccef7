"""The sales inbox in a real browser: a handed-off prospect's task, and an outcome recorded in the
page that reaches the workflow."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, expect

from nurture.tables import SalesTask
from tests.e2e.conftest import LiveApp
from tests.e2e.shots import screenshot
from tests.integration.api_driver import eventually, journey_yaml, unique
from workflows.contract import STATE_QUERY, JourneyView

DEMO = (Path(__file__).parents[2] / "definitions" / "b2b_funnel.yaml").read_text()
MARTA = "marta.nowak@northwind.example.com"
HAND_OFF = "Probably a lead: qualify and contact"


async def hand_off(live: LiveApp, prospect_id: str, **fields: Any) -> dict[str, Any]:
    """Enrol a Polish prospect in the demo and let them download the e-book: a task for Marta."""
    api = live.api
    response = await api.enroll(prospect_id, attributes={"country": "PL"}, **fields)
    assert response.status_code == 201, response.text
    await api.post_event(
        f"{prospect_id}-ebook", prospect_id, "form_submitted", form_id="ebook-download"
    )
    [task] = await eventually(lambda: tasks_of(live, prospect_id))
    return dict(task)


async def tasks_of(live: LiveApp, prospect_id: str) -> list[dict[str, Any]] | None:
    listed = await live.api.http.get("/tasks", params={"prospect_id": prospect_id})
    return list(listed.json()) or None


async def unassigned_task(live: LiveApp) -> None:
    """A reply in a journey without sales queues: a task nobody owns yet."""
    other = unique("journey")
    published = await live.api.http.post(
        "/journeys", content=journey_yaml(other), headers={"content-type": "application/yaml"}
    )
    assert published.status_code == 201, published.text
    enrolled = await live.api.http.post(
        f"/journeys/{other}/enrollments",
        json={"id": "max", "email": "max@brightshop.example", "first_name": "Max"},
    )
    assert enrolled.status_code == 201, enrolled.text
    await live.api.post_event("max-reply", "max", "email_replied", text="Can we talk on Monday?")


async def completed(live: LiveApp, prospect_id: str) -> JourneyView | None:
    """The workflow's own state (its query), once its journey has completed."""
    view: JourneyView = await live.api.workflow(prospect_id).query(
        STATE_QUERY, result_type=JourneyView
    )
    return view if view.state.status == "completed" else None


async def test_the_inbox_shows_a_handed_off_task_and_an_outcome_reaches_the_workflow(
    live: LiveApp, page: Page, request: pytest.FixtureRequest
) -> None:
    api = live.api
    await api.publish(DEMO.replace("journey: b2b-funnel", "journey: {journey_id}", 1))
    task = await hand_off(live, "ola", first_name="Ola", company="Sklep Ola")
    late = await hand_off(live, "jan", first_name="Jan", company="Hurtownia Jan")
    await unassigned_task(live)
    await eventually(lambda: tasks_of(live, "max"))
    # Jan's deadline passed a day ago (set on the row: the page reads the deadline from there).
    async with api.db.session() as session:
        late_row = await session.get(SalesTask, late["id"])
        assert late_row is not None
        late_row.due_at = datetime.now(UTC) - timedelta(days=1, minutes=5)
        session.add(late_row)
        await session.commit()

    await page.goto(live.url(f"/ui/inbox?assignee={MARTA}"))
    mine = page.locator('[data-list="mine"] .task-row')
    # Overdue first, in red; then by deadline.
    await expect(mine).to_have_count(2)
    await expect(mine.nth(0)).to_have_attribute("data-task", late["id"])
    await expect(mine.nth(0).locator(".due.overdue")).to_have_text("1 day overdue")
    await expect(page.locator('[data-stat="overdue"]')).to_contain_text("1")
    row = page.locator(f'[data-list="mine"] [data-task="{task["id"]}"]')
    await expect(row).to_contain_text(HAND_OFF)
    await expect(row).to_contain_text("Ola")
    await expect(row.locator(".due")).to_have_text("due in 2 days")
    await expect(page.locator('[data-list="queue"]')).to_contain_text("Answer the reply")
    await screenshot(page, request, "inbox")
    # "Me" is remembered: the inbox without ?assignee= is still Marta's.
    await page.goto(live.url("/ui/inbox"))
    await expect(page.locator("#assignee")).to_have_value(MARTA)

    await page.locator(f'[data-list="mine"] [data-task="{task["id"]}"] a').click()
    await expect(page.locator("h1")).to_have_text(HAND_OFF)
    await expect(page.locator(".timeline")).to_contain_text("form submitted (ebook-download)")
    await page.locator('details[data-outcome="disqualified"] summary').click()
    await page.locator('details[data-outcome="disqualified"] input[name=reason]').fill(
        "No budget this year"
    )
    await screenshot(page, request, "task")
    await page.get_by_role("button", name="Record “Disqualified”").click()

    await expect(page.locator(".flash-success")).to_contain_text(
        f"Recorded “Disqualified” for “{HAND_OFF}”"
    )
    assert page.url == live.url("/ui/inbox")
    await expect(page.locator('[data-list="recent"]')).to_contain_text(HAND_OFF)
    await expect(page.locator('[data-list="mine"] .task-row')).to_have_count(1)
    await screenshot(page, request)
    # The same code path as the API: the task row, then the journey's own decision and state.
    async with api.db.session() as session:
        stored = await session.get(SalesTask, task["id"])
    assert stored is not None
    assert (stored.status, stored.outcome, stored.outcome_reason) == (
        "closed",
        "disqualified",
        "No budget this year",
    )
    [decision] = await eventually(lambda: api.decisions("ola", "outcome"))
    assert "disqualified" in decision.reason
    view = await eventually(lambda: completed(live, "ola"))
    [ref] = view.state.tasks
    assert (ref.id, ref.status, ref.outcome) == (task["id"], "closed", "disqualified")


async def test_an_outcome_on_a_task_closed_meanwhile_is_shown_as_an_error(
    live: LiveApp, page: Page, request: pytest.FixtureRequest
) -> None:
    api = live.api
    await api.publish(DEMO.replace("journey: b2b-funnel", "journey: {journey_id}", 1))
    task = await hand_off(live, "ben", first_name="Ben")
    await page.goto(live.url(f"/ui/inbox/tasks/{task['id']}"))
    # Someone else records "won" through the API while the page is open.
    answer = await api.http.post(f"/tasks/{task['id']}/outcome", json={"outcome": "won"})
    assert answer.status_code == 200, answer.text

    await page.get_by_role("button", name="Contacted").click()

    error = page.locator(".flash-error")
    await expect(error).to_contain_text(f"Task {task['id']} is closed: its outcome 'won'")
    await expect(page.locator(".outcome-done")).to_contain_text("Outcome: Won")
    await screenshot(page, request)
    [decision] = await eventually(lambda: api.decisions("ben", "outcome"))
    assert "won" in decision.reason
