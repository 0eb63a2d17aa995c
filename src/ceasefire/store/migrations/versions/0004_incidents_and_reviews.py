"""Incident membership (derived) and reviews (in the ledger, append-only).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ceasefire.store.append_only import trigger_statements
from ceasefire.store.types import UtcDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incident_members",
        sa.Column("report_id", sa.String(24), nullable=False),
        sa.Column("incident_no", sa.BigInteger, nullable=False),
        sa.Column("key_seq", sa.BigInteger, nullable=False),
        sa.Column("pinned", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("report_id", name="pk_incident_members"),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.report_id"], name="fk_incident_members_report_id_reports"
        ),
    )
    op.create_index("ix_incident_members_incident_no", "incident_members", ["incident_no"])
    op.create_table(
        "reviews",
        sa.Column(
            "ledger_seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
            autoincrement=False,
        ),
        sa.Column("incident_no", sa.BigInteger, nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("reviewer", sa.String(64), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("recorded_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("ledger_seq", name="pk_reviews"),
        sa.ForeignKeyConstraint(
            ["ledger_seq"], ["ledger.seq"], name="fk_reviews_ledger_seq_ledger"
        ),
    )
    op.create_index("ix_reviews_incident_no", "reviews", ["incident_no"])
    for statement in trigger_statements(op.get_bind().dialect.name, "reviews"):
        op.execute(statement)


def downgrade() -> None:
    op.drop_table("reviews")
    op.drop_table("incident_members")
