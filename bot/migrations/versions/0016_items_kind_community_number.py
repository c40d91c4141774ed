"""items by kind, community and number (with the circle): the dashboard's roadmap counts and pages a
community's commitments from this index alone, instead of looking up each commitment's item row

Led by kind so that the queries without a kind (every /actions and /level query) keep their plans.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 07:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.create_index(
            "ix_items_kind_community_number", ["kind", "community_id", "number", "circle_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_index("ix_items_kind_community_number")
