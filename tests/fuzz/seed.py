"""Data the fuzzer can reach: the demo journey, enrolled prospects, tasks, an inbound e-mail.

Without it nearly every generated id is unknown and the fuzzer only ever sees 404s. The seed is
made through the API itself (the same requests a user sends); `Seeded` then offers the ids it
made to the generation hooks (`known_values`), which mix them into generated path parameters,
queries and bodies.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import httpx

from nurture.links import make_click_token, make_unsubscribe_token

DEMO_JOURNEY = Path(__file__).parents[2] / "definitions" / "b2b_funnel.yaml"
# The demo journey under an id of its own: the fuzzer shares the test session's Temporal server,
# and other tests run the demo journey with prospects of the same names.
JOURNEY_ID = "fuzz-funnel"
PROSPECTS = ("ada", "grace", "linus")
# Operations that destroy or close what they name get ids of their own, so the others still
# find what they need in whatever order the operations run.
ERASABLE = ("erase-me-1", "erase-me-2")
ERASE = "DELETE /prospects/{prospect_id}"
REASSIGN = "POST /tasks/{task_id}/reassign"
REVIEW_QUEUE = "inbound-review"
WAIT_SECONDS = 30.0

Ids = dict[str, list[str]]


@dataclass
class SeedIds:
    """The ids the seed made, by parameter name (as the API's paths, queries and bodies name
    them); `by_operation`: ids for one operation only, by its label (`POST /path`)."""

    values: Ids = field(default_factory=dict)
    by_operation: dict[str, Ids] = field(default_factory=dict)


@dataclass
class Seeded:
    """What the generation hooks know: empty when the test module is imported (its hooks hold
    it), filled by `fill` once the app is seeded, before the first request is generated."""

    ids: SeedIds = field(default_factory=SeedIds)

    def known(self, name: str, *, operation: str) -> list[str]:
        values = self.ids.by_operation.get(operation, self.ids.values)
        return list(values.get(name, []))

    def fill(self, ids: SeedIds) -> None:
        self.ids = ids


def seed(http: httpx.Client, *, link_secret: str) -> SeedIds:
    """Publish the demo journey, enrol prospects and give them tasks; the ids made, by name."""
    _expect(
        http.post(
            "/journeys",
            content=DEMO_JOURNEY.read_text().replace(
                "journey: b2b-funnel", f"journey: {JOURNEY_ID}", 1
            ),
            headers={"content-type": "application/yaml"},
        ),
        201,
    )
    for prospect_id in PROSPECTS + ERASABLE:
        enrolled = http.post(
            f"/journeys/{JOURNEY_ID}/enrollments",
            json={
                "id": prospect_id,
                "email": f"{prospect_id}@example.com",
                "first_name": prospect_id.title(),
                "timezone": "Europe/Warsaw",
            },
        )
        _expect(enrolled, 201)
    # ada downloads the e-book: "probably a lead", a hand-off; linus phones: a task for Marta.
    _post_event(http, "ada", "form_submitted", {"form_id": "ebook-download"})
    _post_event(http, "linus", "channel_contact", {"channel": "phone"})
    # grace replies by e-mail (a hand-off); a stranger's message waits for a person's review.
    _expect(_post_mail(http, sender="grace@example.com", text="Can we talk on Monday?"), 202)
    _expect(_post_mail(http, sender="nobody@elsewhere.example", text="Hello?"), 202)
    worked = _wait_for_tasks(http, {"prospect_id": "ada"}, {"prospect_id": "grace"})
    to_reassign = _wait_for_tasks(http, {"prospect_id": "linus"}, {"queue": REVIEW_QUEUE})
    values = {
        "journey_id": [JOURNEY_ID],
        "prospect_id": list(PROSPECTS),
        "task_id": worked,
        # A generated address rarely gets past validation, so a task would never change hands.
        "assignee": ["marta.nowak@northwind.example.com"],
        "token": [
            make_click_token(
                link_secret,
                prospect_id="linus",
                journey_id=JOURNEY_ID,
                content_id="support-inbox-problems",
            ),
            make_unsubscribe_token(link_secret, prospect_id="linus", journey_id=JOURNEY_ID),
        ],
    }
    return SeedIds(
        values=values,
        by_operation={
            ERASE: {"prospect_id": list(ERASABLE)},
            REASSIGN: {**values, "task_id": to_reassign},
        },
    )


def _post_event(http: httpx.Client, prospect_id: str, kind: str, data: dict[str, str]) -> None:
    body = {"id": f"seed-{kind}-{prospect_id}", "prospect_id": prospect_id, "type": kind}
    _expect(http.post("/events", json={**body, "data": data}), 202)


def _post_mail(http: httpx.Client, *, sender: str, text: str) -> httpx.Response:
    raw = (
        f"From: {sender}\r\nTo: hello@northwind.example.com\r\nSubject: A question\r\n"
        f"Date: {format_datetime(datetime.now(UTC))}\r\n"
        f"Message-ID: <seed-{sender}>\r\n\r\n{text}\r\n"
    )
    return http.post(
        "/inbound/email", content=raw.encode(), headers={"content-type": "message/rfc822"}
    )


def _wait_for_tasks(http: httpx.Client, *filters: dict[str, str]) -> list[str]:
    """The ids of the tasks each filter of `GET /tasks` lists, once each lists one (the worker
    makes them a moment after the event)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        found = [_expect(http.get("/tasks", params=query), 200) for query in filters]
        if all(found):
            return [str(task["id"]) for tasks in found for task in tasks]
        time.sleep(0.1)
    raise TimeoutError(f"no task for some of {filters} within {WAIT_SECONDS} s")


def _expect(response: httpx.Response, status_code: int) -> Any:
    assert response.status_code == status_code, (
        f"seeding {response.request.method} {response.request.url.path}: "
        f"{response.status_code} {response.text}"
    )
    return response.json()
