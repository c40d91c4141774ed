"""The outbox: every outgoing platform message is a row written before sending, marked after."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.kinds import OutboxStatus
from bot.models.base import Base, UTCDateTime, enum_column, timestamp


class OutboxMessage(Base):
    """One message to deliver on one platform.

    `id` is stable (a uuid hex): the Matrix transaction id, the Slack message metadata.
    `channel` is a platform channel (`matrix:!r:hs`, `slack:T/C`); for a direct message it is
    empty and `member_id` names the recipient. `recipient` is the identity an ephemeral reply
    is for. `occurrence_key`, when set, is unique: a scheduled occurrence is posted once.
    status: pending -> sending -> sent | failed; 'sending' rows are leased to `lease_owner` until `not_before`.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_platform_status", "platform", "status", "not_before"),
        Index("ix_outbox_item", "item_id"),  # an item's posted copies (bot.copies)
        Index("ix_outbox_reply_to", "reply_to"),  # a command's answers (bot.services.command_edits)
        Index("ix_outbox_blank_after", "blank_after"),  # secrets to blank (bot.outbox.blank_expired)
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str | None] = mapped_column(String(300))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    recipient: Mapped[str | None] = mapped_column(String(300))
    thread: Mapped[str | None] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text())
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"))
    notify: Mapped[bool] = mapped_column(Boolean, default=False)
    ephemeral: Mapped[bool] = mapped_column(Boolean, default=False)
    occurrence_key: Mapped[str | None] = mapped_column(String(300), unique=True)
    status: Mapped[OutboxStatus] = mapped_column(enum_column(OutboxStatus, "status", 10), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[timestamp]
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    message_id: Mapped[str | None] = mapped_column(String(300))
    last_error: Mapped[str | None] = mapped_column(Text())
    replaces: Mapped[str | None] = mapped_column(String(300))  # an update of this posted message (bot.copies)
    reply_to: Mapped[str | None] = mapped_column(String(300))  # the command's platform message this row answers
    image: Mapped[bytes | None] = mapped_column(LargeBinary())  # a picture to post (PNG); `text` is its alt text
    blank_after: Mapped[datetime | None] = mapped_column(UTCDateTime())  # its text is a secret valid until then
    commitments: Mapped[str | None] = mapped_column(String(300))  # numbers of the commitments it lists: "3 7"
    lease_owner: Mapped[str | None] = mapped_column(String(32))  # the process sending it ('sending'): bot.outbox_leases


class PlatformState(Base):
    """Small per-adapter state kept in Relais' own database (e.g. the Matrix sync token)."""

    __tablename__ = "platform_state"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[str] = mapped_column(Text())
    updated_at: Mapped[timestamp]
