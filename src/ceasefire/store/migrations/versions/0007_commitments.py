"""Commitments: evidence, exchange lists and persons, weapon declarations and inspections.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ceasefire.store.append_only import trigger_statements
from ceasefire.store.types import UtcDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "commitment_records",
        sa.Column(
            "ledger_seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
            autoincrement=False,
        ),
        sa.Column("record_id", sa.String(96), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("recorded_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("ledger_seq", name="pk_commitment_records"),
        sa.ForeignKeyConstraint(
            ["ledger_seq"], ["ledger.seq"], name="fk_commitment_records_ledger_seq_ledger"
        ),
        sa.UniqueConstraint("record_id", name="uq_commitment_records_record_id"),
    )
    op.create_index("ix_commitment_records_kind_subject", "commitment_records", ["kind", "subject"])
    op.create_table(
        "exchange_persons",
        sa.Column("list_id", sa.String(16), nullable=False),
        sa.Column("row_no", sa.Integer, nullable=False),
        sa.Column("salt", sa.String(32), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("list_id", "row_no", name="pk_exchange_persons"),
    )
    for table in ("commitment_records", "exchange_persons"):
        for statement in trigger_statements(op.get_bind().dialect.name, table):
            op.execute(statement)


def downgrade() -> None:
    op.drop_table("exchange_persons")
    op.drop_table("commitment_records")
