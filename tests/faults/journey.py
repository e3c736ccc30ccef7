"""The journey the fault tests run: three e-mails a few real seconds apart, a task on request.

Small on purpose, so a run takes seconds on the real clock (the fault tests kill processes, so
no time skipping): `one`, a wait, `two`, a wait, `three`. A `demo` form creates a task (and its
notice to sales) without stopping the sequence; every form is worth 10 points and every content
item its own, so an event applied twice shows in the score. A `channel_contact` on the `finish`
channel is a goal: the test ends each journey with it once everything else has happened, and
the workflow's result is the final state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

CONTENT_POINTS = {"one": 1, "two": 2, "three": 4}
CONTENT = tuple(CONTENT_POINTS)
FORM_POINTS = 10
DEMO_FORM = "demo"
DEMO_TASK_TITLE = "Demo requested"
FINISH_CHANNEL = "finish"

_CONTENT_ITEM = """
  - id: {id}
    stage: only
    title: "{title}"
    points: {points}
    link: https://example.com/{id}
    email:
      subject: "{title} for {{{{ prospect.id }}}}"
      body: >-
        <p><a href="{{{{ link }}}}">Read {title}</a></p>
        <p><a href="{{{{ unsubscribe_link }}}}">Unsubscribe</a></p>
"""

_JOURNEY = """
journey: {journey_id}
name: Fault test journey
sender:
  from: "Fault Test <faults@example.com>"
stages:
  - id: only
    points: [1, 10]
content:{content}
sequences:
  only:
    steps:
      - send: one
      - wait: {wait}
      - send: two
      - wait: {wait}
      - send: three
goals:
  - id: test-over
    when: {{event: channel_contact, channel: {finish}}}
rules:
  - id: form-points
    when: {{event: form_submitted}}
    do: [{{add_points: {form_points}}}]
  - id: demo-task
    when: {{event: form_submitted, form: {demo}}}
    do: [{{task: {{title: "{task_title}", queue: sales, sla: 1d}}}}]
  - id: reply
    when: {{event: email_replied}}
    do: [{{handoff: {{title: They replied, queue: sales, sla: 1d}}}}]
"""


def fault_journey(journey_id: str, *, wait: str) -> str:
    """The journey's YAML, its two waits `wait` long (e.g. "3s")."""
    content = "".join(
        _CONTENT_ITEM.format(id=item, title=item.capitalize(), points=points)
        for item, points in CONTENT_POINTS.items()
    )
    return _JOURNEY.format(
        journey_id=journey_id,
        content=content,
        wait=wait,
        finish=FINISH_CHANNEL,
        form_points=FORM_POINTS,
        demo=DEMO_FORM,
        task_title=DEMO_TASK_TITLE,
    )


@dataclass(frozen=True)
class Event:
    """One prospect event as the API takes it; its id is what makes a resend harmless."""

    id: str
    prospect_id: str
    type: str
    data: dict[str, Any]
    occurred_at: datetime | None = None

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.id,
            "prospect_id": self.prospect_id,
            "type": self.type,
            "data": self.data,
        }
        if self.occurred_at is not None:
            body["occurred_at"] = self.occurred_at.isoformat()
        return body


def consumed(prospect_id: str, content_id: str, *, at: datetime | None = None) -> Event:
    return Event(
        f"{prospect_id}-read-{content_id}",
        prospect_id,
        "content_consumed",
        {"content_id": content_id},
        at,
    )


def form(prospect_id: str, form_id: str, *, at: datetime | None = None) -> Event:
    return Event(
        f"{prospect_id}-form-{form_id}", prospect_id, "form_submitted", {"form_id": form_id}, at
    )


def finish(prospect_id: str) -> Event:
    return Event(
        f"{prospect_id}-finish", prospect_id, "channel_contact", {"channel": FINISH_CHANNEL}
    )
