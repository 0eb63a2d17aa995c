"""Adopted plan versions, recorded decisions, acknowledgements and reminders.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from ceasefire.store.append_only import trigger_statements
from ceasefire.store.types import UtcDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _ledger_link(table: str) -> list[Any]:
    return [
        sa.Column("ledger_seq", sa.BigInteger, nullable=False),
        sa.ForeignKeyConstraint(
            ["ledger_seq"], ["ledger.seq"], name=f"fk_{table}_ledger_seq_ledger"
        ),
        sa.UniqueConstraint("ledger_seq", name=f"uq_{table}_ledger_seq"),
    ]


def upgrade() -> None:
    op.create_table(
        "plans",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        sa.Column("adopted_at", UtcDateTime, nullable=False),
        *_ledger_link("plans"),
        sa.PrimaryKeyConstraint("name", "version", name="pk_plans"),
    )
    op.create_table(
        "decisions",
        sa.Column("decision_id", sa.String(16), nullable=False),
        sa.Column("plan", sa.String(64), nullable=False),
        sa.Column("plan_version", sa.Integer, nullable=False),
        sa.Column("party", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("phase", sa.Integer, nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("effective_at", UtcDateTime, nullable=False),
        sa.Column("known_at", UtcDateTime, nullable=False),
        sa.Column("due_at", UtcDateTime),
        sa.Column("revises", sa.String(16), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("recorded_at", UtcDateTime, nullable=False),
        *_ledger_link("decisions"),
        sa.PrimaryKeyConstraint("decision_id", name="pk_decisions"),
    )
    op.create_index("ix_decisions_plan_party", "decisions", ["plan", "party"])
    op.create_table(
        "acknowledgements",
        sa.Column("decision_id", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("acknowledged_at", UtcDateTime, nullable=False),
        *_ledger_link("acknowledgements"),
        sa.PrimaryKeyConstraint("decision_id", "actor", name="pk_acknowledgements"),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decisions.decision_id"],
            name="fk_acknowledgements_decision_id_decisions",
        ),
    )
    op.create_table(
        "reminders",
        sa.Column("decision_id", sa.String(16), nullable=False),
        sa.Column("reminded_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("decision_id", "reminded_at", name="pk_reminders"),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["decisions.decision_id"], name="fk_reminders_decision_id_decisions"
        ),
    )
    dialect = op.get_bind().dialect.name
    for table in ("plans", "decisions", "acknowledgements"):
        for statement in trigger_statements(dialect, table):
            op.execute(statement)


def downgrade() -> None:
    for table in ("reminders", "acknowledgements", "decisions", "plans"):
        op.drop_table(table)
