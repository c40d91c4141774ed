"""ix_items_kind_community_number also holds the item's id: PostgreSQL then counts and orders a
community's commitments from the index alone (an index-only scan; SQLite's indexes hold the row id
already), as the dashboard's roadmap does on every page

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30 07:50:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = ["kind", "community_id", "number", "circle_id"]


def upgrade() -> None:
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_index("ix_items_kind_community_number")
        batch_op.create_index("ix_items_kind_community_number", [*BEFORE, "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_index("ix_items_kind_community_number")
        batch_op.create_index("ix_items_kind_community_number", BEFORE, unique=False)
