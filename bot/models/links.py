"""One person, several accounts: linking codes, their attempts, and the record of each merge.

A member may have identities on several platforms (a Slack account and a Matrix account). Two
members found to be one person are merged (bot.services.linking); `MemberLink` records the merge —
who, when, which accounts, and a journal of what moved — so that /unlink can split them back.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, UTCDateTime, intpk, timestamp


class LinkCode(Base):
    """A one-time code a member asked for with /link, to be typed from their other account.

    Only a hash of the code is kept. It is valid until `expires_at`, once (`used_at`). The outbox
    rows that carried it (`outbox_ids`, comma-separated) have the code blanked once it is used,
    replaced or expired (`redacted`).
    """

    __tablename__ = "link_codes"
    __table_args__ = (Index("ix_link_codes_community_hash", "community_id", "code_hash"),)

    id: Mapped[intpk]
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    identity: Mapped[str] = mapped_column(String(300))  # the account that asked for it
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[timestamp]
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outbox_ids: Mapped[str | None] = mapped_column(Text())
    redacted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class LinkAttempt(Base):
    """A /link <code> that matched no valid code: counted per member and per community against guessing."""

    __tablename__ = "link_attempts"
    __table_args__ = (Index("ix_link_attempts_community_at", "community_id", "at"),)

    id: Mapped[intpk]
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    at: Mapped[timestamp]


class MemberLink(Base):
    """Two members merged into one: `kept_id` (the older) absorbed `merged_id` (whose row is gone while
    linked). `identities` (JSON list) are the accounts the merged member brought; `journal` (JSON) lists
    what moved and what it was before, for /unlink. `by_id` did it (the member themself, or a facilitator).
    """

    __tablename__ = "member_links"

    id: Mapped[intpk]
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    kept_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    merged_id: Mapped[int] = mapped_column(Integer)  # no foreign key: the row is gone while linked
    merged_name: Mapped[str] = mapped_column(String(200))
    identities: Mapped[str] = mapped_column(Text())
    journal: Mapped[str] = mapped_column(Text())
    by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    at: Mapped[timestamp]
    unlinked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    unlinked_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))


__all__ = ["LinkAttempt", "LinkCode", "MemberLink"]
