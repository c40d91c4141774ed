"""occurrences by community, status and due time: the missed ones a recap reports are found in order
without reading every occurrence (SQLite preferred the index that gave the order)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 05:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("occurrences", schema=None) as batch_op:
        batch_op.create_index("ix_occurrences_community_status_due", ["community_id", "status", "due_at"], unique=False)
        batch_op.drop_index("ix_occurrences_community_status")


def downgrade() -> None:
    with op.batch_alter_table("occurrences", schema=None) as batch_op:
        batch_op.create_index("ix_occurrences_community_status", ["community_id", "status"], unique=False)
        batch_op.drop_index("ix_occurrences_community_status_due")
