"""indexes for work that follows the week: commitments per owner, what was done this week, occurrences
missed or still posting

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 03:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("commitments", schema=None) as batch_op:
        batch_op.create_index("ix_commitments_owner_status_due", ["owner_id", "status", "due_at"], unique=False)
        batch_op.drop_index(batch_op.f("ix_commitments_owner_id"))
    with op.batch_alter_table("commitment_changes", schema=None) as batch_op:
        batch_op.create_index("ix_commitment_changes_field_at", ["field", "at"], unique=False)
    with op.batch_alter_table("occurrences", schema=None) as batch_op:
        batch_op.create_index("ix_occurrences_community_status", ["community_id", "status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("occurrences", schema=None) as batch_op:
        batch_op.drop_index("ix_occurrences_community_status")
    with op.batch_alter_table("commitment_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_commitment_changes_field_at")
    with op.batch_alter_table("commitments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_commitments_owner_id"), ["owner_id"], unique=False)
        batch_op.drop_index("ix_commitments_owner_status_due")
