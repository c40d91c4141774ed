"""Reading levels: acknowledgements, seen signals, unread lists, who read what, coverage.

The audience of an item is the members of its circle when it was posted (its number is at
or after their `audience_from`), minus its author and muted members.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

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


def unread_ids(session: Session, member: Member) -> list[int]:
    """Ids of the member's unacknowledged items, newest first (one scan of covering indexes)."""
    statement = (
        select(Item.id)
        .join(CircleMember, and_(CircleMember.circle_id == Item.circle_id, CircleMember.member_id == member.id))
        .where(
            Item.must_read.is_(True),
            Item.number >= CircleMember.audience_from,
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


def _audience_counts(
    items: Sequence[Any], memberships: dict[int, dict[int, int]]
) -> tuple[dict[int, int], dict[int, int]]:
    """Items to read per member, and audience size per item, by bisecting sorted numbers."""
    by_circle: dict[int, list[Any]] = {}
    for row in items:
        by_circle.setdefault(row.circle_id, []).append(row)
    totals: dict[int, int] = {}
    audience_size: dict[int, int] = {}
    for circle, rows in by_circle.items():
        members = memberships[circle]
        numbers = sorted(row.number for row in rows)
        froms = sorted(members.values())
        authored: dict[int, list[int]] = {}
        for row in rows:
            author_from = members.get(row.author_id) if row.author_id is not None else None
            own = 1 if author_from is not None and author_from <= row.number else 0
            audience_size[row.id] = bisect_right(froms, row.number) - own
            if own:
                authored.setdefault(row.author_id, []).append(row.number)
        for member_id, audience_from in members.items():
            count = len(numbers) - bisect_left(numbers, audience_from)
            count -= sum(1 for number in authored.get(member_id, ()) if number >= audience_from)
            if count:
                totals[member_id] = count
    return totals, audience_size


def level_report(
    session: Session, community_id: int, since: datetime, circle_id: int | None = None, lowest: int = 5
) -> LevelReport:
    """Per member, per organisation and per item: acknowledged / to read, for items since `since`.

    Three lean queries (window items, circle memberships, acknowledgements of those items);
    the audience arithmetic is done here, so the cost follows the window, not the history.
    """
    conditions = [Item.community_id == community_id, Item.must_read.is_(True), Item.created_at >= since]
    if circle_id is not None:
        conditions.append(Item.circle_id == circle_id)
    items = session.execute(
        select(Item.id, Item.circle_id, Item.number, Item.author_id, Item.version).where(*conditions)
    ).all()
    if not items:
        return LevelReport(members=[], organisations=[], lowest=[], items=0)
    circle_ids = {row.circle_id for row in items}
    memberships: dict[int, dict[int, int]] = {circle: {} for circle in circle_ids}
    for circle, member_id, audience_from in session.execute(
        select(CircleMember.circle_id, CircleMember.member_id, CircleMember.audience_from)
        .join(Member, Member.id == CircleMember.member_id)
        .where(CircleMember.circle_id.in_(circle_ids), Member.muted.is_(False))
    ):
        memberships[circle][member_id] = audience_from
    totals, audience_size = _audience_counts(items, memberships)
    by_id = {row.id: (row.circle_id, row.number, row.author_id, row.version) for row in items}
    acked_by_member: dict[int, int] = dict.fromkeys(totals, 0)
    acked_by_item: dict[int, int] = dict.fromkeys(by_id, 0)
    rows = session.execute(
        select(Acknowledgement.item_id, Acknowledgement.member_id, Acknowledgement.version)
        .join(Item, Item.id == Acknowledgement.item_id)
        .where(*conditions)
    )
    for item_id, member_id, version in rows:
        circle, number, author, current = by_id[item_id]
        audience_from = memberships[circle].get(member_id)
        if version == current and audience_from is not None and audience_from <= number and member_id != author:
            acked_by_member[member_id] += 1
            acked_by_item[item_id] += 1
    members = {m.id: m for m in session.scalars(select(Member).where(Member.id.in_(list(totals))))}
    levels = [MemberLevel(members[m], acked_by_member[m], total) for m, total in totals.items()]
    levels.sort(key=lambda level: (level.share, level.member.display_name))
    organisations: dict[str | None, list[int]] = {}
    for level in levels:
        name = level.member.organisation.name if level.member.organisation else None
        bucket = organisations.setdefault(name, [0, 0])
        bucket[0] += level.acknowledged
        bucket[1] += level.total
    ranked = sorted(
        (item_id for item_id, size in audience_size.items() if size),
        key=lambda item_id: (acked_by_item[item_id] / audience_size[item_id], -by_id[item_id][1]),
    )[:lowest]
    loaded = {item.id: item for item in load_items(session, ranked)}
    return LevelReport(
        members=levels,
        organisations=sorted(
            ((name, acked, total) for name, (acked, total) in organisations.items()),
            key=lambda row: (row[1] / row[2] if row[2] else 1.0, row[0] or ""),
        ),
        lowest=[Coverage(loaded[i], acked_by_item[i], audience_size[i]) for i in ranked],
        items=sum(1 for size in audience_size.values() if size),
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
