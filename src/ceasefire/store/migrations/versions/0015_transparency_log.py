"""The ledger as a Merkle transparency log: its tree stored as tiles, the keys that sign its
checkpoints (adopted in the log itself), the signed checkpoints, the witnesses the parties run
(registered in the log) and their cosignatures.

Every entry already recorded becomes a leaf, in order, so the first checkpoint covers the old
hash chain whole: nothing recorded before the log existed is left outside it. The users and
notification channels the record holds are entered in the log as they stand: changes to them
are ledger entries from now on.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ceasefire.store.append_only import trigger_statements
from ceasefire.store.types import UtcDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "log_tiles",
        sa.Column("level", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("idx", sa.BigInteger, nullable=False, autoincrement=False),
        sa.Column("hashes", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint("level", "idx", name="pk_log_tiles"),
    )
    op.create_table(
        "log_keys",
        sa.Column("origin", sa.String(128), nullable=False),
        sa.Column("key_id", sa.String(8), nullable=False),
        sa.Column("vkey", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("adopted_by", sa.String(64), nullable=False),
        sa.Column("adopted_at", UtcDateTime, nullable=False),
        sa.Column("ledger_seq", sa.BigInteger, nullable=False),
        sa.ForeignKeyConstraint(
            ["ledger_seq"], ["ledger.seq"], name="fk_log_keys_ledger_seq_ledger"
        ),
        sa.PrimaryKeyConstraint("ledger_seq", name="pk_log_keys"),
    )
    op.create_table(
        "log_checkpoints",
        sa.Column("size", sa.BigInteger, nullable=False, autoincrement=False),
        sa.Column("root_hash", sa.String(64), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("signed_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("size", name="pk_log_checkpoints"),
    )
    op.create_table(
        "log_witnesses",
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("key_id", sa.String(8), nullable=False),
        sa.Column("vkey", sa.Text, nullable=False),
        sa.Column("party", sa.String(64), nullable=False),
        sa.Column("added_by", sa.String(64), nullable=False),
        sa.Column("added_at", UtcDateTime, nullable=False),
        sa.Column("ledger_seq", sa.BigInteger, nullable=False),
        sa.ForeignKeyConstraint(
            ["ledger_seq"], ["ledger.seq"], name="fk_log_witnesses_ledger_seq_ledger"
        ),
        sa.PrimaryKeyConstraint("ledger_seq", name="pk_log_witnesses"),
        sa.UniqueConstraint("name", name="uq_log_witnesses_name"),
    )
    op.create_table(
        "log_cosignatures",
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("witness", sa.String(128), nullable=False),
        sa.Column("signed_time", sa.BigInteger, nullable=False),
        sa.Column("line", sa.Text, nullable=False),
        sa.Column("received_at", UtcDateTime, nullable=False),
        sa.ForeignKeyConstraint(
            ["size"], ["log_checkpoints.size"], name="fk_log_cosignatures_size_log_checkpoints"
        ),
        sa.PrimaryKeyConstraint("size", "witness", name="pk_log_cosignatures"),
    )
    for table in ("log_keys", "log_checkpoints", "log_witnesses", "log_cosignatures"):
        for statement in trigger_statements(op.get_bind().dialect.name, table):
            op.execute(statement)
    from ceasefire.store.config_log import log_configuration
    from ceasefire.store.transparency_store import build_tiles

    build_tiles(op.get_bind())
    # who may do what and where alerts go, on the record from now on (see store.config_log)
    log_configuration(op.get_bind())


def downgrade() -> None:
    op.drop_table("log_cosignatures")
    op.drop_table("log_witnesses")
    op.drop_table("log_checkpoints")
    op.drop_table("log_keys")
    op.drop_table("log_tiles")
