"""The audit timeline of closed workflow runs, kept once read from Temporal (`timeline_runs`).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "timeline_runs",
        sa.Column("workflow_id", sa.String(length=300), primary_key=True),
        sa.Column("run_id", sa.String(length=64), primary_key=True),
        sa.Column("prospect_id", sa.String(length=200), nullable=False),
        sa.Column("journey_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("format", sa.Integer(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=True),
        sa.Column("cached_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_timeline_runs_prospect_id", "timeline_runs", ["prospect_id"])


def downgrade() -> None:
    op.drop_table("timeline_runs")
