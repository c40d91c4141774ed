"""Keeps the reading summary (bot.models.reading) true as things happen, in the flushes that change it,
as bot.models.unread keeps the unread counts:
* a new item to read: one more to read in its week for every member of its audience (not its author);
* `seen`: as `confirmed` (a confirmation is a sight), unless the member saw the item otherwise
  (bot.models.reading_seen keeps the rest: seen items, read receipts, new copies of items);
* an acknowledgement of an item's current version added, changed or withdrawn by a member whose
  window covers the item: one more (or less) confirmed in the member's week, and on the item
  (bot.models.acknowledged notes them and calls `confirmed` once per flush);
* an edited item: the previous version's confirmations stop counting, the new version's count;
* a membership whose window changes (a join, a late joiner's backlog, a leave, a return): the
  items that entered or left its window, counted or taken off;
* anything else (an item moved, rows written without the ORM, merged members, a new timezone):
  bot.models.reading_rebuild counts again from the items and acknowledgements.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, and_, bindparam, event, exists, func, or_, select, update
from sqlalchemy.orm import Mapper, attributes

from bot.models.base import value_before
from bot.models.community import Circle, CircleMember, Community, covers, in_audience_window
from bot.models.items import Item
from bot.models.reading import ReadingWeek, week_of, week_start
from bot.models.reads import Acknowledgement

Window = tuple[int, int | None]
Deltas = dict[
    tuple[date, int, int], tuple[int, int, int]
]  # (week, circle, member) -> (to_read, confirmed, seen) to add


def add(connection: Connection, deltas: Deltas) -> None:
    """Add to the summary rows, creating those that do not exist yet (one statement)."""
    rows = [
        {
            "week": week,
            "circle_id": circle,
            "member_id": member,
            "to_read": to_read,
            "confirmed": confirmed,
            "seen": seen,
        }
        for (week, circle, member), (to_read, confirmed, seen) in deltas.items()
        if to_read or confirmed or seen
    ]
    if not rows:
        return
    table = ReadingWeek.__table__
    if connection.dialect.name == "postgresql":  # imported here: the PostgreSQL dialect is 2 MB of an SQLite bot
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=["week", "circle_id", "member_id"],
        set_={
            "to_read": table.c.to_read + statement.excluded.to_read,
            "confirmed": table.c.confirmed + statement.excluded.confirmed,
            "seen": table.c.seen + statement.excluded.seen,
        },
    )
    connection.execute(statement, rows)


def zone_of(connection: Connection, community_id: int) -> ZoneInfo:
    return ZoneInfo(connection.scalar(select(Community.timezone).where(Community.id == community_id)) or "UTC")


def counted(item: Any = Item) -> Any:
    """The acknowledgements that count for an item: its current version, by a member of its audience
    window in its circle who is not its author (a correlated condition on `item`)."""
    return and_(
        Acknowledgement.version == item.version,
        or_(item.author_id.is_(None), item.author_id != Acknowledgement.member_id),
        exists()
        .where(
            CircleMember.circle_id == item.circle_id,
            CircleMember.member_id == Acknowledgement.member_id,
            in_audience_window(item.number),
        )
        .correlate_except(CircleMember),
    )


def recount_items(connection: Connection, item_ids: Iterable[int]) -> None:
    """Count `Item.confirmed` again for these items."""
    ids = sorted(set(item_ids))
    for start in range(0, len(ids), 500):
        count = (
            select(func.count())
            .select_from(Acknowledgement)
            .where(Acknowledgement.item_id == Item.id, counted())
            .correlate(Item)
            .scalar_subquery()
        )
        connection.execute(update(Item).where(Item.id.in_(ids[start : start + 500])).values(confirmed=count))


def _item_inserted(_mapper: Mapper[Any], connection: Connection, item: Item) -> None:
    if not item.must_read:
        return
    week = week_of(item.created_at, zone_of(connection, item.community_id))
    members = connection.scalars(
        select(CircleMember.member_id).where(CircleMember.circle_id == item.circle_id, in_audience_window(item.number))
    )
    add(connection, {(week, item.circle_id, member): (1, 0, 0) for member in members if member != item.author_id})


def _item_updated(_mapper: Mapper[Any], connection: Connection, item: Item) -> None:
    names = ("must_read", "circle_id", "number", "author_id", "created_at", "community_id")
    if any(attributes.get_history(item, name).has_changes() for name in names):
        from bot.models.reading_rebuild import rebuild  # never done by Relais: count the circles again

        rebuild(connection, circles={value_before(item, "circle_id"), item.circle_id})
        return
    old = value_before(item, "version")
    if not item.must_read or old == item.version:
        return
    week = week_of(item.created_at, zone_of(connection, item.community_id))
    from bot.models.reading_seen import signalled  # its listeners import this module

    otherwise = {member for _item, member in signalled(connection, [item.id], None)}  # seen without a confirmation
    for version, by in ((old, -1), (item.version, 1)):
        readers = select(Acknowledgement.member_id).where(
            Acknowledgement.item_id == item.id, Acknowledgement.version == version
        )
        members = connection.scalars(
            select(CircleMember.member_id).where(
                CircleMember.circle_id == item.circle_id,
                in_audience_window(item.number),
                CircleMember.member_id.in_(readers.scalar_subquery()),
            )
        )
        add(
            connection,
            {(week, item.circle_id, m): (0, by, 0 if m in otherwise else by) for m in members if m != item.author_id},
        )
    recount_items(connection, [item.id])


def confirmed(connection: Connection, counted: Sequence[Any], signalled: Collection[tuple[int, int]] = ()) -> None:
    """Acknowledgements that count (bot.models.acknowledged.Counted: item, circle, member, week, by):
    their members' weeks in one upsert, the items' counts in one update (executed for each item).
    `signalled`: the (item, member) seen otherwise, whose `seen` a confirmation does not change."""
    if not counted:
        return
    weeks: Deltas = {}
    steps: dict[int, int] = {}
    for one in counted:
        key = (one.week, one.circle_id, one.member_id)
        _, done, seen = weeks.get(key, (0, 0, 0))
        weeks[key] = (0, done + one.by, seen + (0 if (one.item_id, one.member_id) in signalled else one.by))
        steps[one.item_id] = steps.get(one.item_id, 0) + one.by
    add(connection, weeks)
    rows = [{"item": item_id, "step": step} for item_id, step in sorted(steps.items()) if step]
    if rows:
        table = Item.__table__
        connection.execute(
            update(table)
            .where(table.c.id == bindparam("item"))
            .values(confirmed=table.c.confirmed + bindparam("step")),
            rows,
        )


def count_again(connection: Connection, rows: Iterable[tuple[int, int, int]]) -> None:
    """Count again the summary of these (item, circle, member): an acknowledgement whose version was not loaded."""
    from bot.models.reading_rebuild import rebuild

    wanted = list(rows)
    for circle in {circle for _item, circle, _member in wanted}:
        members = {member for _item, c, member in wanted if c == circle}
        rebuild(connection, circles={circle}, members=members, items={item for item, c, _m in wanted if c == circle})


def minus(a: Window, b: Window) -> list[Window]:
    """The numbers of window `a` that are not in window `b`, as at most two windows."""
    if a[1] is not None and a[1] < a[0]:
        return []
    if b[1] is not None and b[1] < b[0]:
        return [a]
    found: list[Window] = []
    if a[0] < b[0]:
        top = b[0] - 1 if a[1] is None else min(a[1], b[0] - 1)
        found.append((a[0], top))
    if b[1] is not None:
        low = max(a[0], b[1] + 1)
        if a[1] is None or low <= a[1]:
            found.append((low, a[1]))
    return found


def shift_window(connection: Connection, circle_id: int, member_id: int, window: Window, by: int) -> None:
    """The circle's items numbered in `window` enter (by=1) or leave (by=-1) the member's audience."""
    start, until = window
    zone = ZoneInfo(
        connection.scalar(
            select(Community.timezone).join(Circle, Circle.community_id == Community.id).where(Circle.id == circle_id)
        )
        or "UTC"
    )
    acked = exists().where(
        Acknowledgement.item_id == Item.id,
        Acknowledgement.member_id == member_id,
        Acknowledgement.version == Item.version,
    )
    conditions = [Item.circle_id == circle_id, Item.must_read.is_(True), Item.number >= start]
    if until is not None:
        conditions.append(Item.number <= until)
    from bot.models.reading_seen import seen_otherwise  # its listeners import this module

    otherwise = seen_otherwise(Item.id, member_id)
    rows = connection.execute(
        select(Item.id, Item.created_at, acked.label("acked"), otherwise.label("otherwise")).where(
            *conditions, or_(Item.author_id.is_(None), Item.author_id != member_id)
        )
    )
    deltas: Deltas = {}
    confirmed = []
    for item_id, created_at, is_acked, is_seen in rows:
        key = (week_of(created_at, zone), circle_id, member_id)
        to_read, done, seen = deltas.get(key, (0, 0, 0))
        deltas[key] = (to_read + by, done + (by if is_acked else 0), seen + (by if is_acked or is_seen else 0))
        if is_acked:
            confirmed.append(item_id)
    add(connection, deltas)
    for first in range(0, len(confirmed), 500):
        chunk = confirmed[first : first + 500]
        connection.execute(update(Item).where(Item.id.in_(chunk)).values(confirmed=Item.confirmed + by))


def _membership_inserted(_mapper: Mapper[Any], connection: Connection, row: CircleMember) -> None:
    shift_window(connection, row.circle_id, row.member_id, (row.audience_from, row.audience_until), 1)


def _membership_updated(_mapper: Mapper[Any], connection: Connection, row: CircleMember) -> None:
    names = ("audience_from", "audience_until")
    if not any(attributes.get_history(row, name).has_changes() for name in names):
        return
    old = (value_before(row, "audience_from"), value_before(row, "audience_until"))
    new = (row.audience_from, row.audience_until)
    for window in minus(old, new):
        shift_window(connection, row.circle_id, row.member_id, window, -1)
    for window in minus(new, old):
        shift_window(connection, row.circle_id, row.member_id, window, 1)


for _target, _event, _listener in (
    (Item, "after_insert", _item_inserted),
    (Item, "after_update", _item_updated),
    (CircleMember, "after_insert", _membership_inserted),
    (CircleMember, "after_update", _membership_updated),
):
    event.listen(_target, _event, _listener)

__all__ = [
    "add",
    "confirmed",
    "count_again",
    "counted",
    "covers",
    "in_audience_window",
    "minus",
    "recount_items",
    "shift_window",
    "week_start",
]
