"""How many items each member has left to read, kept on their membership rows (`CircleMember.unread`).

/unread and the App Home say how many items a member has not confirmed reading; counting them is
linear in the history, so the count is kept up to date as things happen instead, by the flushes
that change it — whichever service writes them:
* a new item to read: one more for every member in its audience (not its author);
* an edited item: one more for whoever had confirmed the previous version;
* an acknowledgement of the current version added, changed or withdrawn: one less, or one more
  (counted once per flush for all of them: bot.models.acknowledged, `confirmed`);
* a membership that starts, or starts again: counted over its window (a recent one: a late
  joiner's backlog); one that ends: what came after its window is no longer the member's.

Writes that bypass the ORM (bulk loads, a migration) must count for themselves: `recount()` for a
few rows, `recount_all()` for a whole database.
The sum of a member's rows is len(unread_ids) (tests/schedules/test_set_based.py checks it).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    bindparam,
    event,
    exists,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.orm import Mapper, attributes

from bot.models.base import value_before
from bot.models.community import CircleMember, in_audience_window
from bot.models.items import Item
from bot.models.reads import Acknowledgement


def _unread(member: Any, low: Any = None, high: Any = None) -> Any:
    """How many items of the membership row being updated `member` has not confirmed, as a correlated
    subquery: those of its window, or with (low, high] those numbered so from its start on."""
    conditions = [
        Item.circle_id == CircleMember.circle_id,
        Item.must_read.is_(True),
        in_audience_window(Item.number) if low is None else CircleMember.audience_from <= Item.number,
        or_(Item.author_id.is_(None), Item.author_id != member),
        ~exists()
        .where(
            Acknowledgement.item_id == Item.id,
            Acknowledgement.member_id == member,
            Acknowledgement.version == Item.version,
        )
        .correlate_except(Acknowledgement),  # the item and the membership row are the enclosing ones
    ]
    if low is not None:
        conditions.append(Item.number > low)
    if high is not None:
        conditions.append(Item.number <= high)
    return select(func.count()).select_from(Item).where(*conditions).correlate_except(Item).scalar_subquery()


def recount(connection: Connection, *conditions: ColumnElement[bool]) -> None:
    """Count again, from the items and acknowledgements, the membership rows matching `conditions`."""
    connection.execute(update(CircleMember).where(*conditions).values(unread=_unread(CircleMember.member_id)))


def recount_all(connection: Connection) -> None:
    """Count every membership row again, for a whole database at once (after a bulk load): its
    items to read from the numbers of each circle, less its current acknowledgements, counted by
    one grouped query — not a count per row, which is slow on a long history."""
    numbers: dict[int, list[int]] = {}
    own: dict[tuple[int, int], list[int]] = {}
    for circle_id, number, author_id in connection.execute(
        select(Item.circle_id, Item.number, Item.author_id).where(Item.must_read.is_(True))
    ):
        numbers.setdefault(circle_id, []).append(number)
        if author_id is not None:
            own.setdefault((circle_id, author_id), []).append(number)
    for listed in (*numbers.values(), *own.values()):
        listed.sort()
    read = {
        (circle_id, member_id): count for circle_id, member_id, count in connection.execute(_read_counts(connection))
    }
    counts = []
    for circle_id, member_id, start, until in connection.execute(
        select(CircleMember.circle_id, CircleMember.member_id, CircleMember.audience_from, CircleMember.audience_until)
    ):
        to_read = _between(numbers.get(circle_id, []), start, until) - _between(
            own.get((circle_id, member_id), []), start, until
        )
        counts.append({"c": circle_id, "m": member_id, "n": to_read - read.get((circle_id, member_id), 0)})
    if counts:
        table = CircleMember.__table__
        connection.execute(
            update(table)
            .where(table.c.circle_id == bindparam("c"), table.c.member_id == bindparam("m"))
            .values(unread=bindparam("n")),
            counts,
        )


# SQLite: CROSS JOIN keeps this order (each item's acknowledgements read together, in key order);
# left to itself it probes the acknowledgements once per membership and item (hours on a 10x history).
_READ_COUNTS_SQLITE = """
SELECT cm.circle_id, cm.member_id, count(*)
FROM items i CROSS JOIN acknowledgements a CROSS JOIN circle_members cm
WHERE a.item_id = i.id AND a.version = i.version AND cm.circle_id = i.circle_id AND cm.member_id = a.member_id
  AND i.must_read = 1 AND cm.audience_from <= i.number AND (cm.audience_until IS NULL OR cm.audience_until >= i.number)
  AND (i.author_id IS NULL OR i.author_id <> a.member_id)
GROUP BY cm.circle_id, cm.member_id
"""


def _read_counts(connection: Connection) -> Any:
    """Current acknowledgements in each membership's window, counted per (circle, member)."""
    if connection.dialect.name == "sqlite":
        return text(_READ_COUNTS_SQLITE)
    return (
        select(CircleMember.circle_id, CircleMember.member_id, func.count())
        .select_from(Acknowledgement)
        .join(Item, and_(Item.id == Acknowledgement.item_id, Acknowledgement.version == Item.version))
        .join(
            CircleMember,
            and_(CircleMember.circle_id == Item.circle_id, CircleMember.member_id == Acknowledgement.member_id),
        )
        .where(
            Item.must_read.is_(True),
            in_audience_window(Item.number),
            or_(Item.author_id.is_(None), Item.author_id != Acknowledgement.member_id),
        )
        .group_by(CircleMember.circle_id, CircleMember.member_id)
    )


def _between(numbers: list[int], start: int, until: int | None) -> int:
    """How many of the sorted `numbers` are in [start, until] (no end: None)."""
    end = len(numbers) if until is None else bisect_right(numbers, until)
    return max(end - bisect_left(numbers, start), 0)


def _shift(
    connection: Connection, circle_id: int, number: int, author_id: int | None, by: int, members: Any = None
) -> None:
    """`by` more to read for the members (an id, a subquery of ids, None: everyone) whose membership
    covers item `number` of the circle, its author excepted."""
    if not by:
        return
    conditions = [CircleMember.circle_id == circle_id, in_audience_window(number)]
    if isinstance(members, int):
        if members == author_id:
            return
        conditions.append(CircleMember.member_id == members)
    else:
        if members is not None:
            conditions.append(CircleMember.member_id.in_(members))
        if author_id is not None:
            conditions.append(CircleMember.member_id != author_id)
    connection.execute(update(CircleMember).where(*conditions).values(unread=CircleMember.unread + by))


def _item_inserted(_mapper: Mapper[Any], connection: Connection, item: Item) -> None:
    if item.must_read:
        _shift(connection, item.circle_id, item.number, item.author_id, 1)


def _item_updated(_mapper: Mapper[Any], connection: Connection, item: Item) -> None:
    moved = any(attributes.get_history(item, name).has_changes() for name in ("must_read", "circle_id", "number"))
    if moved or attributes.get_history(item, "author_id").has_changes():
        for circle_id in {value_before(item, "circle_id"), item.circle_id}:  # never done by Relais: count again
            recount(connection, CircleMember.circle_id == circle_id)
        return
    old = value_before(item, "version")
    if not item.must_read or old == item.version:
        return
    for version, by in ((old, 1), (item.version, -1)):  # the previous version's readers have it to read again
        readers = select(Acknowledgement.member_id).where(
            Acknowledgement.item_id == item.id, Acknowledgement.version == version
        )
        _shift(connection, item.circle_id, item.number, item.author_id, by, readers.scalar_subquery())


def confirmed(connection: Connection, steps: Iterable[tuple[int, int, int]]) -> None:
    """(circle, member, by): `by` more confirmed (fewer to read) on these memberships, in one statement
    (bot.models.acknowledged counts a flush's acknowledgements and calls it once)."""
    sums: dict[tuple[int, int], int] = {}
    for circle_id, member_id, by in steps:
        sums[(circle_id, member_id)] = sums.get((circle_id, member_id), 0) + by
    rows = [{"c": circle, "m": member, "n": -by} for (circle, member), by in sorted(sums.items()) if by]
    if rows:
        table = CircleMember.__table__
        connection.execute(
            update(table)
            .where(table.c.circle_id == bindparam("c"), table.c.member_id == bindparam("m"))
            .values(unread=table.c.unread + bindparam("n")),
            rows,
        )


def count_again(connection: Connection, memberships: Iterable[tuple[int, int]]) -> None:
    """Count these (circle, member) rows again (an acknowledgement whose version was not loaded)."""
    for circle_id, member_id in sorted(set(memberships)):
        recount(connection, CircleMember.circle_id == circle_id, CircleMember.member_id == member_id)


def _membership_inserted(_mapper: Mapper[Any], connection: Connection, row: CircleMember) -> None:
    recount(connection, CircleMember.circle_id == row.circle_id, CircleMember.member_id == row.member_id)


def _membership_updated(_mapper: Mapper[Any], connection: Connection, row: CircleMember) -> None:
    start = attributes.get_history(row, "audience_from")
    until = attributes.get_history(row, "audience_until")
    if not (start.has_changes() or until.has_changes()):
        return
    this = (CircleMember.circle_id == row.circle_id, CircleMember.member_id == row.member_id)
    ended = value_before(row, "audience_until")
    if not start.has_changes() and row.audience_until is not None and (ended is None or ended > row.audience_until):
        # leaving: the items after the window (usually none yet) are no longer theirs to read
        gone = _unread(row.member_id, low=row.audience_until, high=ended)
        connection.execute(update(CircleMember).where(*this).values(unread=CircleMember.unread - gone))
        return
    recount(connection, *this)


for _target, _event, _listener in (
    (Item, "after_insert", _item_inserted),
    (Item, "after_update", _item_updated),
    (CircleMember, "after_insert", _membership_inserted),
    (CircleMember, "after_update", _membership_updated),
):
    event.listen(_target, _event, _listener)
