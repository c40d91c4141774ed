"""Keeps `ReadingWeek.seen` (bot.models.reading) true as the signals that a member saw an item come
and go, in the flushes that write them; confirmations are counted with bot.models.acknowledged and
bot.models.reading_counts (a confirmation is a sight):
* an item marked seen (SeenItem, "Read in full") added or removed;
* a read receipt's watermark (SeenMark) written, moved or removed: the copies (MessageRef) of its
  channel between the old and the new watermark;
* a copy of an item written (or moved) where a watermark has already passed it.

The (week, circle, member) rows such a change touches are counted again from the items of that
week, each item once whatever its copies, as reads.who_read says: seen is a confirmation of the
current version, an item marked seen, or a watermark at or after one of its copies; of the items in
the member's audience window, their own left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Connection, and_, event, exists, inspect, or_, select, union_all
from sqlalchemy.orm import Mapper, attributes

from bot.models.base import value_before
from bot.models.community import CircleMember, Community, in_audience_window
from bot.models.delivery import MessageRef
from bot.models.items import Item
from bot.models.reading import ReadingWeek, week_of, week_start
from bot.models.reads import Acknowledgement, SeenItem, SeenMark

CHUNK = 500  # ids in one IN list
Pair = tuple[int, int]  # (item, member)
Wanted = dict[int, dict[int, set[date]]]  # circle -> member -> weeks


def seen_otherwise(item_id: Any, member_id: Any) -> ColumnElement[bool]:
    """Whether a signal other than a confirmation says the member saw the item (correlated on the
    columns or values given): marked seen, or a watermark at or after one of its copies."""
    return or_(
        exists().where(SeenItem.item_id == item_id, SeenItem.member_id == member_id),
        exists().where(
            MessageRef.item_id == item_id,
            SeenMark.member_id == member_id,
            SeenMark.channel == MessageRef.channel,
            SeenMark.upto >= MessageRef.posted_at,
        ),
    )


def signalled(connection: Connection, item_ids: Iterable[int], member_ids: Iterable[int] | None) -> set[Pair]:
    """The (item, member) of these items (and members) that a signal other than a confirmation says seen."""
    found: set[Pair] = set()
    members = None if member_ids is None else sorted(set(member_ids))
    ordered = sorted(set(item_ids))
    for start in range(0, len(ordered), CHUNK):
        chunk = ordered[start : start + CHUNK]
        marked = select(SeenItem.item_id, SeenItem.member_id).where(SeenItem.item_id.in_(chunk))
        passed = (
            select(MessageRef.item_id, SeenMark.member_id)
            .join(SeenMark, and_(SeenMark.channel == MessageRef.channel, SeenMark.upto >= MessageRef.posted_at))
            .where(MessageRef.item_id.in_(chunk))
        )
        if members is not None:
            marked = marked.where(SeenItem.member_id.in_(members))
            passed = passed.where(SeenMark.member_id.in_(members))
        found.update((item, member) for item, member in connection.execute(union_all(marked, passed)))
    return found


def recount(connection: Connection, pairs: Iterable[Pair]) -> None:
    """Count `seen` again in the (week, circle, member) rows of these (item, member)."""
    wanted: Wanted = {}
    zones: dict[int, ZoneInfo] = {}
    pairs = set(pairs)
    ordered = sorted({item for item, _member in pairs})
    rows: dict[int, Any] = {}
    for start in range(0, len(ordered), CHUNK):
        statement = (
            select(Item.id, Item.circle_id, Item.created_at, Item.must_read, Community.timezone)
            .join(Community, Community.id == Item.community_id)
            .where(Item.id.in_(ordered[start : start + CHUNK]))
        )
        rows.update((row.id, row) for row in connection.execute(statement))
    for item_id, member in pairs:
        row = rows.get(item_id)
        if row is None or not row.must_read:
            continue
        tz = zones.setdefault(row.circle_id, ZoneInfo(row.timezone or "UTC"))
        wanted.setdefault(row.circle_id, {}).setdefault(member, set()).add(week_of(row.created_at, tz))
    _members_only(connection, wanted)
    _recount(connection, wanted, zones)


def _recount(connection: Connection, wanted: Wanted, zones: dict[int, ZoneInfo]) -> None:
    """Count `seen` again in these rows: circle -> member -> weeks (`zones`: each circle's timezone)."""
    values: dict[tuple[date, int, int], int] = {}
    for circle, members in wanted.items():
        values.update(_count(connection, circle, members, zones[circle]))
    _set(connection, values)


def _members_only(connection: Connection, wanted: Wanted) -> None:
    """Leave out of `wanted` the circles the members are not in (nothing of theirs to read there)."""
    members = sorted({member for per_circle in wanted.values() for member in per_circle})
    found: set[tuple[int, int]] = set()
    for start in range(0, len(members), CHUNK):
        statement = select(CircleMember.circle_id, CircleMember.member_id).where(
            CircleMember.member_id.in_(members[start : start + CHUNK]), CircleMember.circle_id.in_(sorted(wanted))
        )
        found.update((circle, member) for circle, member in connection.execute(statement))
    for circle in list(wanted):
        kept = {member: weeks for member, weeks in wanted[circle].items() if (circle, member) in found}
        if kept:
            wanted[circle] = kept
        else:
            del wanted[circle]


def _count(
    connection: Connection, circle: int, members: dict[int, set[date]], tz: ZoneInfo
) -> dict[tuple[date, int, int], int]:
    weeks = set().union(*members.values())
    low, high = week_start(min(weeks), tz), week_start(max(weeks) + timedelta(weeks=1), tz)
    member = CircleMember.member_id
    confirmed = exists().where(
        Acknowledgement.item_id == Item.id, Acknowledgement.member_id == member, Acknowledgement.version == Item.version
    )
    statement = (
        select(member, Item.created_at)
        .join(CircleMember, and_(CircleMember.circle_id == Item.circle_id, member.in_(sorted(members))))
        .where(
            Item.circle_id == circle,
            Item.must_read.is_(True),
            Item.created_at >= low,
            Item.created_at < high,
            in_audience_window(Item.number),
            or_(Item.author_id.is_(None), Item.author_id != member),
            or_(confirmed, seen_otherwise(Item.id, member)),
        )
    )
    counts = {(week, circle, who): 0 for who, weeks_of in members.items() for week in weeks_of}
    for who, created_at in connection.execute(statement):
        key = (week_of(created_at, tz), circle, who)
        if key in counts:
            counts[key] += 1
    return counts


def _set(connection: Connection, values: dict[tuple[date, int, int], int]) -> None:
    """Write these `seen` counts, creating the rows that do not exist yet (one statement)."""
    rows = [
        {"week": week, "circle_id": circle, "member_id": member, "to_read": 0, "confirmed": 0, "seen": seen}
        for (week, circle, member), seen in values.items()
    ]
    if not rows:
        return
    if connection.dialect.name == "postgresql":  # imported here: the PostgreSQL dialect is 2 MB of an SQLite bot
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(ReadingWeek.__table__)
    statement = statement.on_conflict_do_update(
        index_elements=["week", "circle_id", "member_id"], set_={"seen": statement.excluded.seen}
    )
    connection.execute(statement, rows)


def _passed(connection: Connection, channel: str, member: int, low: Any, high: Any) -> None:
    """Count `seen` again in the member's weeks that hold the channel's copies posted in [low, high]
    (None: no bound) of the items to read in their audience windows (the others count nothing)."""
    statement = (
        select(Item.circle_id, Item.created_at, Community.timezone)
        .join(MessageRef, MessageRef.item_id == Item.id)
        .join(Community, Community.id == Item.community_id)
        .join(CircleMember, and_(CircleMember.circle_id == Item.circle_id, CircleMember.member_id == member))
        .where(MessageRef.channel == channel, Item.must_read.is_(True), in_audience_window(Item.number))
    )
    if low is not None:
        statement = statement.where(MessageRef.posted_at >= low)
    if high is not None:
        statement = statement.where(MessageRef.posted_at <= high)
    wanted: Wanted = {}
    zones: dict[int, ZoneInfo] = {}
    for circle, created_at, timezone in connection.execute(statement):
        tz = zones.get(circle) or zones.setdefault(circle, ZoneInfo(timezone or "UTC"))
        wanted.setdefault(circle, {}).setdefault(member, set()).add(week_of(created_at, tz))
    _recount(connection, wanted, zones)


def _readers(connection: Connection, item: int, channel: str, posted_at: datetime) -> set[Pair]:
    """(item, member) of the members whose watermark in the channel passed a copy posted then."""
    statement = select(SeenMark.member_id).where(SeenMark.channel == channel, SeenMark.upto >= posted_at)
    return {(item, member) for member in connection.scalars(statement)}


def _loaded(target: Any, name: str) -> Any:
    value = inspect(target).attrs[name].loaded_value
    return None if value is attributes.NO_VALUE else value


def _seen_item(_mapper: Mapper[Any], connection: Connection, row: SeenItem) -> None:
    recount(connection, {(row.item_id, row.member_id), (value_before(row, "item_id"), value_before(row, "member_id"))})


def _mark_written(_mapper: Mapper[Any], connection: Connection, row: SeenMark) -> None:
    _passed(connection, row.channel, row.member_id, None, row.upto)


def _mark_moved(_mapper: Mapper[Any], connection: Connection, row: SeenMark) -> None:
    old = (value_before(row, "member_id"), value_before(row, "channel"), value_before(row, "upto"))
    if old == (row.member_id, row.channel, row.upto):
        return
    if old[:2] == (row.member_id, row.channel):  # the watermark moved: the copies between the two
        low, high = sorted((old[2], row.upto))
        _passed(connection, row.channel, row.member_id, low, high)
        return
    _passed(connection, old[1], old[0], None, old[2])
    _passed(connection, row.channel, row.member_id, None, row.upto)


def _mark_deleted(_mapper: Mapper[Any], connection: Connection, row: SeenMark) -> None:
    _passed(connection, row.channel, row.member_id, None, _loaded(row, "upto"))


def _copy_written(_mapper: Mapper[Any], connection: Connection, row: MessageRef) -> None:
    recount(connection, _readers(connection, row.item_id, row.channel, row.posted_at))


def _copy_moved(_mapper: Mapper[Any], connection: Connection, row: MessageRef) -> None:
    names = ("item_id", "channel", "posted_at")
    if any(attributes.get_history(row, name).has_changes() for name in names):
        before = _readers(connection, *(value_before(row, name) for name in names))
        recount(connection, before | _readers(connection, row.item_id, row.channel, row.posted_at))


def _copy_deleted(_mapper: Mapper[Any], connection: Connection, row: MessageRef) -> None:
    posted_at = _loaded(row, "posted_at")
    statement = select(SeenMark.member_id).where(SeenMark.channel == row.channel)
    if posted_at is not None:
        statement = statement.where(SeenMark.upto >= posted_at)
    recount(connection, {(row.item_id, member) for member in connection.scalars(statement)})


for _target, _event, _listener in (
    (SeenItem, "after_insert", _seen_item),
    (SeenItem, "after_update", _seen_item),
    (SeenItem, "after_delete", _seen_item),
    (SeenMark, "after_insert", _mark_written),
    (SeenMark, "after_update", _mark_moved),
    (SeenMark, "after_delete", _mark_deleted),
    (MessageRef, "after_insert", _copy_written),
    (MessageRef, "after_update", _copy_moved),
    (MessageRef, "after_delete", _copy_deleted),
):
    event.listen(_target, _event, _listener)

__all__ = ["recount", "seen_otherwise", "signalled"]
