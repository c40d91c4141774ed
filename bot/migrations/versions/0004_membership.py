"""membership follows the platforms: channel members, leaving a circle

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 00:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.models.base

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "channel_members",
        sa.Column("channel", sa.String(length=300), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("since", bot.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_channel_members_member_id_members")),
        sa.PrimaryKeyConstraint("channel", "member_id", name=op.f("pk_channel_members")),
    )
    with op.batch_alter_table("channel_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_channel_members_member_id"), ["member_id"], unique=False)
    with op.batch_alter_table("circle_members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("audience_until", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("left_at", bot.models.base.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("circle_members", schema=None) as batch_op:
        batch_op.drop_column("left_at")
        batch_op.drop_column("audience_until")
    with op.batch_alter_table("channel_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_channel_members_member_id"))
    op.drop_table("channel_members")
