"""Plumbing that makes delivery exactly-once: inbound de-duplication and platform message refs."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, intpk, timestamp


class ProcessedEvent(Base):
    """An inbound platform event already handled (Slack event_id, Matrix event id…)."""

    __tablename__ = "processed_events"
    __table_args__ = (UniqueConstraint("source", "event_id"),)

    id: Mapped[intpk]
    source: Mapped[str] = mapped_column(String(40))
    event_id: Mapped[str] = mapped_column(String(300))
    at: Mapped[timestamp]


class MessageRef(Base):
    """Where an item was posted: lets a reaction on a platform message find its item."""

    __tablename__ = "message_refs"
    __table_args__ = (
        UniqueConstraint("channel", "message_id"),
        Index("ix_message_refs_item", "item_id"),
    )

    id: Mapped[intpk]
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    channel: Mapped[str] = mapped_column(String(300))
    message_id: Mapped[str] = mapped_column(String(300))
    posted_at: Mapped[timestamp]
