"""Schema v4: how sure the extractor was of each window (issue 12); NULL for windows read before: unknown.

Revision ID: v4
Revises: v3
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "v4"
down_revision = "v3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The type create_all writes for the model's float (SQLite: DOUBLE, as before Alembic; PostgreSQL:
    # double precision), so a migrated table and a new one are the same.
    op.add_column("windows", sa.Column("confidence", sa.Double(), nullable=True))


def downgrade() -> None:
    raise NotImplementedError
