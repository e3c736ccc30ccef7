"""The schema as `create_all` made it before migrations (every table but `timeline_runs`).

Revision ID: 0001
Revises:
Create Date: 2026-11-23

Written out in full rather than from the models, so later changes to the models cannot change
it. Databases made by `create_all` at that time are stamped with this revision instead of
running it (see `nurture.migrations.PRE_ALEMBIC_SCHEMAS`).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Every time is an aware UTC time (nurture.tables.UtcDateTime over this type).
UtcTime = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "journey_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("journey_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("published_at", UtcTime, nullable=False),
        sa.UniqueConstraint("journey_id", "version"),
    )
    op.create_index("ix_journey_versions_journey_id", "journey_versions", ["journey_id"])

    op.create_table(
        "prospects",
        sa.Column("id", sa.String(length=200), primary_key=True),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("first_name", sa.String(), nullable=True),
        sa.Column("company", sa.String(), nullable=True),
        sa.Column("timezone", sa.String(), nullable=True),
        sa.Column("attributes", sa.JSON(), nullable=True),
        sa.Column("created_at", UtcTime, nullable=False),
    )
    op.create_index("ix_prospects_email", "prospects", ["email"])

    op.create_table(
        "enrollments",
        sa.Column("workflow_id", sa.String(length=300), primary_key=True),
        sa.Column("prospect_id", sa.String(length=200), nullable=False),
        sa.Column("journey_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("temperature", sa.String(), nullable=False),
        sa.Column("lifecycle", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("paused_until", UtcTime, nullable=True),
        sa.Column("next_action", sa.String(), nullable=True),
        sa.Column("next_action_at", UtcTime, nullable=True),
        sa.Column("enrolled_at", UtcTime, nullable=False),
        sa.Column("updated_at", UtcTime, nullable=False),
        sa.Column("state", sa.JSON(), nullable=True),
        sa.Column("ended_at", UtcTime, nullable=True),
        sa.Column("entries", sa.Integer(), nullable=False),
    )
    op.create_index("ix_enrollments_prospect_id", "enrollments", ["prospect_id"])
    op.create_index("ix_enrollments_journey_id", "enrollments", ["journey_id"])
    op.create_index("ix_enrollments_status", "enrollments", ["status"])

    op.create_table(
        "events",
        sa.Column("id", sa.String(length=200), primary_key=True),
        sa.Column("prospect_id", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(), nullable=False),
        sa.Column("occurred_at", UtcTime, nullable=False),
        sa.Column("received_at", UtcTime, nullable=False),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.Column("delivered_to", sa.JSON(), nullable=True),
        sa.Column("note", sa.String(), nullable=True),
    )
    op.create_index("ix_events_prospect_id", "events", ["prospect_id"])

    op.create_table(
        "sent_emails",
        sa.Column("key", sa.String(length=400), primary_key=True),
        sa.Column("message_id", sa.String(length=400), nullable=False, unique=True),
        sa.Column("workflow_id", sa.String(length=300), nullable=False),
        sa.Column("prospect_id", sa.String(length=200), nullable=False),
        sa.Column("journey_id", sa.String(length=64), nullable=False),
        sa.Column("content_id", sa.String(), nullable=False),
        sa.Column("to_address", sa.String(), nullable=False),
        sa.Column("subject", sa.String(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("sent_at", UtcTime, nullable=False),
    )
    op.create_index("ix_sent_emails_workflow_id", "sent_emails", ["workflow_id"])
    op.create_index("ix_sent_emails_prospect_id", "sent_emails", ["prospect_id"])

    op.create_table(
        "tasks",
        sa.Column("id", sa.String(length=64), primary_key=True),
        sa.Column("key", sa.String(length=400), nullable=False, unique=True),
        sa.Column("workflow_id", sa.String(length=300), nullable=False),
        sa.Column("prospect_id", sa.String(length=200), nullable=False),
        sa.Column("journey_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("queue", sa.String(), nullable=True),
        sa.Column("assignee", sa.String(), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", UtcTime, nullable=False),
        sa.Column("due_at", UtcTime, nullable=True),
        sa.Column("context", sa.JSON(), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("outcome", sa.String(), nullable=True),
        sa.Column("outcome_reason", sa.Text(), nullable=True),
        sa.Column("outcome_note", sa.Text(), nullable=True),
        sa.Column("bant", sa.JSON(), nullable=True),
        sa.Column("first_action_at", UtcTime, nullable=True),
        sa.Column("closed_at", UtcTime, nullable=True),
        sa.Column("sla_breached", sa.Boolean(), nullable=False),
        sa.Column("notices", sa.JSON(), nullable=True),
    )
    for column in ("workflow_id", "prospect_id", "queue", "assignee", "status", "outcome"):
        op.create_index(f"ix_tasks_{column}", "tasks", [column])

    op.create_table(
        "queue_cursors",
        sa.Column("queue", sa.String(length=64), primary_key=True),
        sa.Column("journey_id", sa.String(length=64), primary_key=True),
        sa.Column("turns", sa.Integer(), nullable=False),
    )

    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("workflow_id", sa.String(length=300), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", UtcTime, nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("rule_id", sa.String(), nullable=True),
        sa.Column("event_id", sa.String(), nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("stage", sa.String(), nullable=True),
        sa.UniqueConstraint("workflow_id", "seq"),
    )
    op.create_index("ix_decisions_workflow_id", "decisions", ["workflow_id"])

    op.create_table(
        "inbound_emails",
        sa.Column("id", sa.String(length=64), primary_key=True),
        sa.Column("message_id", sa.String(length=400), nullable=True),
        sa.Column("received_at", UtcTime, nullable=False),
        sa.Column("from_address", sa.String(length=320), nullable=True),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("return_date", sa.String(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("classification", sa.JSON(), nullable=True),
        sa.Column("prospect_id", sa.String(length=200), nullable=True),
        sa.Column("matched_by", sa.String(), nullable=True),
        sa.Column("event_id", sa.String(), nullable=True),
        sa.Column("task_id", sa.String(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("raw", sa.Text(), nullable=False),
    )
    for column in ("message_id", "from_address", "kind", "prospect_id"):
        op.create_index(f"ix_inbound_emails_{column}", "inbound_emails", [column])

    op.create_table(
        "sending_policies",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("policy", sa.JSON(), nullable=False),
        sa.Column("updated_at", UtcTime, nullable=False),
    )

    op.create_table(
        "prospect_send_locks",
        sa.Column("prospect_id", sa.String(length=200), primary_key=True),
        sa.Column("checks", sa.Integer(), nullable=False),
    )

    op.create_table(
        "send_reservations",
        sa.Column("key", sa.String(length=400), primary_key=True),
        sa.Column("prospect_id", sa.String(length=200), nullable=False),
        sa.Column("at", UtcTime, nullable=False),
    )
    op.create_index("ix_send_reservations_prospect_id", "send_reservations", ["prospect_id"])


def downgrade() -> None:
    # Dropping a table drops its indexes and constraints with it.
    for table in (
        "send_reservations",
        "prospect_send_locks",
        "sending_policies",
        "inbound_emails",
        "decisions",
        "queue_cursors",
        "tasks",
        "sent_emails",
        "events",
        "enrollments",
        "prospects",
        "journey_versions",
    ):
        op.drop_table(table)
