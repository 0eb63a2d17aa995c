"""The first-report grouping rule, and weapons placed where they were rather than where they hit.

- `reports.updates`: the external id of the same source's report a report updates or corrects;
- `incident_members.first_id`: each report's first report (its automatic group), and
  `changed_seq`: the step that last wrote the row (what changed since a state, by index);
- `incident_links`: merges and updates, the links that hold reports together besides the rule;
- `review_reports`: the reports each review judged;
- `report_geography.weapon_party`: who holds the ground where a report places a weapon (its
  withdrawal-zone breach is now judged there, not at the impact).

The rows are filled by `ceasefire init`, which regroups a record built under the earlier rule
(single linkage), records that it did so in the log (`store.incident_check.regroup`), and
places every report again against every agreement; a migration only shapes tables.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("reports", sa.Column("updates", sa.String(256), nullable=True))
    op.add_column("report_geography", sa.Column("weapon_party", sa.String(16), nullable=True))
    op.add_column("incident_members", sa.Column("first_id", sa.String(24), nullable=True))
    op.add_column(
        "incident_members",
        sa.Column("changed_seq", sa.BigInteger, nullable=False, server_default="0"),
    )
    op.create_index("ix_incident_members_changed_seq", "incident_members", ["changed_seq"])
    op.create_table(
        "incident_links",
        sa.Column("report_id", sa.String(24), nullable=False),
        sa.Column("other_id", sa.String(24), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("report_id", "other_id", "kind", "seq", name="pk_incident_links"),
    )
    op.create_index("ix_incident_links_other_id", "incident_links", ["other_id"])
    op.create_table(
        "review_reports",
        sa.Column("review_seq", sa.BigInteger, nullable=False),
        sa.Column("report_id", sa.String(24), nullable=False),
        sa.PrimaryKeyConstraint("review_seq", "report_id", name="pk_review_reports"),
    )
    op.create_index("ix_review_reports_report_id", "review_reports", ["report_id"])


def downgrade() -> None:
    op.drop_table("review_reports")
    op.drop_table("incident_links")
    op.drop_index("ix_incident_members_changed_seq", table_name="incident_members")
    with op.batch_alter_table("incident_members") as batch:
        batch.drop_column("changed_seq")
        batch.drop_column("first_id")
    with op.batch_alter_table("report_geography") as batch:
        batch.drop_column("weapon_party")
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("updates")
