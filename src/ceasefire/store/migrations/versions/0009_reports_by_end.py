"""Reports by category and end of their observed window, for grouping's neighbour query.

A stored report can link to a new one only if its window ends after the new one starts less
the link time. Windows have no longest length, so the start gives no lower bound, and with
only (category, observed_start) the query read every report of the family ever stored (under
the API benchmark, 2,118 rows read for 45 kept), more with every report filed. With this index
the live case reads the reports whose windows reach into the last half hour.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_reports_category_observed_end", "reports", ["category", "observed_end"])


def downgrade() -> None:
    op.drop_index("ix_reports_category_observed_end", table_name="reports")
