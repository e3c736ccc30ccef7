"""The funnel and content reports agree with what prospects did on a real journey.

Four prospects go through a three-stage journey on a real Temporal dev server, moved by their
events (a tracked click, a webhook, forms, an unsubscribe), each a day apart on its own virtual
clock; then the reports are read over HTTP.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from nurture.tables import Enrollment
from tests.integration.api_driver import Api, at_least, eventually

DAY = timedelta(days=1)

JOURNEY = """
journey: {journey_id}
name: Reports journey
sender:
  from: "Test Sender <sender@example.com>"
stages:
  - {id: learn, name: Learning, points: [1, 10]}
  - {id: consider, points: [10, 100]}
  - {id: buy, points: [100, 1000]}
content:
  - id: guide
    stage: learn
    title: The guide
    points: 5
    link: https://example.com/guide
    email: {subject: The guide, body: '<p><a href="{{ link }}">Read the guide</a></p>'}
  - id: case-study
    stage: consider
    title: A case study
    points: 50
    link: https://example.com/case-study
    email: {subject: A case study, body: '<p><a href="{{ link }}">Read it</a></p>'}
  - id: pricing
    stage: buy
    title: Pricing
    points: 500
    link: https://example.com/pricing
    email: {subject: Pricing, body: '<p><a href="{{ link }}">Prices</a></p>'}
sequences:
  learn: {steps: [{send: guide}, {wait: 30d}]}
  consider: {steps: [{send: case-study}, {wait: 30d}]}
rules:
  - id: read-the-guide
    when: {event: content_consumed, content: guide}
    if: {stage_in: [learn]}
    do: [{move_to: consider}]
  - id: asked-for-a-demo
    when: {event: form_submitted, form: demo}
    do: [{move_to: buy}]
  - id: not-ready
    when: {event: form_submitted, form: not-ready}
    do: [{move_to: learn}]
  - id: reply
    when: {event: email_replied}
    do: [{handoff: {title: Answer the reply}}]
"""


async def in_stage(api: Api, prospect_id: str, stage: str, status: str = "active") -> None:
    """The journey is there, and so is its projection, which the reports count from (the live
    state answers first; the projection is written at the end of the workflow's turn)."""
    await eventually(
        lambda: api.state_if(
            prospect_id, lambda state: (state["stage"], state["status"]) == (stage, status)
        )
    )

    async def projected() -> Enrollment | None:
        async with api.db.session() as session:
            row = await session.get(Enrollment, api.workflow(prospect_id).id)
        return row if row is not None and (row.stage, row.status) == (stage, status) else None

    await eventually(projected)


async def form(api: Api, prospect_id: str, form_id: str) -> None:
    await api.post_event(f"{prospect_id}-{form_id}", prospect_id, "form_submitted", form_id=form_id)


def tracked_link(api: Api, address: str, subject: str) -> str:
    [mail] = api.mail_to(address, subject)
    text = mail.message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    [link] = re.findall(r"http://testserver(/t/[A-Za-z0-9_\-.]+)", text)
    return str(link)


async def four_prospects_move(api: Api) -> None:
    """The story the reports count (the web UI's test tells it too), once ann, bob, cid and dan
    are enrolled and have their guide."""
    # Ann clicks the guide's tracked link a day later: on to `consider`; then asks for a demo.
    await api.forward("ann", DAY)
    clicked = await api.http.get(tracked_link(api, "ann@example.com", "The guide"))
    assert clicked.status_code == 307
    await in_stage(api, "ann", "consider")
    await api.forward("ann", DAY)
    await form(api, "ann", "demo")
    await in_stage(api, "ann", "buy")
    # Bob asks for a demo straight from `learn`: he skips `consider`.
    await api.forward("bob", DAY)
    await form(api, "bob", "demo")
    await in_stage(api, "bob", "buy")
    # Cid reads the guide (a webhook, not the tracked link), then is not ready after all: back.
    await api.forward("cid", DAY)
    await api.post_event("cid-read", "cid", "content_consumed", content_id="guide")
    await in_stage(api, "cid", "consider")
    await api.forward("cid", DAY)
    await form(api, "cid", "not-ready")
    await in_stage(api, "cid", "learn")
    # Dan unsubscribes while still in `learn`.
    await api.post_event("dan-bye", "dan", "unsubscribed")
    await in_stage(api, "dan", "learn", status="unsubscribed")


async def test_the_funnel_and_content_reports_count_what_the_prospects_did(api: Api) -> None:
    await api.publish(JOURNEY)
    for prospect_id in ("ann", "bob", "cid", "dan"):
        assert (await api.enroll(prospect_id)).status_code == 201
    await api.sink.wait_for(4)  # the guide, to each of them

    await four_prospects_move(api)
    # The case study to Ann and Cid; Cid is not sent the guide again (he has read it).
    await eventually(lambda: at_least(6, api.sink.messages))

    funnel = (await api.http.get("/reports/funnel", params={"journey_id": api.journey_id})).json()
    content = await eventually(lambda: _content_once_sent(api, sends=6))

    counted = {
        line["stage_id"]: (
            line["name"],
            line["entered"],
            line["forward"],
            line["skipped"],
            line["back"],
            line["left"],
        )
        for line in funnel["stages"]
    }
    assert counted == {
        "learn": ("Learning", 4, 3, 0, 0, 1),
        "consider": ("consider", 2, 1, 1, 1, 0),
        "buy": ("buy", 2, 0, 0, 0, 0),
    }
    assert [line["conversion_to_next"] for line in funnel["stages"]] == [0.5, 1.0, None]
    assert funnel["overall_conversion"] == 0.5
    # Ann, Bob and Cid each spent a day in `learn` before moving on; Dan left it at once.
    assert funnel["stages"][0]["median_days_in_stage"] == 1.0
    assert funnel["stages"][1]["median_days_in_stage"] == 1.0

    lines = {line["content_id"]: line for line in content["items"]}
    guide, case_study, pricing = lines["guide"], lines["case-study"], lines["pricing"]
    # Four guides; only Ann's was opened through the tracked link; all but Dan moved on.
    assert (guide["sent"], guide["clicked"], guide["moved_forward_within_window"]) == (4, 1, 3)
    assert (guide["click_rate"], guide["forward_rate"], guide["stage_baseline_rate"]) == (
        0.25,
        0.75,
        0.75,
    )
    # The case study: Ann went on to `buy` a day later, Cid went back.
    assert (case_study["sent"], case_study["forward_rate"], case_study["lift"]) == (2, 0.5, 0.0)
    assert (pricing["sent"], pricing["forward_rate"]) == (0, None)


async def _content_once_sent(api: Api, *, sends: int) -> dict[str, Any] | None:
    """The content report once every e-mail caught by the sink is recorded as sent."""
    response = await api.http.get("/reports/content", params={"journey_id": api.journey_id})
    report: dict[str, Any] = response.json()
    return report if sum(line["sent"] for line in report["items"]) >= sends else None
