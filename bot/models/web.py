"""Sign-in to the web dashboard: one-time links and the sessions they open (tokens stored hashed).

Only a token's SHA-256 is kept: whoever reads the database cannot sign in with what they read.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, UTCDateTime, intpk, timestamp


class WebLink(Base):
    """A sign-in link sent by /dashboard: valid until `expires_at`, used once (`used_at`)."""

    __tablename__ = "web_links"
    __table_args__ = (Index("ix_web_links_member_created", "member_id", "created_at"),)  # the rate limit

    id: Mapped[intpk]
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[timestamp]
    expires_at: Mapped[timestamp]
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class WebSession(Base):
    """A signed-in browser: its cookie's hash, until `expires_at` or sign-out (`ended_at`)."""

    __tablename__ = "web_sessions"

    id: Mapped[intpk]
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    created_at: Mapped[timestamp]
    expires_at: Mapped[timestamp]
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


__all__ = ["WebLink", "WebSession"]
