"""Schema v6: subscribers live in the database (issue 15): the config's, the CLI's and the web's.

A database from before has none stored: the config's ``[[subscribers]]`` are synced in by the next command
that plans or lists alerts, exactly as they were configured.

Revision ID: v6
Revises: v5
"""

from __future__ import annotations

from alembic import op

from store.tables import subscribers

revision = "v6"
down_revision = "v5"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The model's own table, so a migrated database and a new one are the same.
    subscribers.create(op.get_bind())


def downgrade() -> None:
    raise NotImplementedError
