"""Schema v2: health incidents for the admin alerts (issue "scheduling and deployment").

Revision ID: v2
Revises: v1
"""

from __future__ import annotations

from alembic import op

from store.models import Base, Incident

revision = "v2"
down_revision = "v1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The model's own table, as create_all makes it: a migrated database and a new one are the same.
    Base.metadata.tables[Incident.__tablename__].create(op.get_bind())


def downgrade() -> None:
    raise NotImplementedError
