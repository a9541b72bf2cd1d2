"""Schema v5: deliveries are claimed with a lease (issue 13): who holds a row in ``sending``, and until when.

Rows claimed before have no lease (NULL): a claim without one is treated as ended, as every claim left in
``sending`` was before v5 (a crash leftover, taken over and counted as a possible duplicate).

Revision ID: v5
Revises: v4
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "v5"
down_revision = "v4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The types create_all writes for the model (a VARCHAR(120) and a DATETIME / timestamp), so a migrated
    # table and a new one are the same.
    op.add_column("deliveries", sa.Column("lease_owner", sa.String(120), nullable=True))
    op.add_column("deliveries", sa.Column("lease_until", sa.DateTime(), nullable=True))


def downgrade() -> None:
    raise NotImplementedError
