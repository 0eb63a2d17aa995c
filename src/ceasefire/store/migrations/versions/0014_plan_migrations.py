"""Plans pinned per case, and human decisions where the plan wants them.

A track runs under the plan version it opened with; moving an open track to a newer version is
an explicit migration, recorded in `plan_migrations` and in the log. A phase the plan gates on
a confirmation is entered only on a recorded answer (`phase_answers`: confirmed or declined, by
whom, why), also a ledger entry.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ceasefire.store.append_only import trigger_statements
from ceasefire.store.types import UtcDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plan_migrations",
        sa.Column("plan", sa.String(64), nullable=False),
        sa.Column("party", sa.String(16), nullable=False),
        sa.Column("t0", UtcDateTime, nullable=False),  # the episode moved: its T0
        sa.Column("from_version", sa.Integer, nullable=False),
        sa.Column("to_version", sa.Integer, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("migrated_by", sa.String(64), nullable=False),
        sa.Column("migrated_at", UtcDateTime, nullable=False),
        sa.Column("ledger_seq", sa.BigInteger, nullable=False),
        sa.ForeignKeyConstraint(
            ["ledger_seq"], ["ledger.seq"], name="fk_plan_migrations_ledger_seq_ledger"
        ),
        sa.PrimaryKeyConstraint("ledger_seq", name="pk_plan_migrations"),
    )
    op.create_table(
        "phase_answers",
        sa.Column("plan", sa.String(64), nullable=False),
        sa.Column("party", sa.String(16), nullable=False),
        sa.Column("phase", sa.Integer, nullable=False),
        sa.Column("t0", UtcDateTime, nullable=False),  # the track episode, by its T0
        sa.Column("confirmed", sa.Boolean, nullable=False),
        sa.Column("answered_by", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("answered_at", UtcDateTime, nullable=False),
        sa.Column("ledger_seq", sa.BigInteger, nullable=False),
        sa.ForeignKeyConstraint(
            ["ledger_seq"], ["ledger.seq"], name="fk_phase_answers_ledger_seq_ledger"
        ),
        sa.PrimaryKeyConstraint("ledger_seq", name="pk_phase_answers"),
    )
    for table in ("plan_migrations", "phase_answers"):
        for statement in trigger_statements(op.get_bind().dialect.name, table):
            op.execute(statement)


def downgrade() -> None:
    op.drop_table("phase_answers")
    op.drop_table("plan_migrations")
