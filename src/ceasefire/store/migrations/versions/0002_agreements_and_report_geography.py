"""Agreements (versioned, in the ledger) and each report's place against each agreement.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ceasefire.store.append_only import trigger_statements
from ceasefire.store.types import UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agreements",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("document_sha256", sa.String(64), nullable=False),
        sa.Column("loaded_at", UtcDateTime, nullable=False),
        sa.Column("ledger_seq", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("name", "version", name="pk_agreements"),
        sa.ForeignKeyConstraint(
            ["ledger_seq"], ["ledger.seq"], name="fk_agreements_ledger_seq_ledger"
        ),
        sa.UniqueConstraint("ledger_seq", name="uq_agreements_ledger_seq"),
    )
    op.create_table(
        "report_geography",
        sa.Column("report_id", sa.String(24), nullable=False),
        sa.Column("agreement", sa.String(64), nullable=False),
        sa.Column("agreement_version", sa.Integer, nullable=False),
        sa.Column("party", sa.String(16)),
        sa.Column("distance_m", sa.Double),
        sa.Column("signed_distance_m", sa.Double),
        sa.Column("ambiguous_side", sa.Boolean, nullable=False),
        sa.Column("in_dmz", sa.Boolean, nullable=False),
        sa.Column("weapon_zones", sa.Text, nullable=False),
        sa.Column("weapon_zone_breach", sa.Boolean, nullable=False),
        sa.Column("sector", sa.String(128)),
        sa.Column("admin_area", sa.String(128)),
        sa.PrimaryKeyConstraint("report_id", "agreement", name="pk_report_geography"),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.report_id"], name="fk_report_geography_report_id_reports"
        ),
    )
    op.create_index(
        "ix_report_geography_agreement_sector", "report_geography", ["agreement", "sector"]
    )
    for statement in trigger_statements(op.get_bind().dialect.name, "agreements"):
        op.execute(statement)


def downgrade() -> None:
    op.drop_table("report_geography")
    op.drop_table("agreements")
