"""Malformed e-mails posted to `POST /inbound/email` on the real stack (Temporal dev server,
database, worker): each answered 2xx or 4xx, never 5xx; each kept; what cannot be classified or
matched waits for a person as a review task; and the journey that gets the events carries on.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import select
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowExecutionStatus

from nurture.tables import EventRecord, InboundEmail, SalesTask
from tests.integration.api_driver import Api, at_least, eventually
from tests.unit.malformed_mail import CORPUS, NOT_EMAILS
from workflows.contract import STATE_QUERY, JourneyView

PROSPECT = "ada"
TASK_FAILED = EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED


async def _post(api: Api, raw: bytes) -> tuple[int, dict[str, Any]]:
    response = await api.http.post(
        "/inbound/email", content=raw, headers={"content-type": "message/rfc822"}
    )
    return response.status_code, dict(response.json())


async def test_each_malformed_email_is_kept_and_the_journey_carries_on(api: Api) -> None:
    await api.publish()
    assert (await api.enroll(PROSPECT)).status_code == 201
    await eventually(lambda: at_least(1, api.mail_to(f"{PROSPECT}@example.com")))

    answers = {}
    for case in CORPUS:
        status, result = await _post(api, case.raw(f"{PROSPECT}@example.com"))
        answers[case.name] = (status, result)

    assert {name: status for name, (status, _) in answers.items()} == {
        case.name: 202 for case in CORPUS
    }
    async with api.db.session() as session:
        kept = {row.id: row for row in await session.exec(select(InboundEmail))}
        tasks = {task.id for task in await session.exec(select(SalesTask))}
        events = {event.id for event in await session.exec(select(EventRecord))}
    for name, (_, result) in answers.items():
        row = kept[result["inbound_id"]]  # nothing dropped
        assert row.reason == result["reason"], name
        assert "\x00" not in row.raw, name
        if result["event_id"] is None:
            # Not classified (or not applicable): a person reads it.
            assert result["review_task_id"] in tasks, name
        else:
            assert result["event_id"] in events, name
            assert result["prospect_id"] == PROSPECT, name
    # Only these two have no words to act on; every other one became an event for ada.
    unapplied = {name for name, (_, result) in answers.items() if result["event_id"] is None}
    assert unapplied == {"headers and no body", "parts nested 5000 deep"}
    # Every event reached the journey and was applied; no workflow task failed on one; it runs.
    delivered = {result["event_id"] for _, result in answers.values() if result["event_id"]}
    await eventually(lambda: _applied(api, delivered), within=20)
    history = await api.workflow(PROSPECT).fetch_history()
    assert not [event for event in history.events if event.event_type == TASK_FAILED]
    description = await api.workflow(PROSPECT).describe()
    assert description.status == WorkflowExecutionStatus.RUNNING
    assert (await api.journey_state(PROSPECT))["source"] == "workflow"


async def _applied(api: Api, event_ids: set[str]) -> bool:
    view = await api.workflow(PROSPECT).query(STATE_QUERY, result_type=JourneyView)
    return event_ids <= set(view.state.applied_event_ids)


async def test_a_malformed_email_from_a_stranger_waits_for_review(api: Api) -> None:
    await api.publish()
    case = next(case for case in CORPUS if case.name == "boundary never closed")

    status, result = await _post(api, case.raw("stranger@elsewhere.example"))

    assert status == 202, result
    assert (result["prospect_id"], result["event_id"]) == (None, None)
    async with api.db.session() as session:
        task = await session.get(SalesTask, result["review_task_id"])
    assert task is not None
    assert task.queue == "inbound-review"


async def test_what_is_not_an_email_is_422_with_the_reason(api: Api) -> None:
    for name, (raw, reason) in NOT_EMAILS.items():
        status, result = await _post(api, raw)

        assert status == 422, name
        assert reason in result["detail"], name
