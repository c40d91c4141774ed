"""Reading levels kept as they change: per member, circle and week (`ReadingWeek`), and per item
(`Item.confirmed`), so that /level, the heat map and the review read a few thousand summary rows
instead of every acknowledgement of their window (bot.models.reading_counts keeps them).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Date, Index, Integer
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base


class ReadingWeek(Base):
    """One member's reading of one circle's items posted in one week (Monday to Sunday in the
    community's timezone): `to_read` items of the week in their audience window (their own left out),
    `confirmed` of those they confirmed reading (the current version), `seen` of those they saw or
    confirmed (bot.models.reading_seen: a confirmation, a "seen" of the item, or a read receipt past
    one of its copies, as reads.who_read says). Muting is applied when read.

    No foreign key to members on purpose: merging members (bot.services.merging) moves every
    reference to a member, and this table is counted again for the two members instead.
    """

    __tablename__ = "reading_weeks"
    __table_args__ = (
        Index("ix_reading_weeks_member", "member_id", "circle_id"),
        # WITHOUT ROWID on SQLite (migration 0018): the primary key holds the rows, a span of weeks is read in one
        # range (not said here: see bot.models.reads.Acknowledgement)
    )

    week: Mapped[date] = mapped_column(Date(), primary_key=True)  # the Monday
    circle_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    to_read: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    confirmed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    seen: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


def week_of(at: datetime, zone: ZoneInfo) -> date:
    """The Monday (a local date) of the week `at` falls in."""
    local = at.astimezone(zone).date()
    return local - timedelta(days=local.weekday())


def week_start(week: date, zone: ZoneInfo) -> datetime:
    """The instant a week starts: its Monday at 00:00 in the community's timezone."""
    return datetime(week.year, week.month, week.day, tzinfo=zone)


__all__ = ["ReadingWeek", "week_of", "week_start"]
