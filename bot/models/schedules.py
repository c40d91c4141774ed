"""What the bot posts by itself: schedules, their occurrences, meetings, agenda topics, preferences.

The idempotency key of a scheduled post is (schedule_key, due_at): the unique constraint on
`occurrences` is what makes a second scheduler process (or a restart) skip an occurrence that
was already claimed. A decision is an Item of kind "decision"; it needs no table of its own.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.kinds import MeetingStatus, OccurrenceKind, OccurrenceStatus, ScheduleKind
from bot.models.base import Base, UTCDateTime, enum_column, intpk, timestamp
from bot.models.community import Member
from bot.models.items import Item


class Schedule(Base):
    """A recurring source of posts and its pause switch, kept in step with the config.

    key "circle:<circle id>": the circle's weekly recap (`rule`); paused also holds its agendas
    and meeting reminders. key "digest:<community id>": personal digests; "nudges:<community id>":
    the daily nudge round. `active_since` is when the rule last changed or the schedule resumed:
    occurrences before it are neither posted nor reported missed.
    """

    __tablename__ = "schedules"

    id: Mapped[intpk]
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[ScheduleKind] = mapped_column(enum_column(ScheduleKind, "kind", 20))
    circle_id: Mapped[int | None] = mapped_column(ForeignKey("circles.id"))
    rule: Mapped[str | None] = mapped_column(String(100))
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    paused_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    active_since: Mapped[timestamp]
    updated_at: Mapped[timestamp]


class Occurrence(Base):
    """One occurrence of a schedule, claimed once: posted, late, missed, paused or empty.

    Inserted in the same transaction as the item and the outbox rows it produced.
    `reported_at` is set when a missed occurrence was listed in a recap.
    """

    __tablename__ = "occurrences"
    __table_args__ = (
        UniqueConstraint("schedule_key", "due_at"),
        Index("ix_occurrences_community_due", "community_id", "due_at"),
        # missed ones to report, rounds still posting: found without reading the history, and in order
        Index("ix_occurrences_community_status_due", "community_id", "status", "due_at"),
    )

    id: Mapped[intpk]
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    schedule_key: Mapped[str] = mapped_column(String(200))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    kind: Mapped[OccurrenceKind] = mapped_column(enum_column(OccurrenceKind, "kind", 20))
    circle_id: Mapped[int | None] = mapped_column(ForeignKey("circles.id"))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.item_id"))
    status: Mapped[OccurrenceStatus] = mapped_column(enum_column(OccurrenceStatus, "status", 10))
    claimed_at: Mapped[timestamp]
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"))
    posts: Mapped[int] = mapped_column(Integer, default=0)
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Meeting(Base):
    """A meeting of a circle; its number `#N` is its item's (kind "meeting", not to read)."""

    __tablename__ = "meetings"
    __table_args__ = (Index("ix_meetings_status_starts", "status", "starts_at"),)

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), primary_key=True)
    title: Mapped[str] = mapped_column(Text())
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    minutes: Mapped[int] = mapped_column(Integer, default=120)
    place: Mapped[str | None] = mapped_column(Text())
    status: Mapped[MeetingStatus] = mapped_column(
        enum_column(MeetingStatus, "status", 10), default=MeetingStatus.SCHEDULED
    )
    created_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[timestamp]
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    item: Mapped[Item] = relationship(lazy="joined")

    @property
    def number(self) -> int:
        return self.item.number

    @property
    def circle_id(self) -> int:
        return self.item.circle_id


class AgendaTopic(Base):
    """A topic proposed for a circle's meeting (`meeting_id` None: for its next meeting)."""

    __tablename__ = "agenda_topics"

    id: Mapped[intpk]
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.item_id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    text: Mapped[str] = mapped_column(Text())
    created_at: Mapped[timestamp]

    author: Mapped[Member | None] = relationship(lazy="joined")


class MemberPreference(Base):
    """What a member asked for: the weekly personal digest (opt-in), nudges (on by default)."""

    __tablename__ = "member_preferences"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    digest: Mapped[bool] = mapped_column(Boolean, default=False)
    nudges: Mapped[bool] = mapped_column(Boolean, default=True)
    # the platform personal messages go to (slack, matrix); None: the one they last used
    via: Mapped[str | None] = mapped_column(String(20))
    updated_at: Mapped[timestamp]


__all__ = ["AgendaTopic", "Meeting", "MemberPreference", "Occurrence", "Schedule"]
