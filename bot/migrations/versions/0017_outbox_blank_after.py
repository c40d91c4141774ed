"""Secrets leave the outbox: `outbox.blank_after` (a sign-in link, a linking code)

A row whose text carries something valid for a short while (a /dashboard sign-in link, a /link
code) has its text replaced by a short notice once that time has passed and it was delivered:
whoever reads the database later finds nothing to use. Indexed: the scheduler's periodic run
looks for such rows every minute.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30 07:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.models.base import UTCDateTime

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("blank_after", UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_outbox_blank_after", ["blank_after"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_blank_after")
        batch_op.drop_column("blank_after")
