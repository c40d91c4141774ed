"""reading levels: per member, circle and week, the items seen or confirmed (ReadingWeek.seen)

The dashboard's heat map shows what each one saw as well as what they confirmed, read from the
summary as the confirmations are. Counted here once from the items, memberships, acknowledgements,
seen items and read receipts (the same counting as `relais db recount`).

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-30 11:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # not a batch: SQLite adds a column in place
    op.add_column("reading_weeks", sa.Column("seen", sa.Integer(), server_default="0", nullable=False))
    from bot.models.reading_rebuild import rebuild

    rebuild(op.get_bind())


def downgrade() -> None:
    op.drop_column("reading_weeks", "seen")
