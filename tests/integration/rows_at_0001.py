"""Rows as the code of revision 0001 wrote them: one prospect in the demo journey, handed off.

They go in through the tables reflected from the database itself, not through today's models,
so a test of a later revision starts from what an old database really holds. Serial ids are
left to the database, as the application left them, so its sequences stay in step.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, MetaData

ENROLLED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
READ_PRICING = datetime(2026, 3, 5, 14, 30, 15, 250_000, tzinfo=UTC)
WORKFLOW_ID = "journey-b2b-funnel-ada"

ROWS: dict[str, list[dict[str, Any]]] = {
    "journey_versions": [
        {
            "journey_id": "b2b-funnel",
            "version": 1,
            "name": "B2B funnel",
            "source": "journey: b2b-funnel\nname: B2B funnel\n",
            "definition": {"journey": "b2b-funnel", "stages": [{"id": "awareness"}]},
            "published_at": ENROLLED,
        }
    ],
    "prospects": [
        {
            "id": "ada",
            "email": "ada@example.com",
            "first_name": "Ada",
            "company": "Example Ltd",
            "timezone": "Europe/Warsaw",
            "attributes": {"country": "PL", "employees": 120},
            "created_at": ENROLLED,
        }
    ],
    "enrollments": [
        {
            "workflow_id": WORKFLOW_ID,
            "prospect_id": "ada",
            "journey_id": "b2b-funnel",
            "version": 1,
            "stage": "offer",
            "score": 1150,
            "temperature": "hot",
            "lifecycle": "sql",
            "status": "handed_off",
            "paused_until": None,
            "next_action": "wait for the sales outcome",
            "next_action_at": None,
            "enrolled_at": ENROLLED,
            "updated_at": READ_PRICING,
            "state": {"stage": "offer", "score": 1150, "consumed": ["pricing-page"]},
            "ended_at": None,
            "entries": 1,
        }
    ],
    "events": [
        {
            "id": "evt-pricing-1",
            "prospect_id": "ada",
            "type": "content_consumed",
            "occurred_at": READ_PRICING,
            "received_at": READ_PRICING,
            "data": {"content": "pricing-page"},
            "delivered_to": [WORKFLOW_ID],
            "note": None,
        }
    ],
    "sent_emails": [
        {
            "key": f"{WORKFLOW_ID}/1/welcome",
            "message_id": "<welcome.ada@nurture.example>",
            "workflow_id": WORKFLOW_ID,
            "prospect_id": "ada",
            "journey_id": "b2b-funnel",
            "content_id": "welcome",
            "to_address": "ada@example.com",
            "subject": "Welcome, Ada — zaczynamy",
            "reason": "first step of the awareness sequence",
            "sent_at": ENROLLED,
        }
    ],
    "tasks": [
        {
            "id": "task-ada-1",
            "key": f"{WORKFLOW_ID}/1/handoff",
            "workflow_id": WORKFLOW_ID,
            "prospect_id": "ada",
            "journey_id": "b2b-funnel",
            "kind": "handoff",
            "title": "Call Ada (Example Ltd)",
            "description": "Score 1150 after the pricing page",
            "queue": "sales",
            "assignee": "ewa@northwind.example.com",
            "status": "open",
            "reason": "moved to offer: consumed pricing-page, a stage-3 item",
            "created_at": READ_PRICING,
            "due_at": datetime(2026, 3, 6, 14, 30, 15, 250_000, tzinfo=UTC),
            "context": {"score": 1150, "history": ["welcome", "pricing-page"]},
            "message": None,
            "outcome": None,
            "outcome_reason": None,
            "outcome_note": None,
            "bant": {"budget": True, "authority": None},
            "first_action_at": None,
            "closed_at": None,
            "sla_breached": False,
            "notices": [{"key": "notify/1", "to": "ewa@northwind.example.com"}],
        }
    ],
    "decisions": [
        {
            "workflow_id": WORKFLOW_ID,
            "seq": 1,
            "at": READ_PRICING,
            "kind": "stage_changed",
            "reason": "moved to offer: consumed pricing-page, a stage-3 item",
            "rule_id": "pricing-to-offer",
            "event_id": "evt-pricing-1",
            "score": 1150,
            "stage": "offer",
        }
    ],
    "sending_policies": [
        {"policy": {"frequency_cap": {"count": 2, "per": "P7D"}}, "updated_at": ENROLLED}
    ],
    "queue_cursors": [{"queue": "sales", "journey_id": "b2b-funnel", "turns": 3}],
}


def insert_rows(connection: Connection) -> None:
    """Insert `ROWS` through the tables the database has now."""
    tables = MetaData()
    tables.reflect(connection, only=list(ROWS))
    for name, rows in ROWS.items():
        connection.execute(tables.tables[name].insert(), rows)
