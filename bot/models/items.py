"""What is said: numbered items (updates, announcements…), commitments and their history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.kinds import CommitmentStatus, Confidence, ItemKind
from bot.models.base import Base, UTCDateTime, enum_column, intpk, timestamp
from bot.models.community import Circle, Member, Organisation


class Item(Base):
    """Anything with a number `#N` in the community's one sequence.

    kind: commitment, update, announcement, decision, recap, agenda, meeting. Commitments and
    meetings carry a number too (joined tables), but only the items with `must_read` are read.
    """

    __tablename__ = "items"
    __table_args__ = (
        UniqueConstraint("community_id", "number"),
        # covering index: unread lists scan a member's circles without touching the table
        Index("ix_items_circle_number", "circle_id", "number", "must_read", "author_id", "version"),
        Index("ix_items_community_created", "community_id", "created_at"),
        Index("ix_items_circle_created", "circle_id", "created_at"),  # recaps read weekly windows
        # the dashboard's roadmap counts and pages a community's commitments from the index alone
        # (with the id, PostgreSQL too: an index-only scan)
        Index("ix_items_kind_community_number", "kind", "community_id", "number", "circle_id", "id"),
    )

    id: Mapped[intpk]
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[ItemKind] = mapped_column(enum_column(ItemKind, "kind", 20))
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    text: Mapped[str] = mapped_column(Text())
    must_read: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[timestamp]
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # confirmations of the current version by members of its audience (muted ones too): bot.models.reading_counts
    confirmed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    circle: Mapped[Circle] = relationship(lazy="joined")
    author: Mapped[Member | None] = relationship(lazy="joined")


class Commitment(Base):
    __tablename__ = "commitments"
    __table_args__ = (
        Index("ix_commitments_status_due", "status", "due_at"),
        Index("ix_commitments_owner_status_due", "owner_id", "status", "due_at"),  # a member's late or coming ones
        Index("ix_commitments_command_event", "command_event"),  # an edited /engage finds what it created
    )

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    title: Mapped[str] = mapped_column(Text())
    expected_result: Mapped[str | None] = mapped_column(Text())
    resources_human: Mapped[str | None] = mapped_column(Text())
    resources_financial: Mapped[str | None] = mapped_column(Text())
    resources_material: Mapped[str | None] = mapped_column(Text())
    resources_immaterial: Mapped[str | None] = mapped_column(Text())
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    due_has_time: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[CommitmentStatus] = mapped_column(
        enum_column(CommitmentStatus, "status", 10), default=CommitmentStatus.OPEN
    )
    progress: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[timestamp]
    command_event: Mapped[str | None] = mapped_column(String(300))  # the message that created it: `matrix:$event`

    item: Mapped[Item] = relationship(lazy="joined")
    owner: Mapped[Member] = relationship(lazy="joined", foreign_keys=[owner_id])
    organisation: Mapped[Organisation | None] = relationship(lazy="joined")

    @property
    def number(self) -> int:
        return self.item.number


class CommitmentChange(Base):
    """One line of a commitment's history: who changed what, when, from what to what."""

    __tablename__ = "commitment_changes"
    __table_args__ = (Index("ix_commitment_changes_field_at", "field", "at"),)  # what was done this week

    id: Mapped[intpk]
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitments.item_id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    at: Mapped[timestamp]
    field: Mapped[str] = mapped_column(String(30))
    old_value: Mapped[str | None] = mapped_column(Text())
    new_value: Mapped[str | None] = mapped_column(Text())
    note: Mapped[str | None] = mapped_column(Text())

    actor: Mapped[Member | None] = relationship(lazy="joined")


class Update(Base):
    """Progress on a commitment, or news for a circle; its text is the item's text."""

    __tablename__ = "updates"

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), primary_key=True)
    commitment_id: Mapped[int | None] = mapped_column(ForeignKey("commitments.item_id"), index=True)
    progress: Mapped[int | None] = mapped_column(Integer)
    confidence: Mapped[Confidence | None] = mapped_column(enum_column(Confidence, "confidence", 10))  # the owner's

    item: Mapped[Item] = relationship(lazy="joined")


__all__ = ["Item", "Commitment", "CommitmentChange", "Update"]
