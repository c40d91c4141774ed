"""reading levels kept as confirmations come in: per member, circle and week, and per item (bot.models.reading)

/level, the dashboard's heat map and the review read these summary rows instead of every
acknowledgement of their window. Counted once from the items, memberships and acknowledgements by 0021.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30 07:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reading_weeks",
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("circle_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("to_read", sa.Integer(), server_default="0", nullable=False),
        sa.Column("confirmed", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("week", "circle_id", "member_id", name=op.f("pk_reading_weeks")),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_reading_weeks_member", "reading_weeks", ["member_id", "circle_id"], unique=False)
    # not a batch: on SQLite a batch would rebuild `items`; SQLite adds a column in place
    op.add_column("items", sa.Column("confirmed", sa.Integer(), server_default="0", nullable=False))
    # counted by 0021, which adds `seen` (today's counting writes it: it could not run here)


def downgrade() -> None:
    op.drop_column("items", "confirmed")
    op.drop_index("ix_reading_weeks_member", table_name="reading_weeks")
    op.drop_table("reading_weeks")
