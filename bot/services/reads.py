"""Reading levels: acknowledgements, seen signals, unread lists, who read what, coverage.

The audience of an item is the members of its circle when it was posted (its number is at
or after their `audience_from`), minus its author and muted members.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, exists, func, or_, select
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
        select(Item).join(MessageRef, MessageRef.item_id == Item.id).where(
            MessageRef.channel == channel, MessageRef.message_id == message_id
        )
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
    known = set(session.scalars(select(SeenItem.item_id).where(
        SeenItem.member_id == member.id, SeenItem.item_id.in_(wanted))))
    for item_id in wanted - known:
        session.add(SeenItem(item_id=item_id, member_id=member.id, at=now))
    session.flush()
    return len(wanted - known)


def _unread_statement(member: Member) -> object:
    return (
        select(Item)
        .join(CircleMember, and_(CircleMember.circle_id == Item.circle_id, CircleMember.member_id == member.id))
        .where(
            Item.must_read.is_(True),
            Item.number >= CircleMember.audience_from,
            or_(Item.author_id.is_(None), Item.author_id != member.id),
            ~_current_ack(Item.id, member.id),
        )
    )


def unread_items(session: Session, member: Member, limit: int | None = 20) -> list[Item]:
    """The member's unacknowledged items, newest first."""
    statement = _unread_statement(member).order_by(Item.number.desc())  # type: ignore[attr-defined]
    if limit is not None:
        statement = statement.limit(limit)
    return list(session.scalars(statement))


def unread_count(session: Session, member: Member) -> int:
    subquery = _unread_statement(member).subquery()  # type: ignore[attr-defined]
    return int(session.scalar(select(func.count()).select_from(subquery)) or 0)


def audience(session: Session, item: Item) -> list[Member]:
    conditions = [
        CircleMember.circle_id == item.circle_id,
        CircleMember.audience_from <= item.number,
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
        for ack in session.scalars(select(Acknowledgement).where(
            Acknowledgement.item_id == item.id, Acknowledgement.member_id.in_(ids),
            Acknowledgement.version == item.version))
    }
    seen: dict[int, datetime] = {
        member_id: at
        for member_id, at in session.execute(select(SeenItem.member_id, SeenItem.at).where(
            SeenItem.item_id == item.id, SeenItem.member_id.in_(ids)))
    }
    refs = session.execute(select(MessageRef.channel, MessageRef.posted_at).where(MessageRef.item_id == item.id)).all()
    for channel, posted_at in refs:
        for member_id, at in session.execute(select(SeenMark.member_id, SeenMark.at).where(
                SeenMark.channel == channel, SeenMark.member_id.in_(ids), SeenMark.upto >= posted_at)):
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


@dataclass(frozen=True)
class Coverage:
    item: Item
    acknowledged: int
    audience: int

    @property
    def share(self) -> float:
        return self.acknowledged / self.audience if self.audience else 1.0


@dataclass(frozen=True)
class MemberLevel:
    member: Member
    acknowledged: int
    total: int

    @property
    def share(self) -> float:
        return self.acknowledged / self.total if self.total else 1.0


@dataclass(frozen=True)
class LevelReport:
    members: list[MemberLevel]
    organisations: list[tuple[str | None, int, int]]  # (name or None, acknowledged, total)
    lowest: list[Coverage]
    items: int


def _pairs(community_id: int, since: datetime, circle_id: int | None) -> object:
    """(item, member, acknowledged?) for every item of the window and every member of its audience."""
    conditions = [Item.community_id == community_id, Item.must_read.is_(True), Item.created_at >= since]
    if circle_id is not None:
        conditions.append(Item.circle_id == circle_id)
    acked = (
        select(func.count())
        .select_from(Acknowledgement)
        .where(Acknowledgement.item_id == Item.id, Acknowledgement.member_id == Member.id,
               Acknowledgement.version == Item.version)
        .scalar_subquery()
    )
    return (
        select(Item.id.label("item_id"), Member.id.label("member_id"), acked.label("acked"))
        .select_from(Item)
        .join(CircleMember, and_(CircleMember.circle_id == Item.circle_id, CircleMember.audience_from <= Item.number))
        .join(Member, Member.id == CircleMember.member_id)
        .where(*conditions, Member.muted.is_(False), or_(Item.author_id.is_(None), Item.author_id != Member.id))
        .subquery()
    )


def level_report(
    session: Session, community_id: int, since: datetime, circle_id: int | None = None, lowest: int = 5
) -> LevelReport:
    pairs = _pairs(community_id, since, circle_id)
    per_member = session.execute(
        select(pairs.c.member_id, func.sum(pairs.c.acked), func.count())  # type: ignore[attr-defined]
        .group_by(pairs.c.member_id)  # type: ignore[attr-defined]
    ).all()
    per_item = session.execute(
        select(pairs.c.item_id, func.sum(pairs.c.acked), func.count())  # type: ignore[attr-defined]
        .group_by(pairs.c.item_id)  # type: ignore[attr-defined]
        .order_by((func.sum(pairs.c.acked) * 1.0 / func.count()).asc(), pairs.c.item_id.desc())  # type: ignore[attr-defined]
        .limit(lowest)
    ).all()
    members = {m.id: m for m in session.scalars(select(Member).where(Member.id.in_([row[0] for row in per_member])))}
    levels = [MemberLevel(members[member_id], int(acked or 0), int(total)) for member_id, acked, total in per_member]
    levels.sort(key=lambda level: (level.share, level.member.display_name))
    organisations: dict[str | None, list[int]] = {}
    for level in levels:
        name = level.member.organisation.name if level.member.organisation else None
        bucket = organisations.setdefault(name, [0, 0])
        bucket[0] += level.acknowledged
        bucket[1] += level.total
    items = {item.id: item for item in session.scalars(select(Item).where(Item.id.in_([row[0] for row in per_item])))}
    count_items = session.scalar(
        select(func.count(func.distinct(pairs.c.item_id)))  # type: ignore[attr-defined]
    )
    return LevelReport(
        members=levels,
        organisations=sorted(
            ((name, acked, total) for name, (acked, total) in organisations.items()),
            key=lambda row: (row[1] / row[2] if row[2] else 1.0, row[0] or ""),
        ),
        lowest=[Coverage(items[item_id], int(acked or 0), int(total)) for item_id, acked, total in per_item],
        items=int(count_items or 0),
    )


def coverage(session: Session, item_ids: Sequence[int]) -> dict[int, Coverage]:
    """Acknowledged / audience for some items (recaps and agendas use it)."""
    if not item_ids:
        return {}
    result: dict[int, Coverage] = {}
    for item in session.scalars(select(Item).where(Item.id.in_(item_ids))):
        states = who_read(session, item)
        result[item.id] = Coverage(item, sum(1 for state in states if state.state == "acknowledged"), len(states))
    return result
