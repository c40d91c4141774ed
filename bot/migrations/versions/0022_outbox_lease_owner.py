"""outbox leases name their owner: several `relais run` processes may share one account and one database

`outbox.lease_owner` is the owner token of the process that leased the row while it sends it
(bot.outbox_leases). A process that starts releases at once only the leases of owners that are gone (their
lock is free: a file lock on SQLite, an advisory lock on PostgreSQL), never those of another live process.
Rows leased before this revision have no owner: their lease ends by itself (30 seconds).

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-30 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # not a batch: SQLite adds a column in place
    op.add_column("outbox", sa.Column("lease_owner", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("lease_owner")
