"""PostgreSQL: about twenty acknowledgements per item, not the few distinct items its sampling sees

ANALYZE samples blocks; the acknowledgements of an item are stored together, so on a long history it
counts a few tens of thousands of distinct items among a hundred million rows, and the planner
expects hundreds of acknowledgements per item: it then reads the whole table (a hash join) where
an index lookup per item is a thousand times cheaper (reading levels, recaps). The fraction is
what a community of action looks like (an audience of tens of members), and is only a hint: it is
used from the next ANALYZE on. Nothing to do on SQLite.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 06:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE acknowledgements ALTER COLUMN item_id SET (n_distinct = -0.05)")
        op.execute("ANALYZE acknowledgements")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE acknowledgements ALTER COLUMN item_id RESET (n_distinct)")
