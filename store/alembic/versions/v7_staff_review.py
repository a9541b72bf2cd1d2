"""Schema v7: staff review (issue 16): accounts, sessions, corrections kept apart, the audit log.

``notices.reviewed_hash`` and ``windows.reviewed_by`` are added at the end of their rows (a new database
has them there too); the four tables are created from ``store.tables``, so a migrated database and a new one
are the same.

Revision ID: v7
Revises: v6
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from store.tables import audit_log, staff, staff_sessions, window_reviews

revision = "v7"
down_revision = "v6"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("notices", sa.Column("reviewed_hash", sa.String(64), nullable=True))
    op.add_column("windows", sa.Column("reviewed_by", sa.String(100), nullable=True))
    bind = op.get_bind()
    for table in (window_reviews, staff, staff_sessions, audit_log):
        table.create(bind)


def downgrade() -> None:
    raise NotImplementedError
