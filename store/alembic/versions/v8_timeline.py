"""Schema v8: the applicant's own timeline (issue 17): recorded events, and reminders in the ledger.

``timeline_events`` is created from its model. The ledger's ``ck_delivery_kind`` now also allows the
reminder kinds (core.vocabulary.REMINDER_KINDS): SQLite cannot alter a CHECK constraint, so the table is
rebuilt (Alembic's batch mode copies every row, in this migration's one transaction); PostgreSQL drops
and adds it in place.

Revision ID: v8
Revises: v7
"""

from __future__ import annotations

from alembic import op

from core.vocabulary import ALERT_KINDS
from store.tables import _in, timeline_events

revision = "v8"
down_revision = "v7"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    timeline_events.create(bind)
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_constraint("ck_delivery_kind", type_="check")
        batch.create_check_constraint("ck_delivery_kind", _in("alert_kind", ALERT_KINDS))


def downgrade() -> None:
    raise NotImplementedError
