"""Obligations per actor: reminders by actor, reminders in the outbox by actor, channels for
named actors.

An action addressed to a group is owed by each of its actors on its own (unless the plan says
any one of them discharges it), so a reminder is to one actor, and cancelling a queued
reminder when that actor acknowledges needs the actor on the outbox row. A channel may be for
named actors or parties: a party's liaison is told of its own track and of what is addressed
to it, a guarantor of what it owes.

The reminders table is operational (when an open action was last brought to attention), not
part of the record: it is recreated empty, so an overdue action is reminded once more after
the upgrade, actor by actor.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ceasefire.store.types import UtcDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table("reminders")
    op.create_table(
        "reminders",
        sa.Column(
            "decision_id",
            sa.String(16),
            sa.ForeignKey("decisions.decision_id"),
            primary_key=True,
        ),
        sa.Column("actor", sa.String(64), primary_key=True),
        sa.Column("reminded_at", UtcDateTime, primary_key=True),
    )
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("actor", sa.String(64)))
    with op.batch_alter_table("notify_channels") as batch:
        batch.add_column(sa.Column("actors", sa.Text, nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("notify_channels") as batch:
        batch.drop_column("actors")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("actor")
    op.drop_table("reminders")
    op.create_table(
        "reminders",
        sa.Column(
            "decision_id",
            sa.String(16),
            sa.ForeignKey("decisions.decision_id"),
            primary_key=True,
        ),
        sa.Column("reminded_at", UtcDateTime, primary_key=True),
    )
