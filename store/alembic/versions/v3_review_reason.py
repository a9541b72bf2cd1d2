"""Schema v3: why a notice needs a person's look (issue 11: capped extraction, an edit that removed
every date).

Revision ID: v3
Revises: v2
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "v3"
down_revision = "v2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Added last in the row, as in the model, so a migrated table and a new one have one column order.
    op.add_column("notices", sa.Column("review_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    raise NotImplementedError
