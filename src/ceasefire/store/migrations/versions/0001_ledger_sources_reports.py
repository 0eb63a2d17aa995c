"""The tamper-evident ledger, sources and reports, with append-only triggers.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ceasefire.store.append_only import PG_FUNCTION, trigger_statements
from ceasefire.store.types import UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

APPEND_ONLY = ("ledger", "sources", "reports")
SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # the rowid itself on SQLite


def upgrade() -> None:
    op.create_table(
        "ledger",
        sa.Column("seq", SEQ, autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("subject_id", sa.String(128), nullable=False),
        sa.Column("recorded_at", UtcDateTime, nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("payload_sha256", sa.String(64), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("entry_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_ledger"),
    )
    op.create_table(
        "sources",
        sa.Column("source_id", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("organisation", sa.String(256), nullable=False),
        sa.Column("reliability", sa.String(1), nullable=False),
        sa.Column("ledger_seq", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("source_id", name="pk_sources"),
        sa.ForeignKeyConstraint(
            ["ledger_seq"], ["ledger.seq"], name="fk_sources_ledger_seq_ledger"
        ),
        sa.UniqueConstraint("ledger_seq", name="uq_sources_ledger_seq"),
    )
    op.create_table(
        "reports",
        sa.Column("report_id", sa.String(24), nullable=False),
        sa.Column("source_id", sa.String(128), nullable=False),
        sa.Column("external_id", sa.String(256), nullable=False),
        sa.Column("observed_start", UtcDateTime, nullable=False),
        sa.Column("observed_end", UtcDateTime, nullable=False),
        sa.Column("time_precision", sa.String(8), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("lon", sa.Double),
        sa.Column("lat", sa.Double),
        sa.Column("uncertainty_m", sa.Integer),
        sa.Column("geo_precision", sa.String(16)),
        sa.Column("place", sa.Text, nullable=False),
        sa.Column("weapon_class", sa.String(32)),
        sa.Column("explosions", sa.Integer, nullable=False),
        sa.Column("projectiles", sa.Integer, nullable=False),
        sa.Column("bursts", sa.Integer, nullable=False),
        sa.Column("shots", sa.Integer, nullable=False),
        sa.Column("direction", sa.String(16)),
        sa.Column("bearing_deg", sa.Double),
        sa.Column("distance_min_m", sa.Integer),
        sa.Column("distance_max_m", sa.Integer),
        sa.Column("killed", sa.Integer, nullable=False),
        sa.Column("injured", sa.Integer, nullable=False),
        sa.Column("civilians_killed", sa.Integer, nullable=False),
        sa.Column("civilians_injured", sa.Integer, nullable=False),
        sa.Column("damaged_object", sa.String(16)),
        sa.Column("alleged_party", sa.String(16), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("links", sa.Text, nullable=False),
        sa.Column("attachments", sa.Text, nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("received_at", UtcDateTime, nullable=False),
        sa.Column("ledger_seq", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("report_id", name="pk_reports"),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.source_id"], name="fk_reports_source_id_sources"
        ),
        sa.ForeignKeyConstraint(
            ["ledger_seq"], ["ledger.seq"], name="fk_reports_ledger_seq_ledger"
        ),
        sa.UniqueConstraint("ledger_seq", name="uq_reports_ledger_seq"),
    )
    op.create_index("ix_reports_observed_start", "reports", ["observed_start"])
    op.create_index("ix_reports_category_observed_start", "reports", ["category", "observed_start"])
    _append_only_triggers()


def _append_only_triggers() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(PG_FUNCTION)
    for table in APPEND_ONLY:
        for statement in trigger_statements(dialect, table):
            op.execute(statement)


def downgrade() -> None:
    op.drop_table("reports")
    op.drop_table("sources")
    op.drop_table("ledger")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION ceasefire_append_only()")
