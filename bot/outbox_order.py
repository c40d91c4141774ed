"""Each conversation in order, across delivery passes and retries.

A message that failed for now (a rate limit: HTTP 429 with Retry-After, a server error) waits for
its next attempt; the messages after it in the same conversation (a channel; a member's direct
messages; an ephemeral reply's recipient in a channel) wait with it instead of overtaking it.
Within one pass the delivery loop holds them (bot.delivery); across passes, a due row behind an
older row of its conversation still waiting for a later attempt is put off to that attempt here.
Rows written to wait (an item's read count, updated at most every few seconds: bot.copies) and edits
in place of a posted message hold nothing back.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.kinds import OutboxStatus
from bot.models import OutboxMessage

Conversation = tuple[str, ...]


def conversation_of(channel: str | None, member_id: int | None, recipient: str | None, ephemeral: bool) -> Conversation:
    """What must stay in order: a channel's posts; an ephemeral reply's recipient there; a member's DMs."""
    if channel and ephemeral:
        return (channel, recipient or "")
    if channel:
        return (channel,)
    return ("member", str(member_id))


def row_conversation(row: OutboxMessage) -> Conversation:
    return conversation_of(row.channel, row.member_id, row.recipient, bool(row.ephemeral))


def put_off_behind(session: Session, rows: Sequence[OutboxMessage], now: datetime) -> list[OutboxMessage]:
    """The rows free to go now; each of the others, behind an older row of its conversation that waits
    for a later attempt, gets that attempt's time (not sent, nothing counted) and is left out."""
    channels = {row.channel for row in rows if row.channel}
    members = {row.member_id for row in rows if not row.channel and row.member_id is not None}
    if not rows or not (channels or members):
        return list(rows)
    platform = rows[0].platform
    waiting = session.execute(
        select(
            OutboxMessage.channel,
            OutboxMessage.member_id,
            OutboxMessage.recipient,
            OutboxMessage.ephemeral,
            OutboxMessage.created_at,
            OutboxMessage.id,
            OutboxMessage.not_before,
        ).where(
            OutboxMessage.platform == platform,
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.not_before > now,
            OutboxMessage.last_error.is_not(None),  # it failed: not a row written to wait (bot.copies' pacing)
            OutboxMessage.replaces.is_(None),  # an edit in place of a posted message changes no order
            or_(OutboxMessage.channel.in_(channels), OutboxMessage.member_id.in_(members)),
        )
    ).all()
    first: dict[Conversation, tuple[datetime, str, datetime]] = {}
    for channel, member_id, recipient, ephemeral, created_at, row_id, not_before in waiting:
        key = conversation_of(channel, member_id, recipient, bool(ephemeral))
        if key not in first or (created_at, row_id) < first[key][:2]:
            first[key] = (created_at, row_id, not_before)
    free = []
    for row in rows:
        blocker = first.get(row_conversation(row)) if row.replaces is None else None
        if blocker is not None and (row.created_at, row.id) > blocker[:2]:
            row.not_before = max(blocker[2], row.not_before or blocker[2])
        else:
            free.append(row)
    return free
