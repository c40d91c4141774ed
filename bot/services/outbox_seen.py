"""An outbox row found on its platform although it is not recorded as sent (its sender stopped in between).

An adapter that sees, in a conversation, a message of its own carrying a row's id (Matrix: the
`org.relais.outbox` key, adapters.matrix.resends) records the row as sent with that message, as its
delivery would have: nothing is sent twice. A row a delivery loop holds right now (leased 'sending')
is left to that loop, which records it itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from bot.db import Store
from bot.kinds import OutboxStatus
from bot.models import OutboxMessage
from bot.outbox import mark_sent

TIME_DIGITS = 14  # bot.outbox.new_id: the id starts with the microseconds of its writing, in hexadecimal


@dataclass(frozen=True)
class Recorded:
    """The row recorded as sent: its item (an item's post), for what follows a post (Matrix: the ✅)."""

    item_id: int | None


def written_at(outbox_id: str) -> datetime | None:
    """When the row was written, read from its id (bot.outbox.new_id puts the time first); None if not an id."""
    try:
        micros = int(outbox_id[:TIME_DIGITS], 16)
        return datetime.fromtimestamp(micros / 1_000_000, tz=UTC)
    except (ValueError, OverflowError, OSError):
        return None


def record_seen(
    store: Store, outbox_id: str, platform: str, message_id: str, channel: str | None, now: datetime
) -> Recorded | None:
    """Row `outbox_id` of `platform` is on the platform as `message_id` (in `channel`): recorded as sent,
    unless it already is, does not exist, or a delivery loop holds it; then None."""
    with store.unit_of_work() as session:
        statement = select(OutboxMessage).where(
            OutboxMessage.id == outbox_id,
            OutboxMessage.platform == platform,
            OutboxMessage.status != OutboxStatus.SENT,
        )
        if store.dialect == "postgresql":  # a row a delivery pass has just claimed is its business
            statement = statement.with_for_update(skip_locked=True)
        row = session.scalar(statement)
        if row is None:
            return None
        if row.status == OutboxStatus.SENDING and row.not_before is not None and row.not_before > now:
            return None  # leased: the loop sending it records it (it finds it, if it is a resend)
        mark_sent(session, row.id, row.replaces or message_id, now, channel)
        return Recorded(row.item_id)
