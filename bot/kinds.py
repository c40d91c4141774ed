"""The kinds and statuses the store keeps, one enum each.

Each is a StrEnum: a member is its value (`ItemKind.UPDATE == "update"`), stored as that string,
so databases keep the values they always had; the models' columns (bot.models.base.enum_column)
refuse any other value, and a CHECK constraint in the database does too (migration 0008).
"""

from __future__ import annotations

from enum import StrEnum


class ItemKind(StrEnum):
    """What a numbered item is. Commitments and meetings carry a number but are not read."""

    COMMITMENT = "commitment"
    UPDATE = "update"
    ANNOUNCEMENT = "announcement"
    DECISION = "decision"
    RECAP = "recap"
    AGENDA = "agenda"
    MEETING = "meeting"


class CommitmentStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    DROPPED = "dropped"


class Confidence(StrEnum):
    """How sure an owner is to deliver a commitment, said with an update (/update #N … confidence high)."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class MeetingStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class OutboxStatus(StrEnum):
    """pending -> sending -> sent | failed (a failed attempt under the limit goes back to pending)."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class OccurrenceStatus(StrEnum):
    """What became of a scheduled occurrence, claimed once.

    posting: a round of direct messages claimed and still being written (bot.posts, schedules);
    posted, or late within its grace window; missed (Relais was not running); paused; empty
    (nothing to post)."""

    POSTING = "posting"
    POSTED = "posted"
    LATE = "late"
    MISSED = "missed"
    PAUSED = "paused"
    EMPTY = "empty"


class OccurrenceKind(StrEnum):
    """What a scheduled occurrence posts."""

    RECAP = "recap"
    AGENDA = "agenda"
    REMINDER = "reminder"
    DIGEST = "digest"
    NUDGES = "nudges"


class ScheduleKind(StrEnum):
    """A recurring source of posts: a circle's (recaps, agendas, reminders), the digests, the nudges."""

    CIRCLE = "circle"
    DIGEST = "digest"
    NUDGES = "nudges"


class Role(StrEnum):
    FACILITATOR = "facilitator"
    PARTNER = "partner"
