"""how many items each member has left to read, kept on their membership rows (bot.models.unread)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNT = """
UPDATE circle_members SET unread = (
    SELECT count(*) FROM items
    WHERE items.circle_id = circle_members.circle_id
      AND items.must_read
      AND items.number >= circle_members.audience_from
      AND (circle_members.audience_until IS NULL OR items.number <= circle_members.audience_until)
      AND (items.author_id IS NULL OR items.author_id <> circle_members.member_id)
      AND NOT EXISTS (
          SELECT 1 FROM acknowledgements
          WHERE acknowledgements.item_id = items.id
            AND acknowledgements.member_id = circle_members.member_id
            AND acknowledgements.version = items.version
      )
)
"""


def upgrade() -> None:
    with op.batch_alter_table("circle_members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unread", sa.Integer(), server_default="0", nullable=False))
    op.execute(COUNT)


def downgrade() -> None:
    with op.batch_alter_table("circle_members", schema=None) as batch_op:
        batch_op.drop_column("unread")
