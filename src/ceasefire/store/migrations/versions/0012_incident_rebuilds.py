"""Each rebuild of the derived incident rows, as a row: the one change to them without a log entry.

Every other change to the incidents comes with a ledger entry, so what the dashboard and the
clock keep between requests is current to a ledger position. `ceasefire incidents rebuild`
replaces the derived rows from a replay of the log without adding to it; a row here says that
it happened (and when, at which ledger position), so a running server knows what it kept is
stale from one indexed read instead of counting the membership table on every request.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ceasefire.store.types import UtcDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incident_rebuilds",
        sa.Column(
            "rebuild_no",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("at_seq", sa.BigInteger, nullable=False),
        sa.Column("rebuilt_at", UtcDateTime, nullable=False),
        sa.Column("incidents", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("incident_rebuilds")
