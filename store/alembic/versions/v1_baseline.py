"""Schema v1: the first zcwatch schema (tests/data/schema_v1.sql), from before Alembic.

Nothing to do: a database at v1 was made by zcwatch itself. A SQLite file from before Alembic has no
``alembic_version`` table; ``store.migrate`` stamps it with the revision its ``PRAGMA user_version``
names and upgrades from there.

Revision ID: v1
Revises:
"""

from __future__ import annotations

revision = "v1"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    raise NotImplementedError
