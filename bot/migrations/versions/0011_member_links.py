"""one person, several accounts: linking codes and attempts, the record of each merge, where to reach a member

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.models.base

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _time(name: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, bot.models.base.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "link_codes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("identity", sa.String(length=300), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        _time("created_at"),
        _time("expires_at"),
        _time("used_at", nullable=True),
        sa.Column("outbox_ids", sa.Text(), nullable=True),
        sa.Column("redacted", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"], name=op.f("fk_link_codes_community_id_communities")
        ),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_link_codes_member_id_members")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_codes")),
    )
    with op.batch_alter_table("link_codes", schema=None) as batch_op:
        batch_op.create_index("ix_link_codes_community_hash", ["community_id", "code_hash"], unique=False)
        batch_op.create_index(batch_op.f("ix_link_codes_member_id"), ["member_id"], unique=False)
    op.create_table(
        "link_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        _time("at"),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"], name=op.f("fk_link_attempts_community_id_communities")
        ),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_link_attempts_member_id_members")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_attempts")),
    )
    with op.batch_alter_table("link_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_link_attempts_community_at", ["community_id", "at"], unique=False)
        batch_op.create_index(batch_op.f("ix_link_attempts_member_id"), ["member_id"], unique=False)
    op.create_table(
        "member_links",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("kept_id", sa.Integer(), nullable=False),
        sa.Column("merged_id", sa.Integer(), nullable=False),
        sa.Column("merged_name", sa.String(length=200), nullable=False),
        sa.Column("identities", sa.Text(), nullable=False),
        sa.Column("journal", sa.Text(), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        _time("at"),
        _time("unlinked_at", nullable=True),
        sa.Column("unlinked_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["by_id"], ["members.id"], name=op.f("fk_member_links_by_id_members")),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"], name=op.f("fk_member_links_community_id_communities")
        ),
        sa.ForeignKeyConstraint(["kept_id"], ["members.id"], name=op.f("fk_member_links_kept_id_members")),
        sa.ForeignKeyConstraint(["unlinked_by"], ["members.id"], name=op.f("fk_member_links_unlinked_by_members")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_links")),
    )
    with op.batch_alter_table("member_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_member_links_community_id"), ["community_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_member_links_kept_id"), ["kept_id"], unique=False)
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_platform", sa.String(length=20), nullable=True))
    with op.batch_alter_table("member_preferences", schema=None) as batch_op:
        batch_op.add_column(sa.Column("via", sa.String(length=20), nullable=True))


def downgrade() -> None:
    # not in batch mode: SQLite (3.35 and later) drops a column in place, where a rebuild of members
    # would trip over the rows that refer to it
    op.drop_column("member_preferences", "via")
    op.drop_column("members", "last_platform")
    for table, indexes in (
        ("member_links", ("ix_member_links_kept_id", "ix_member_links_community_id")),
        ("link_attempts", ("ix_link_attempts_member_id", "ix_link_attempts_community_at")),
        ("link_codes", ("ix_link_codes_member_id", "ix_link_codes_community_hash")),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for index in indexes:
                batch_op.drop_index(index)
        op.drop_table(table)
