"""Pictures in the outbox: a row may carry an image (the weekly recap's chart)

`outbox.image` holds the PNG bytes of a row that posts a picture (Slack file upload, Matrix
m.image); the row's text is then the picture's alternative text. A picture is its own row, next
to its message's: sent, retried and de-duplicated like any other, and a picture that cannot be
sent leaves its message posted.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("image", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("image")
