"""Answers as replies to the command, and commands edited afterwards

`outbox.reply_to` is the platform message id of the command a row answers (a Matrix event id):
the answer is shown as a reply to it (Matrix rich replies), and the answers to a command are found
again when its message is edited. `commitments.command_event` is the platform message that created
a commitment (`matrix:$event`), so that an edit of that `!engage` changes it instead of creating
another one.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reply_to", sa.String(length=300), nullable=True))
        batch_op.create_index("ix_outbox_reply_to", ["reply_to"], unique=False)
    with op.batch_alter_table("commitments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("command_event", sa.String(length=300), nullable=True))
        batch_op.create_index("ix_commitments_command_event", ["command_event"], unique=False)


def downgrade() -> None:
    # not a batch: on SQLite a batch would rebuild `commitments`, which other tables' keys point to;
    # SQLite (3.35 and later) drops a column in place
    op.drop_index("ix_commitments_command_event", table_name="commitments")
    op.drop_column("commitments", "command_event")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_reply_to")
        batch_op.drop_column("reply_to")
