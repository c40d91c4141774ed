"""Outbox rows that update a posted copy of an item (chat.update, m.replace)

`replaces` is the platform message id of the copy a row updates (a Slack ts, a Matrix event id);
an index on `item_id` finds an item's posted copies and their pending updates.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("replaces", sa.String(length=300), nullable=True))
        batch_op.create_index("ix_outbox_item", ["item_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_item")
        batch_op.drop_column("replaces")
