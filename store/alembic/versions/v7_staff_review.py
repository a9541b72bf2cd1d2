"""Schema v7: staff review (issue 16): accounts, sessions, corrections kept apart, the audit log.

``notices.reviewed_hash`` and ``windows.reviewed_by`` are added at the end of their rows (a new database
has them there too); the four tables are created from the models, so a migrated database and a new one
are the same.

Revision ID: v7
Revises: v6
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from store.models import AuditEntry, StaffMember, StaffSession, WindowReview

revision = "v7"
down_revision = "v6"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("notices", sa.Column("reviewed_hash", sa.String(64), nullable=True))
    op.add_column("windows", sa.Column("reviewed_by", sa.String(100), nullable=True))
    bind = op.get_bind()
    for model in (WindowReview, StaffMember, StaffSession, AuditEntry):
        model.__table__.create(bind)  # type: ignore[attr-defined]


def downgrade() -> None:
    raise NotImplementedError
