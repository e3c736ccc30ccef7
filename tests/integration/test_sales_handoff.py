"""The sales hand-off end to end: the demo journey on a real Temporal dev server, virtual time.

Tasks are worked through the HTTP API; SLA clocks, re-surfacing and the post-offer chain run on
the workflow's own timers, moved with `fast_forward`.
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlmodel import select

from nurture.smtp_sink import CaughtMail
from nurture.tables import Enrollment, ProspectRecord, SalesTask
from tests.integration.api_driver import Api, at_least, eventually
from workflows.contract import journey_workflow_id

DEMO = (Path(__file__).parents[2] / "definitions" / "b2b_funnel.yaml").read_text()
MARTA = "marta.nowak@northwind.example.com"
PIOTR = "piotr.lis@northwind.example.com"
MANAGER = "ewa.zielinska@northwind.example.com"
ACCOUNTS = "kasia.wrona@northwind.example.com"
DAY = timedelta(days=1)
T = TypeVar("T")


async def start(api: Api, prospect_id: str, **attributes: Any) -> None:
    await api.publish(DEMO.replace("journey: b2b-funnel", "journey: {journey_id}", 1))
    response = await api.enroll(prospect_id, first_name="Ola", attributes=attributes)
    assert response.status_code == 201, response.text


async def post_event(
    api: Api,
    event_id: str,
    prospect_id: str,
    kind: str,
    occurred_at: str | None = None,
    **data: Any,
) -> None:
    body = {"id": event_id, "prospect_id": prospect_id, "type": kind, "data": data}
    if occurred_at is not None:
        body["occurred_at"] = occurred_at
    response = await api.http.post("/events", json=body)
    assert response.status_code == 202, response.text


async def open_tasks(api: Api, prospect_id: str, count: int) -> list[dict[str, Any]]:
    async def listed() -> list[dict[str, Any]] | None:
        response = await api.http.get("/tasks", params={"prospect_id": prospect_id})
        # Oldest first, as the journey created them.
        tasks = sorted(response.json(), key=lambda task: (task["created_at"], task["id"]))
        return tasks if len(tasks) >= count else None

    return await eventually(listed)


async def hand_off(api: Api, prospect_id: str, **attributes: Any) -> dict[str, Any]:
    await start(api, prospect_id, **attributes)
    await post_event(
        api, f"{prospect_id}-ebook", prospect_id, "form_submitted", form_id="ebook-download"
    )
    [task] = await open_tasks(api, prospect_id, 1)
    return task


def task_mail(api: Api, task_id: str) -> list[CaughtMail]:
    return [mail for mail in api.sink.messages if mail.message["X-Nurture-Task"] == task_id]


async def outcome(api: Api, task_id: str, **body: Any) -> dict[str, Any]:
    response = await api.http.post(f"/tasks/{task_id}/outcome", json=body)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_a_hand_off_makes_one_task_and_one_notification_to_the_routed_assignee(
    api: Api,
) -> None:
    task = await hand_off(api, "ola", country="PL")
    # The webhook retried: the same event again changes nothing.
    await post_event(api, "ola-ebook", "ola", "form_submitted", form_id="ebook-download")

    assert (task["kind"], task["queue"], task["assignee"]) == ("handoff", "sales", MARTA)
    [notification] = await eventually(lambda: task_mail(api, task["id"]))
    assert notification.rcpt_tos == (MARTA,)
    assert len(await open_tasks(api, "ola", 1)) == 1
    expected = {"form_submitted", "sent", "points", "stage_moved", "task"}

    async def detail_with_history() -> dict[str, Any] | None:
        # The task is stored before the journey's projection of the same instant is.
        detail = dict((await api.http.get(f"/tasks/{task['id']}")).json())
        return detail if expected <= {item["type"] for item in detail["history"]} else None

    detail = await eventually(detail_with_history)
    # Oldest first, and a turn's decisions in the order they were made: the points, then what
    # the score led to.
    decided = [item["type"] for item in detail["history"] if item["kind"] == "decision"]
    assert decided[0] == "enrolled"
    assert decided.index("points") < decided.index("stage_moved") < decided.index("task")
    assert detail["score_over_time"][-1]["score"] == 10000
    assert detail["bant_fields"] == ["budget", "authority", "need", "timeline"]


async def test_an_sla_breach_escalates_on_time_reminder_manager_then_reassignment(
    api: Api,
) -> None:
    task = await hand_off(api, "bob")
    due = datetime.fromisoformat(task["due_at"]).astimezone(UTC)

    await api.forward("bob", 2 * DAY - timedelta(minutes=1))
    assert await api.decisions("bob", "escalated") == []
    await api.forward("bob", 2 * DAY + timedelta(minutes=2))

    escalated = await eventually(lambda: _at_least(3, api.decisions("bob", "escalated")), within=20)
    # On time: each step within the timer's one-second resolution of its moment.
    late = [
        row.at.astimezone(UTC) - expected
        for row, expected in zip(escalated, (due, due + DAY, due + 2 * DAY), strict=True)
    ]
    assert all(timedelta(0) <= delay < timedelta(seconds=2) for delay in late), late
    mail = await eventually(lambda: at_least(4, task_mail(api, task["id"])))
    assert [m.rcpt_tos[0] for m in mail] == [MARTA, MARTA, MANAGER, PIOTR]
    async with api.db.session() as session:
        row = await session.get(SalesTask, task["id"])
    assert row is not None and (row.assignee, row.sla_breached) == (PIOTR, True)


async def test_not_now_returns_to_analysis_and_resurfaces_on_the_date(api: Api) -> None:
    task = await hand_off(api, "cy", country="PL")
    until = date.today() + timedelta(days=30)

    answer = await outcome(api, task["id"], outcome="not_now", until=until.isoformat())

    assert answer["task"]["status"] == "closed"
    state = await eventually(lambda: api.state_if("cy", lambda s: s["stage"] == "analysis"))
    assert (state["status"], state["lifecycle"]) == ("active", "mql")
    await api.forward("cy", 31 * DAY)
    [_, again] = await open_tasks(api, "cy", 2)
    assert again["title"] == "They asked us to come back today: call again"
    [resurfaced] = await eventually(lambda: api.decisions("cy", "resurfaced"))
    # 09:00 in Warsaw on the date sales gave.
    local = resurfaced.at.astimezone(UTC)
    assert local.date() == until and local.hour in (7, 8)


async def test_wrong_person_enrols_the_right_contact_and_ends_this_journey(api: Api) -> None:
    task = await hand_off(api, "dee")
    right = {"email": "ceo@dee-shop.example", "first_name": "Eva", "company": "Dee Shop"}

    await outcome(api, task["id"], outcome="wrong_person", new_contact=right)

    async def new_contact() -> ProspectRecord | None:
        async with api.db.session() as session:
            found = await session.exec(
                select(ProspectRecord).where(ProspectRecord.email == "ceo@dee-shop.example")
            )
            return found.first()

    record = await eventually(new_contact, within=20)
    assert record.attributes["referred_by"] == "dee"
    await eventually(lambda: api.mail_to("ceo@dee-shop.example"), within=20)
    state = await eventually(lambda: api.state_if("dee", lambda s: s["status"] == "completed"))
    assert state["status"] == "completed"
    async with api.db.session() as session:
        enrolled = await session.get(Enrollment, journey_workflow_id(api.journey_id, record.id))
    assert enrolled is not None


async def test_the_post_offer_chain_fires_each_step_on_its_day(api: Api) -> None:
    task = await hand_off(api, "eli", country="DE")
    await outcome(api, task["id"], outcome="won", note="signed the annual plan")

    [_, confirm] = await open_tasks(api, "eli", 2)
    assert (confirm["title"], confirm["assignee"]) == (
        "New customer: confirm the order and the go-live date",
        ACCOUNTS,
    )
    confirm_due = datetime.fromisoformat(confirm["due_at"]) - datetime.fromisoformat(
        confirm["created_at"]
    )
    assert confirm_due == DAY
    await eventually(lambda: api.mail_to("eli@example.com", "Welcome aboard"))

    await api.forward("eli", 5 * DAY)
    await outcome(api, confirm["id"], outcome="contacted")
    # The delivery system reports when delivery happened: on the journey's (virtual) clock.
    delivered_at = await api.virtual_now("eli")
    await post_event(
        api,
        "eli-delivered",
        "eli",
        "form_submitted",
        occurred_at=delivered_at.isoformat(),
        form_id="order-delivered",
    )
    await api.forward("eli", DAY + timedelta(minutes=1))
    [*_, follow_up] = await open_tasks(api, "eli", 3)
    assert follow_up["title"] == "Follow-up 2: how did the go-live go? Ask for a referral"
    asked = datetime.fromisoformat(follow_up["created_at"]) - delivered_at
    assert DAY <= asked < DAY + timedelta(minutes=1)
    due_after = datetime.fromisoformat(follow_up["due_at"]) - delivered_at
    assert 2 * DAY <= due_after < 2 * DAY + timedelta(minutes=1)

    await api.forward("eli", 14 * DAY)
    [*_, review] = await open_tasks(api, "eli", 4)
    assert review["title"] == "Win/loss analysis: what won us this deal?"
    waited = datetime.fromisoformat(review["created_at"]) - delivered_at
    # Two to four weeks after the last contact (give or take the second the event took).
    slack = timedelta(minutes=1)
    assert 14 * DAY <= waited <= 14 * DAY + slack
    assert datetime.fromisoformat(review["due_at"]) - delivered_at <= 28 * DAY + slack
    state = await eventually(lambda: api.state_if("eli", lambda s: s["status"] == "completed"))
    assert state["lifecycle"] == "customer"


async def test_a_duplicate_outcome_is_applied_once_and_a_closed_task_refuses_more(
    api: Api,
) -> None:
    task = await hand_off(api, "fay")
    body = {"outcome": "disqualified", "reason": "no budget this year"}

    first = await outcome(api, task["id"], **body)
    again = await outcome(api, task["id"], **body)
    other = await api.http.post(f"/tasks/{task['id']}/outcome", json={"outcome": "won"})
    unknown = await api.http.post(f"/tasks/{task['id']}/outcome", json={"outcome": "maybe"})

    assert (first["duplicate"], again["duplicate"]) == (False, True)
    assert first["event_id"] == again["event_id"]
    assert other.status_code == 409 and "disqualified" in other.text
    assert unknown.status_code == 422
    assert "meeting_booked" in unknown.text and "wrong_person" in unknown.text
    applied = await eventually(lambda: api.decisions("fay", "outcome"))
    assert len(applied) == 1
    report = await api.http.get("/reports/handoffs", params={"journey_id": api.journey_id})
    assert report.json()["reasons"] == [
        {"outcome": "disqualified", "reason": "no budget this year", "count": 1}
    ]


async def test_reassigning_a_task_notifies_the_new_assignee_once(api: Api) -> None:
    task = await hand_off(api, "gus", country="PL")
    body = {"assignee": PIOTR, "note": "Piotr speaks their language"}

    first = await api.http.post(f"/tasks/{task['id']}/reassign", json=body)
    again = await api.http.post(f"/tasks/{task['id']}/reassign", json=body)

    assert first.status_code == again.status_code == 200
    assert again.json()["duplicate"] is True
    mail = await eventually(lambda: at_least(2, task_mail(api, task["id"])))
    assert [m.rcpt_tos[0] for m in mail] == [MARTA, PIOTR]
    assert mail[1].message["Subject"].startswith("Passed on to you")


async def _at_least(count: int, rows: Awaitable[list[T]]) -> list[T] | None:
    return at_least(count, await rows)
