"""Count the reading summary (bot.models.reading) again from the items, memberships and
acknowledgements: after a bulk load, a migration, merged members, a new timezone, or `relais db
recount`. Everything, or the rows of some circles and/or members.

The items to read are counted per membership and week here (sorted numbers, bisected); the
confirmations, and the items seen without one (bot.models.reading_seen), are counted by the
database, grouped per week, circle and member (each item's week is given to it in a temporary
table, since weeks follow the community's timezone).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Date, Integer, bindparam, delete, select, text, update

from bot.models.community import CircleMember, Community
from bot.models.items import Item
from bot.models.reading import ReadingWeek, week_of
from bot.models.reading_counts import Deltas, add, recount_items
from bot.models.reads import Acknowledgement

WEEKS_TABLE = "reading_item_weeks"


def rebuild(
    connection: Connection,
    circles: Iterable[int] | None = None,
    members: Iterable[int] | None = None,
    items: Iterable[int] = (),
) -> None:
    """Count again the summary rows of `circles` and `members` (None: all), and `Item.confirmed`
    of their items (with `members`: the items those members confirmed, and `items`)."""
    circle_ids = None if circles is None else sorted(set(circles))
    member_ids = None if members is None else sorted(set(members))
    wanted = []
    if circle_ids is not None:
        wanted.append(ReadingWeek.circle_id.in_(circle_ids))
    if member_ids is not None:
        wanted.append(ReadingWeek.member_id.in_(member_ids))
    connection.execute(delete(ReadingWeek).where(*wanted))
    weeks = _item_weeks(connection, circle_ids)
    deltas = _to_read(connection, weeks, circle_ids, member_ids)
    _create_weeks_table(connection, weeks)
    for week, circle, member, count in connection.execute(_confirmed(circle_ids, member_ids)):
        key = (_day(week), circle, member)
        to_read, _, _ = deltas.get(key, (0, 0, 0))
        deltas[key] = (to_read, count, count)  # a confirmation is a sight
    for week, circle, member, count in connection.execute(_seen_otherwise(circle_ids, member_ids)):
        key = (_day(week), circle, member)
        to_read, confirmed, seen = deltas.get(key, (0, 0, 0))
        deltas[key] = (to_read, confirmed, seen + count)
    connection.execute(text(f"DROP TABLE {WEEKS_TABLE}"))
    add(connection, deltas)
    if member_ids is None:
        _count_items(connection, circle_ids)
        if circle_ids is None:  # the planner's statistics (PostgreSQL planned a scan of every week without them)
            connection.execute(text("ANALYZE reading_weeks"))
    else:
        acked = select(Acknowledgement.item_id).where(Acknowledgement.member_id.in_(member_ids))
        if circle_ids is not None:
            acked = acked.join(Item, Item.id == Acknowledgement.item_id).where(Item.circle_id.in_(circle_ids))
        recount_items(connection, [*connection.scalars(acked), *items])


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _item_weeks(connection: Connection, circle_ids: list[int] | None) -> list[tuple[int, int, int, int | None, date]]:
    """(id, circle, number, author, week) of every item to read (of these circles)."""
    statement = (
        select(Item.id, Item.circle_id, Item.number, Item.author_id, Item.created_at, Community.timezone)
        .join(Community, Community.id == Item.community_id)
        .where(Item.must_read.is_(True))
    )
    if circle_ids is not None:
        statement = statement.where(Item.circle_id.in_(circle_ids))
    zones: dict[str, ZoneInfo] = {}
    found = []
    for item_id, circle, number, author, created_at, zone in connection.execute(statement):
        tz = zones.get(zone) or zones.setdefault(zone, ZoneInfo(zone))
        found.append((item_id, circle, number, author, week_of(created_at, tz)))
    return found


def _between(numbers: list[int], start: int, until: int | None) -> int:
    end = len(numbers) if until is None else bisect_right(numbers, until)
    return max(end - bisect_left(numbers, start), 0)


def _to_read(
    connection: Connection,
    weeks: list[tuple[int, int, int, int | None, date]],
    circle_ids: list[int] | None,
    member_ids: list[int] | None,
) -> Deltas:
    """(week, circle, member) -> (items to read, 0, 0), from each membership's window."""
    numbers: dict[int, dict[date, list[int]]] = {}
    own: dict[tuple[int, int], dict[date, list[int]]] = {}
    for _, circle, number, author, week in weeks:
        numbers.setdefault(circle, {}).setdefault(week, []).append(number)
        if author is not None:
            own.setdefault((circle, author), {}).setdefault(week, []).append(number)
    for per_week in (*numbers.values(), *own.values()):
        for listed in per_week.values():
            listed.sort()
    statement = select(
        CircleMember.circle_id, CircleMember.member_id, CircleMember.audience_from, CircleMember.audience_until
    )
    if circle_ids is not None:
        statement = statement.where(CircleMember.circle_id.in_(circle_ids))
    if member_ids is not None:
        statement = statement.where(CircleMember.member_id.in_(member_ids))
    deltas: Deltas = {}
    for circle, member, start, until in connection.execute(statement):
        mine = own.get((circle, member), {})
        for week, listed in numbers.get(circle, {}).items():
            count = _between(listed, start, until) - _between(mine.get(week, []), start, until)
            if count:
                deltas[week, circle, member] = (count, 0, 0)
    return deltas


def _create_weeks_table(connection: Connection, weeks: list[tuple[int, int, int, int | None, date]]) -> None:
    connection.execute(text(f"DROP TABLE IF EXISTS {WEEKS_TABLE}"))
    connection.execute(text(f"CREATE TEMPORARY TABLE {WEEKS_TABLE} (item_id INTEGER PRIMARY KEY, week DATE NOT NULL)"))
    statement = text(f"INSERT INTO {WEEKS_TABLE} (item_id, week) VALUES (:i, :w)").bindparams(
        bindparam("i", type_=Integer()), bindparam("w", type_=Date())
    )
    rows = [{"i": item_id, "w": week} for item_id, _, _, _, week in weeks]
    for start in range(0, len(rows), 50_000):
        connection.execute(statement, rows[start : start + 50_000])


def _filters(circle_ids: list[int] | None, member_ids: list[int] | None, reader: str = "a") -> str:
    found = ""
    if circle_ids is not None:
        found += f" AND i.circle_id IN ({', '.join(str(int(c)) for c in circle_ids) or 'NULL'})"
    if member_ids is not None:
        found += f" AND {reader}.member_id IN ({', '.join(str(int(m)) for m in member_ids) or 'NULL'})"
    return found


def _confirmed(circle_ids: list[int] | None, member_ids: list[int] | None) -> Any:
    """(week, circle, member, confirmations that count), grouped by the database."""
    # SQLite: CROSS JOIN keeps this order (each item's acknowledgements read together, in key order)
    return text(
        f"SELECT w.week, i.circle_id, a.member_id, count(*) FROM {WEEKS_TABLE} w CROSS JOIN items i "
        "CROSS JOIN acknowledgements a CROSS JOIN circle_members cm "
        "WHERE i.id = w.item_id AND a.item_id = i.id AND a.version = i.version "
        "AND cm.circle_id = i.circle_id AND cm.member_id = a.member_id "
        "AND cm.audience_from <= i.number AND (cm.audience_until IS NULL OR cm.audience_until >= i.number) "
        "AND (i.author_id IS NULL OR i.author_id <> a.member_id)"
        f"{_filters(circle_ids, member_ids)} GROUP BY w.week, i.circle_id, a.member_id"
    )


def _seen_otherwise(circle_ids: list[int] | None, member_ids: list[int] | None) -> Any:
    """(week, circle, member, items seen without a confirmation of their current version): marked
    seen or passed by a watermark in a channel holding a copy (each item once), grouped by the database."""
    return text(
        "SELECT w.week, i.circle_id, s.member_id, count(*) FROM ("
        "SELECT item_id, member_id FROM seen_items UNION SELECT r.item_id, m.member_id FROM message_refs r "
        "JOIN seen_marks m ON m.channel = r.channel AND m.upto >= r.posted_at) s "
        f"JOIN {WEEKS_TABLE} w ON w.item_id = s.item_id JOIN items i ON i.id = s.item_id "
        "JOIN circle_members cm ON cm.circle_id = i.circle_id AND cm.member_id = s.member_id "
        "WHERE cm.audience_from <= i.number AND (cm.audience_until IS NULL OR cm.audience_until >= i.number) "
        "AND (i.author_id IS NULL OR i.author_id <> s.member_id) AND NOT EXISTS (SELECT 1 FROM acknowledgements a "
        "WHERE a.item_id = i.id AND a.member_id = s.member_id AND a.version = i.version)"
        f"{_filters(circle_ids, member_ids, 's')} GROUP BY w.week, i.circle_id, s.member_id"
    )


def _count_items(connection: Connection, circle_ids: list[int] | None) -> None:
    """Item.confirmed of every item (of these circles), from one grouped query."""
    circles = _filters(circle_ids, None)
    statement = text(
        "SELECT i.id, count(*) FROM items i CROSS JOIN acknowledgements a CROSS JOIN circle_members cm "
        "WHERE a.item_id = i.id AND a.version = i.version AND i.must_read = :yes "
        "AND cm.circle_id = i.circle_id AND cm.member_id = a.member_id "
        "AND cm.audience_from <= i.number AND (cm.audience_until IS NULL OR cm.audience_until >= i.number) "
        f"AND (i.author_id IS NULL OR i.author_id <> a.member_id){circles} GROUP BY i.id"
    ).bindparams(yes=True)
    reset = update(Item).where(Item.confirmed != 0)
    if circle_ids is not None:
        reset = reset.where(Item.circle_id.in_(circle_ids))
    counts = [{"i": item_id, "n": count} for item_id, count in connection.execute(statement)]
    connection.execute(reset.values(confirmed=0))
    table = Item.__table__
    statement_update = update(table).where(table.c.id == bindparam("i")).values(confirmed=bindparam("n"))
    for start in range(0, len(counts), 50_000):
        connection.execute(statement_update, counts[start : start + 50_000])
