"""Delivery and access: the outbox, the suppression list, API keys, webhook ids, erasures.

- `outbox`: every e-mail under its stable key with its fate (docs/delivery.md).
- `suppressions`: addresses nothing may be sent to, by SHA-256 (docs/delivery.md).
- `api_keys`: hashed API keys and their roles (docs/operations.md).
- `webhook_deliveries`: signed webhook ids seen recently, for replay protection.
- `erasures`: the anonymised record that a prospect was erased (docs/privacy.md).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _when(name: str, *, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("key", sa.String(length=400), primary_key=True),
        sa.Column("message_id", sa.String(length=400), nullable=False, unique=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("workflow_id", sa.String(length=300), nullable=True),
        sa.Column("prospect_id", sa.String(length=200), nullable=True),
        sa.Column("to_address", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("failure_type", sa.String(length=64), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        _when("created_at"),
        _when("updated_at"),
    )
    for column in ("prospect_id", "state", "workflow_id"):
        op.create_index(f"ix_outbox_{column}", "outbox", [column])
    op.create_table(
        "suppressions",
        sa.Column("address_hash", sa.String(length=64), primary_key=True),
        sa.Column("address", sa.String(length=320), nullable=True),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        _when("at"),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(length=32), primary_key=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("user", sa.String(length=320), nullable=True),
        sa.Column("manager", sa.Boolean(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        _when("created_at"),
        _when("last_used_at", nullable=True),
        _when("revoked_at", nullable=True),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.String(length=256), primary_key=True),
        sa.Column("body_sha256", sa.String(length=64), nullable=False),
        _when("received_at"),
    )
    op.create_index("ix_webhook_deliveries_received_at", "webhook_deliveries", ["received_at"])
    op.create_table(
        "erasures",
        sa.Column("id", sa.String(length=64), primary_key=True),
        sa.Column("prospect_id_hash", sa.String(length=64), nullable=False),
        sa.Column("pseudonym", sa.String(length=200), nullable=False),
        _when("erased_at"),
        sa.Column("counts", sa.JSON(), nullable=False),
    )
    op.create_index("ix_erasures_prospect_id_hash", "erasures", ["prospect_id_hash"])


def downgrade() -> None:
    for table in ("erasures", "webhook_deliveries", "api_keys", "suppressions", "outbox"):
        op.drop_table(table)
