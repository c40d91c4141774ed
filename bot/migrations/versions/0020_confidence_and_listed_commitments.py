"""A confidence with an update, and the commitments a message lists

`updates.confidence` is how sure the owner is to deliver, said with an update (`/update #N … confidence
high`, Slack's ✍️ Update form): high, medium or low, checked by the database like the other kinds
(ck_updates_confidence); empty for news and earlier updates. `outbox.commitments` holds the numbers of
the commitments a personal message lists for its reader (a nudge, a digest, the confirmation of
/engage), space-separated, so that a platform that can offers buttons beside them (Slack: Done,
Update, Postpone).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # `updates` is referred to by no other table: on SQLite its rebuild (batch mode) orphans nothing
    with op.batch_alter_table("updates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("confidence", sa.String(length=10), nullable=True))
        batch_op.create_check_constraint(op.f("ck_updates_confidence"), "confidence IN ('high', 'medium', 'low')")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("commitments", sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("commitments")
    with op.batch_alter_table("updates", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_updates_confidence"), type_="check")
        batch_op.drop_column("confidence")
