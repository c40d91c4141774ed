"""Who has read what: explicit acknowledgements, and passive 'seen' signals."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, UTCDateTime, timestamp


class Acknowledgement(Base):
    """A member confirmed reading an item (✅/👍 reaction, button, /read).

    It counts only while `version` equals the item's version: an edit makes the item unread again.
    """

    __tablename__ = "acknowledgements"
    __table_args__ = (
        Index("ix_acknowledgements_member", "member_id", "item_id"),
        # WITHOUT ROWID on SQLite (migration 0002): the primary key holds the rows, version is read with the lookup.
        # Not said here: a table argument named for SQLite loads SQLAlchemy's SQLite dialect in every process,
        # a PostgreSQL one too (0.5 MB), and the schema is the migrations' (no create_all).
    )

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    at: Mapped[timestamp]
    via: Mapped[str] = mapped_column(String(20))


class SeenMark(Base):
    """A read-up-to watermark per member and channel (Matrix read receipts): one row, not one per item."""

    __tablename__ = "seen_marks"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(300), primary_key=True)
    upto: Mapped[datetime] = mapped_column(UTCDateTime())
    at: Mapped[timestamp]


class SeenItem(Base):
    """An item shown to a member in a personal view (Slack App Home): seen, not acknowledged."""

    __tablename__ = "seen_items"

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    at: Mapped[timestamp]
