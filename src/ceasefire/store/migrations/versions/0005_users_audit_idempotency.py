"""The service: users and tokens, the audit trail, idempotent answers, report submitters.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ceasefire.store.types import UtcDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("party", sa.String(16)),
        sa.Column("token_id", sa.String(16), nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("revoked_at", UtcDateTime),
        sa.PrimaryKeyConstraint("name", name="pk_users"),
        sa.UniqueConstraint("token_id", name="uq_users_token_id"),
    )
    op.create_table(
        "audit",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.Column("user", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("method", sa.String(8), nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit"),
    )
    op.create_index("ix_audit_user_at", "audit", ["user", "at"])
    op.create_table(
        "idempotency",
        sa.Column("user", sa.String(64), nullable=False),
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("request_sha256", sa.String(64), nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("response", sa.Text, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("user", "key", name="pk_idempotency"),
    )
    op.create_table(
        "report_submitters",
        sa.Column("report_id", sa.String(24), nullable=False),
        sa.Column("user", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("report_id", name="pk_report_submitters"),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.report_id"], name="fk_report_submitters_report_id_reports"
        ),
    )
    op.create_index("ix_report_submitters_user", "report_submitters", ["user"])


def downgrade() -> None:
    for table in ("report_submitters", "idempotency", "audit", "users"):
        op.drop_table(table)
