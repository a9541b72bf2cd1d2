"""Schema v9: which extractor read each notice, and what it read beyond the body (issue 12).

``notices.read_by`` is the extractor's ``READER_VERSION`` that read the notice's current windows and
``notices.read_from`` the material a later extractor needs to read it again from the database: the
schedule tables' HTML and the attachments' text. Both are NULL for the notices already stored: their
material was never kept, so the next full pass asks the site for them in full, once (``crawler.spider``).

Revision ID: v9
Revises: v8
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "v9"
down_revision = "v8"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("notices", sa.Column("read_by", sa.Integer(), nullable=True))
    op.add_column("notices", sa.Column("read_from", sa.JSON(), nullable=True))


def downgrade() -> None:
    raise NotImplementedError
