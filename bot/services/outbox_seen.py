"""An outbox row found on its platform although it is not recorded as sent (its sender stopped in between).

An adapter that sees, in a conversation, a message of its own carrying a row's id (Matrix: the
`org.relais.outbox` key, adapters.matrix.resends) records the row as sent with that message, as its
delivery would have: nothing is sent twice. A row a delivery loop holds right now (leased 'sending')
is left to that loop, which records it itself. Several at once, off the event loop (the adapter's
business), with a read first: most echoes are of rows already recorded, and take no write lock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, or_, select

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
    store: Store, platform: str, seen: Mapping[str, tuple[str, str | None]], now: datetime
) -> dict[str, Recorded]:
    """Rows of `platform` seen on it, {outbox id: (message id, channel)}: those waiting (not sent, not held by a
    delivery loop) are recorded as sent, and returned. A read first, and a write only if one waits: the echo
    of a row already recorded (most are: another process sent it) takes no write lock."""
    with store.unit_of_work(reading=True) as session:
        ids = list(session.scalars(select(OutboxMessage.id).where(*_waiting(platform, list(seen), now))))
    if not ids:
        return {}
    recorded: dict[str, Recorded] = {}
    with store.unit_of_work() as session:
        statement = select(OutboxMessage).where(*_waiting(platform, ids, now))
        if store.dialect == "postgresql":  # a row a delivery pass has just claimed is its business
            statement = statement.with_for_update(skip_locked=True)
        for row in session.scalars(statement).all():
            message_id, channel = seen[row.id]
            mark_sent(session, row.id, row.replaces or message_id, now, channel)
            recorded[row.id] = Recorded(row.item_id)
    return recorded


def _waiting(platform: str, ids: list[str], now: datetime) -> tuple[ColumnElement[bool], ...]:
    """Of rows `ids`, those not sent yet and not leased: a row a loop is sending is left to that loop, which
    records it itself (it finds it in the room, if it is a resend)."""
    return (
        OutboxMessage.id.in_(ids),
        OutboxMessage.platform == platform,
        OutboxMessage.status != OutboxStatus.SENT,
        or_(
            OutboxMessage.status != OutboxStatus.SENDING,
            OutboxMessage.not_before.is_(None),
            OutboxMessage.not_before <= now,
        ),
    )
