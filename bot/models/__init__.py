"""The store's tables. Import from here; every table module is registered on Base.metadata."""

from sqlalchemy import Connection

from bot.models import acknowledged as _acknowledged  # noqa: F401 (its listeners count acknowledgements)
from bot.models import reading_seen as _reading_seen  # noqa: F401 (its listeners count what is seen)
from bot.models.base import Base, UTCDateTime
from bot.models.community import (
    ChannelMember,
    Circle,
    CircleChannel,
    CircleMember,
    Community,
    Identity,
    Member,
    Organisation,
)
from bot.models.delivery import MessageRef, ProcessedEvent
from bot.models.items import Commitment, CommitmentChange, Item, Update
from bot.models.links import LinkAttempt, LinkCode, MemberLink
from bot.models.outbox import OutboxMessage, PlatformState
from bot.models.reading import ReadingWeek
from bot.models.reading_counts import recount_items as recount_item_reads
from bot.models.reading_rebuild import rebuild as rebuild_reading
from bot.models.reads import Acknowledgement, SeenItem, SeenMark
from bot.models.schedules import AgendaTopic, Meeting, MemberPreference, Occurrence, Schedule
from bot.models.unread import recount as recount_unread
from bot.models.unread import recount_all
from bot.models.web import WebLink, WebSession

__all__ = [
    "Base",
    "UTCDateTime",
    "ChannelMember",
    "Circle",
    "CircleChannel",
    "CircleMember",
    "Community",
    "Identity",
    "Member",
    "Organisation",
    "MessageRef",
    "ProcessedEvent",
    "LinkAttempt",
    "LinkCode",
    "MemberLink",
    "Commitment",
    "CommitmentChange",
    "Item",
    "Update",
    "OutboxMessage",
    "PlatformState",
    "Acknowledgement",
    "SeenItem",
    "SeenMark",
    "AgendaTopic",
    "Meeting",
    "MemberPreference",
    "Occurrence",
    "Schedule",
    "WebLink",
    "WebSession",
    "recount_unread",
    "recount_all_unread",
    "ReadingWeek",
    "recount_item_reads",
    "rebuild_reading",
]


def recount_all_unread(connection: Connection) -> None:
    """Count everything kept as it happens again, for a whole database (after a bulk load): the unread
    counts of every membership and the reading summary (bot.models.reading)."""
    recount_all(connection)
    rebuild_reading(connection)
