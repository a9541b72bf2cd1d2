"""Alembic's environment for zcwatch: always online, on the connection ``store.migrate`` hands over.

``store.migrate.migrate`` opens the transaction (SQLite: BEGIN IMMEDIATE; PostgreSQL: with the migration
advisory lock held) and passes its connection in ``config.attributes["connection"]``, so every step and
the version stamp commit together or not at all. There is no offline (SQL script) mode: zcwatch
migrates the database it opens.
"""

from __future__ import annotations

from alembic import context

from store.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise RuntimeError("zcwatch migrates through store.migrate.migrate (online, on its own connection)")

context.configure(
    connection=connection,
    target_metadata=metadata,
    # SQLite cannot ALTER most things in place: batch mode rebuilds the table, as a future step may need.
    render_as_batch=True,
    transactional_ddl=True,
)
with context.begin_transaction():
    context.run_migrations()
