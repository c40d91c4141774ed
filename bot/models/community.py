"""Who takes part: the community, its circles, partner organisations and members."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ColumnElement, ForeignKey, Integer, String, UniqueConstraint, and_, false, or_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.kinds import Role
from bot.models.base import Base, UTCDateTime, enum_column, intpk, name_str, timestamp


class Community(Base):
    __tablename__ = "communities"

    id: Mapped[intpk]
    name: Mapped[name_str] = mapped_column(unique=True)
    language: Mapped[str] = mapped_column(String(2))
    timezone: Mapped[str] = mapped_column(String(64))
    next_number: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[timestamp]


class Organisation(Base):
    __tablename__ = "organisations"
    __table_args__ = (UniqueConstraint("community_id", "name"),)

    id: Mapped[intpk]
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    name: Mapped[name_str]


class Circle(Base):
    __tablename__ = "circles"
    __table_args__ = (UniqueConstraint("community_id", "slug"),)

    id: Mapped[intpk]
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    name: Mapped[name_str]
    slug: Mapped[str] = mapped_column(String(200))

    channels: Mapped[list[CircleChannel]] = relationship(back_populates="circle", lazy="selectin")


class CircleChannel(Base):
    """A chat channel mapped to a circle: `slack:T1/C1`, `matrix:!room:hs`, `console:copil`."""

    __tablename__ = "circle_channels"

    id: Mapped[intpk]
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id"), index=True)
    channel: Mapped[str] = mapped_column(String(300), unique=True)

    circle: Mapped[Circle] = relationship(back_populates="channels")


class Member(Base):
    __tablename__ = "members"

    id: Mapped[intpk]
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    display_name: Mapped[name_str]
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    role: Mapped[Role] = mapped_column(enum_column(Role, "role", 20), default=Role.PARTNER)
    role_from_config: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    language: Mapped[str | None] = mapped_column(String(2))
    muted: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[timestamp]
    # the platform the member last typed a command on (slack, matrix): where a nudge reaches them
    last_platform: Mapped[str | None] = mapped_column(String(20))

    organisation: Mapped[Organisation | None] = relationship(lazy="joined")

    @property
    def is_facilitator(self) -> bool:
        return self.role == Role.FACILITATOR


class Identity(Base):
    """A platform identity of a member: `console:alice`, `slack:T1/U1`, `matrix:@a:hs`."""

    __tablename__ = "identities"

    id: Mapped[intpk]
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    identity: Mapped[str] = mapped_column(String(300), unique=True)


class CircleMember(Base):
    """Membership of a circle.

    `audience_from` is the first item number the member must read in this circle: the next
    number when they joined, or earlier so that a late joiner gets the circle's last few items.
    A member who left (`left_at`) keeps the items numbered up to `audience_until` in their
    audience (history stays true) and is in no newer one. `unread` is how many of the circle's
    items in that window they have not confirmed reading (bot.models.unread keeps it).
    """

    __tablename__ = "circle_members"

    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True, index=True)
    joined_at: Mapped[timestamp]
    audience_from: Mapped[int] = mapped_column(Integer, default=0)
    audience_until: Mapped[int | None] = mapped_column(Integer)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # items of its window the member has not confirmed reading: kept up to date by bot.models.unread
    unread: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    @property
    def active(self) -> bool:
        return self.left_at is None


def in_audience_window(number: Any) -> ColumnElement[bool]:
    """The membership row covers item `number`: joined before it, and not left before it."""
    return and_(
        CircleMember.audience_from <= number,
        or_(CircleMember.audience_until.is_(None), CircleMember.audience_until >= number),
    )


def covers(row: CircleMember | tuple[int, int | None], number: int) -> bool:
    """Python twin of in_audience_window, for a membership or an (audience_from, audience_until) pair."""
    start, until = (row.audience_from, row.audience_until) if isinstance(row, CircleMember) else row
    return start <= number and (until is None or number <= until)


class ChannelMember(Base):
    """Someone the platform says is in a mapped channel (Matrix joined members, Slack channel members).

    The platform's truth, kept in step by the adapters; a circle's members follow it.
    """

    __tablename__ = "channel_members"

    channel: Mapped[str] = mapped_column(String(300), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True, index=True)
    since: Mapped[timestamp]
