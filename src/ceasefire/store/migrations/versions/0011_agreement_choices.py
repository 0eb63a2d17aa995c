"""The agreement in use: which of several agreements in the record commands default to.

A mission's record can hold more than one agreement (a ceasefire, then its commitments
annex, or two theatres). Which one a command means when none is named is a decision of the
mission, taken by a person, so it is a ledger entry like any other and each choice is a row.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ceasefire.store.append_only import trigger_statements
from ceasefire.store.types import UtcDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agreement_choices",
        sa.Column("ledger_seq", sa.BigInteger, nullable=False, autoincrement=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("chosen_by", sa.String(128), nullable=False),
        sa.Column("chosen_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("ledger_seq", name="pk_agreement_choices"),
        sa.ForeignKeyConstraint(
            ["ledger_seq"], ["ledger.seq"], name="fk_agreement_choices_ledger_seq_ledger"
        ),
    )
    for statement in trigger_statements(op.get_bind().dialect.name, "agreement_choices"):
        op.execute(statement)


def downgrade() -> None:
    op.drop_table("agreement_choices")
