"""Schema v2: health incidents for the admin alerts (issue "scheduling and deployment").

Revision ID: v2
Revises: v1
"""

from __future__ import annotations

from alembic import op

from store.tables import incidents

revision = "v2"
down_revision = "v1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The model's own table, as create_all makes it: a migrated database and a new one are the same.
    incidents.create(op.get_bind())


def downgrade() -> None:
    raise NotImplementedError
