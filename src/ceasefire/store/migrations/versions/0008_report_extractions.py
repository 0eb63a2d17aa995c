"""What the free-text extractor read from each report written in prose.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ceasefire.store.append_only import trigger_statements
from ceasefire.store.types import UtcDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_extractions",
        sa.Column(
            "ledger_seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
            autoincrement=False,
        ),
        sa.Column("report_id", sa.String(24), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("recorded_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("ledger_seq", name="pk_report_extractions"),
        sa.ForeignKeyConstraint(
            ["ledger_seq"], ["ledger.seq"], name="fk_report_extractions_ledger_seq_ledger"
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.report_id"],
            name="fk_report_extractions_report_id_reports",
        ),
        sa.UniqueConstraint("report_id", name="uq_report_extractions_report_id"),
    )
    for statement in trigger_statements(op.get_bind().dialect.name, "report_extractions"):
        op.execute(statement)


def downgrade() -> None:
    op.drop_table("report_extractions")
