"""Reading levels: acknowledgements, seen signals, unread lists, who read what, coverage.

The audience of an item is the members of its circle when it was posted (its number is at
or after their `audience_from`, and not after their `audience_until` if they left), minus its
author and muted members.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session

from bot.models import (
    Acknowledgement,
    CircleMember,
    Item,
    Member,
    MessageRef,
    SeenItem,
    SeenMark,
)
from bot.services.membership import in_audience_window

ACK_EMOJI = frozenset({"✅", "👍", "✔️", "✔", "☑️", "white_check_mark", "+1", "thumbsup", "heavy_check_mark"})


def is_ack_emoji(emoji: str) -> bool:
    key = emoji.strip().strip(":")
    return key in ACK_EMOJI or key.rstrip("\ufe0f") in ACK_EMOJI or key.split("::")[0] in ACK_EMOJI


def _current_ack(item_id: object, member_id: object) -> object:
    return exists().where(
        Acknowledgement.item_id == item_id,
        Acknowledgement.member_id == member_id,
        Acknowledgement.version == Item.version,
    )


def acknowledge(session: Session, item: Item, member: Member, via: str, now: datetime) -> bool:
    """Record that the member read the item's current version. False if it was already so."""
    ack = session.get(Acknowledgement, (item.id, member.id))
    if ack is not None and ack.version == item.version:
        return False
    if ack is None:
        session.add(Acknowledgement(item_id=item.id, member_id=member.id, version=item.version, at=now, via=via))
    else:
        ack.version, ack.at, ack.via = item.version, now, via
    session.flush()
    return True


def is_acknowledged(session: Session, item: Item, member: Member) -> bool:
    ack = session.get(Acknowledgement, (item.id, member.id))
    return ack is not None and ack.version == item.version


def withdraw(session: Session, item: Item, member: Member) -> bool:
    """Take an acknowledgement back (the reaction was removed)."""
    ack = session.get(Acknowledgement, (item.id, member.id))
    if ack is None:
        return False
    session.delete(ack)
    session.flush()
    return True


def item_for_message(session: Session, channel: str, message_id: str) -> Item | None:
    return session.scalar(
        select(Item)
        .join(MessageRef, MessageRef.item_id == Item.id)
        .where(MessageRef.channel == channel, MessageRef.message_id == message_id)
    )


def record_seen_mark(session: Session, member: Member, channel: str, upto: datetime, now: datetime) -> None:
    """Move the member's read-up-to watermark in a channel forward (never backward)."""
    mark = session.get(SeenMark, (member.id, channel))
    if mark is None:
        session.add(SeenMark(member_id=member.id, channel=channel, upto=upto, at=now))
    elif upto > mark.upto:
        mark.upto, mark.at = upto, now
    session.flush()


def record_seen_items(session: Session, member: Member, item_ids: Iterable[int], now: datetime) -> int:
    wanted = set(item_ids)
    if not wanted:
        return 0
    known = set(
        session.scalars(select(SeenItem.item_id).where(SeenItem.member_id == member.id, SeenItem.item_id.in_(wanted)))
    )
    for item_id in wanted - known:
        session.add(SeenItem(item_id=item_id, member_id=member.id, at=now))
    session.flush()
    return len(wanted - known)


def unread_ids(session: Session, member: Member) -> list[int]:
    """Ids of the member's unacknowledged items, newest first (one scan of covering indexes)."""
    statement = (
        select(Item.id)
        .join(CircleMember, and_(CircleMember.circle_id == Item.circle_id, CircleMember.member_id == member.id))
        .where(
            Item.must_read.is_(True),
            in_audience_window(Item.number),
            or_(Item.author_id.is_(None), Item.author_id != member.id),
            ~_current_ack(Item.id, member.id),
        )
        .order_by(Item.number.desc())
    )
    return list(session.scalars(statement))


def load_items(session: Session, item_ids: Sequence[int]) -> list[Item]:
    """Items by id, in the order given."""
    if not item_ids:
        return []
    found = {item.id: item for item in session.scalars(select(Item).where(Item.id.in_(item_ids)))}
    return [found[item_id] for item_id in item_ids if item_id in found]


def unread_items(session: Session, member: Member, limit: int | None = 20) -> list[Item]:
    """The member's unacknowledged items, newest first."""
    ids = unread_ids(session, member)
    return load_items(session, ids if limit is None else ids[:limit])


def audience(session: Session, item: Item) -> list[Member]:
    conditions = [
        CircleMember.circle_id == item.circle_id,
        in_audience_window(item.number),
        Member.muted.is_(False),
    ]
    if item.author_id is not None:
        conditions.append(Member.id != item.author_id)
    statement = select(Member).join(CircleMember, CircleMember.member_id == Member.id).where(*conditions)
    return list(session.scalars(statement.order_by(Member.display_name)))


@dataclass(frozen=True)
class ReadState:
    member: Member
    state: str  # "acknowledged" | "seen" | "unread"
    at: datetime | None


def who_read(session: Session, item: Item) -> list[ReadState]:
    members = audience(session, item)
    ids = [member.id for member in members]
    acks = {
        ack.member_id: ack.at
        for ack in session.scalars(
            select(Acknowledgement).where(
                Acknowledgement.item_id == item.id,
                Acknowledgement.member_id.in_(ids),
                Acknowledgement.version == item.version,
            )
        )
    }
    seen: dict[int, datetime] = {
        member_id: at
        for member_id, at in session.execute(
            select(SeenItem.member_id, SeenItem.at).where(SeenItem.item_id == item.id, SeenItem.member_id.in_(ids))
        )
    }
    marks = session.execute(
        select(SeenMark.member_id, SeenMark.at)
        .join(MessageRef, and_(MessageRef.channel == SeenMark.channel, SeenMark.upto >= MessageRef.posted_at))
        .where(MessageRef.item_id == item.id, SeenMark.member_id.in_(ids))
    )
    for member_id, at in marks:
        seen.setdefault(member_id, at)
    states = []
    for member in members:
        if member.id in acks:
            states.append(ReadState(member, "acknowledged", acks[member.id]))
        elif member.id in seen:
            states.append(ReadState(member, "seen", seen[member.id]))
        else:
            states.append(ReadState(member, "unread", None))
    return states
