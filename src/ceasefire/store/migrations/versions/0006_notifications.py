"""Notification channels and the durable outbox.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ceasefire.store.types import UtcDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "notify_channels",
        sa.Column("id", _ID, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("target", sa.Text, nullable=False),
        sa.Column("format", sa.String(8), nullable=False),
        sa.Column("events", sa.String(64), nullable=False),
        sa.Column("secret", sa.Text),
        sa.Column("smtp", sa.Text),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("removed_at", UtcDateTime),
        sa.PrimaryKeyConstraint("id", name="pk_notify_channels"),
    )
    op.create_table(
        "outbox",
        sa.Column("id", _ID, autoincrement=True),
        sa.Column("channel_id", sa.BigInteger, nullable=False),
        sa.Column("event_id", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("decision_id", sa.String(16), nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("content_type", sa.String(64), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", UtcDateTime, nullable=False),
        sa.Column("claimed_until", UtcDateTime),
        sa.Column("claimed_by", sa.String(64)),
        sa.Column("delivered_at", UtcDateTime),
        sa.Column("cancelled_at", UtcDateTime),
        sa.Column("last_error", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["notify_channels.id"], name="fk_outbox_channel_id_notify_channels"
        ),
    )
    op.create_index(
        "ix_outbox_channel_id_event_id", "outbox", ["channel_id", "event_id"], unique=True
    )
    op.create_index(
        "ix_outbox_delivered_at_next_attempt_at", "outbox", ["delivered_at", "next_attempt_at"]
    )


def downgrade() -> None:
    op.drop_table("outbox")
    op.drop_table("notify_channels")
