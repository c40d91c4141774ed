"""Reading levels: acknowledgements, seen signals, unread lists, who read what, coverage.

The audience of an item is the members of its circle when it was posted (its number is at
or after their `audience_from`, and not after their `audience_until` if they left), minus its
author and muted members.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, bindparam, exists, func, or_, select
from sqlalchemy.orm import Session

from bot.models import (
    Acknowledgement,
    Circle,
    CircleMember,
    Item,
    Member,
    MessageRef,
    SeenItem,
    SeenMark,
)
from bot.models.community import in_audience_window

ACK_EMOJI = frozenset({"✅", "👍", "✔️", "✔", "☑️", "white_check_mark", "+1", "thumbsup", "heavy_check_mark"})


SKIN_TONES = "".join(chr(code) for code in range(0x1F3FB, 0x1F400))  # 🏻 🏼 🏽 🏾 🏿 (Fitzpatrick modifiers)


def is_ack_emoji(emoji: str) -> bool:
    """✅, 👍 and their spellings: with a skin tone (👍🏽, Slack's `+1::skin-tone-3`) or an emoji
    presentation selector (U+FE0F) too."""
    key = emoji.strip().strip(":")
    return key.split("::")[0].rstrip("\ufe0f" + SKIN_TONES) in ACK_EMOJI or key in ACK_EMOJI


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


@dataclass(frozen=True)
class Unread:
    """An item a member has not confirmed reading: enough to order and date it (load_items gives the rest)."""

    id: int
    number: int
    created_at: datetime


FIRST_WINDOW = 2048  # item numbers read first; the window doubles for members who need more


def newest_unread(
    session: Session, community_id: int, member_ids: Collection[int], limit: int
) -> dict[int, list[Unread]]:
    """Each member's `limit` newest unacknowledged items, newest first: the first `limit` of
    unread_ids, for many members at once.

    Read backwards through the community's numbers in windows: the newest FIRST_WINDOW numbers for
    everyone, then for each member still short of `limit` a window as deep as their own pace of
    unread items says they need (members with the same need share a query), until the start of
    their oldest membership. A window is one indexed query that returns only what is unread in it,
    so the cost follows how far back each member's last `limit` unread items go, not the history.
    The unread counts kept on memberships say how many there are: someone who has read everything
    is not searched, and someone with fewer than `limit` stops once they are all found.
    """
    found: dict[int, list[Unread]] = {member: [] for member in member_ids}
    if not found or limit <= 0:
        return found
    oldest: dict[int, int] = {}  # member -> the first number of their oldest membership
    wanted: dict[int, int] = {}  # member -> how many to find: `limit`, or fewer if they have fewer unread
    for member, start, unread in session.execute(
        select(CircleMember.member_id, func.min(CircleMember.audience_from), func.sum(CircleMember.unread))
        .join(Circle, Circle.id == CircleMember.circle_id)
        .where(Circle.community_id == community_id, CircleMember.member_id.in_(list(found)))
        .group_by(CircleMember.member_id)
    ):
        wanted[member] = min(limit, int(unread or 0))  # the kept counts (bot.models.unread): a member with
        if wanted[member] > 0:  # nothing unread is not searched, one with a few stops once they are found
            oldest[member] = start
    top = int(session.scalar(select(func.max(Item.number)).where(Item.community_id == community_id)) or 0)
    window = {member: (top, FIRST_WINDOW) for member in oldest}  # member -> (high, size) of their next window
    while window:
        groups: dict[tuple[int, int], list[int]] = {}
        for member, key in window.items():
            groups.setdefault(key, []).append(member)
        window = {}
        for (high, size), members in groups.items():
            low = max(high - size, min(oldest[member] for member in members) - 1, 0)
            rows: dict[int, list[Unread]] = {}
            for member, item_id, number, created_at in session.execute(
                _unread_in(community_id, low, high, sorted(members))
            ):
                rows.setdefault(member, []).append(Unread(item_id, number, created_at))
            for member in members:
                mine = found[member]
                more = sorted(rows.get(member, ()), key=lambda row: row.number, reverse=True)
                mine += more[: limit - len(mine)]
                if len(mine) < wanted[member] and low >= oldest[member] and low > 0:
                    window[member] = (low, _next_size(top - low, len(mine), limit))
    return found


def _next_size(scanned: int, have: int, limit: int) -> int:
    """How many more numbers to read for a member who found `have` of `limit` in `scanned`: what
    their pace says, with a margin, rounded up to a step (members with the same need share a query)."""
    wanted = 2 * scanned if have == 0 else (limit - have) * scanned * 9 // (8 * have) + 1
    step = FIRST_WINDOW // 4
    return -(-wanted // step) * step


def _unread_in(community_id: int, low: int, high: int, member_ids: list[int]) -> Select[tuple[int, int, int, datetime]]:
    """(member, item id, number, created) of what the members have not acknowledged among the items
    numbered in (low, high]: the same conditions as unread_ids."""
    return (
        select(CircleMember.member_id, Item.id, Item.number, Item.created_at)
        .join(CircleMember, CircleMember.circle_id == Item.circle_id)
        .where(
            Item.community_id == community_id,
            Item.must_read.is_(True),
            Item.number > low,
            Item.number <= high,
            CircleMember.member_id.in_(member_ids),
            in_audience_window(Item.number),
            or_(Item.author_id.is_(None), Item.author_id != CircleMember.member_id),
            ~_current_ack(Item.id, CircleMember.member_id),
        )
    )


UNREAD_COUNT = select(func.coalesce(func.sum(CircleMember.unread), 0)).where(
    CircleMember.member_id == bindparam("member")
)  # built once: building and keying it at every /unread costs more than running it


def unread_count(session: Session, member: Member) -> int:
    """len(unread_ids(member)), from the counts kept on the member's membership rows (bot.models.unread)."""
    total = session.scalar(UNREAD_COUNT, {"member": member.id})
    return int(total or 0)


def unread_page(session: Session, member: Member, limit: int) -> tuple[list[Item], int]:
    """The member's `limit` newest unacknowledged items, and how many there are in all (/unread, the App Home)."""
    total = unread_count(session, member)
    return (unread_items(session, member, limit) if total else []), total


def load_items(session: Session, item_ids: Sequence[int]) -> list[Item]:
    """Items by id, in the order given."""
    if not item_ids:
        return []
    found = {item.id: item for item in session.scalars(select(Item).where(Item.id.in_(item_ids)))}
    return [found[item_id] for item_id in item_ids if item_id in found]


def unread_items(session: Session, member: Member, limit: int | None = 20) -> list[Item]:
    """The member's unacknowledged items, newest first (the newest `limit`, or all with None)."""
    if limit is None:
        return load_items(session, unread_ids(session, member))
    rows = newest_unread(session, member.community_id, [member.id], limit)[member.id]
    return load_items(session, [row.id for row in rows])


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
