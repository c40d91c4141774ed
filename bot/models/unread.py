"""How many items each member has left to read, kept on their membership rows (`CircleMember.unread`).

/unread and the App Home say how many items a member has not confirmed reading; counting them is
linear in the history, so the count is kept up to date as things happen instead, by the flushes
that change it — whichever service writes them:
* a new item to read: one more for every member in its audience (not its author);
* an edited item: one more for whoever had confirmed the previous version;
* an acknowledgement of the current version added, changed or withdrawn: one less, or one more;
* a membership that starts, or starts again: counted over its window (a recent one: a late
  joiner's backlog); one that ends: what came after its window is no longer the member's.

Writes that bypass the ORM (bulk loads, a migration) must count for themselves: `recount()` for a
few rows, `recount_all()` for a whole database.
The sum of a member's rows is len(unread_ids) (tests/schedules/test_set_based.py checks it).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    bindparam,
    event,
    exists,
    func,
    inspect,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.orm import Mapper, attributes

from bot.models.community import CircleMember
from bot.models.items import Item
from bot.models.reads import Acknowledgement


def _in_window(number: Any) -> ColumnElement[bool]:
    return and_(
        CircleMember.audience_from <= number,
        or_(CircleMember.audience_until.is_(None), CircleMember.audience_until >= number),
    )


def _unread(member: Any, low: Any = None, high: Any = None) -> Any:
    """How many items of the membership row being updated `member` has not confirmed, as a correlated
    subquery: those of its window, or with (low, high] those numbered so from its start on."""
    conditions = [
        Item.circle_id == CircleMember.circle_id,
        Item.must_read.is_(True),
        _in_window(Item.number) if low is None else CircleMember.audience_from <= Item.number,
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
            _in_window(Item.number),
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
    conditions = [CircleMember.circle_id == circle_id, _in_window(number)]
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


def _before(target: Any, name: str) -> Any:
    """The value an attribute had before this flush (the current one if it did not change)."""
    history = attributes.get_history(target, name)
    return history.deleted[0] if history.deleted else getattr(target, name)


def _item_inserted(_mapper: Mapper[Any], connection: Connection, item: Item) -> None:
    if item.must_read:
        _shift(connection, item.circle_id, item.number, item.author_id, 1)


def _item_updated(_mapper: Mapper[Any], connection: Connection, item: Item) -> None:
    moved = any(attributes.get_history(item, name).has_changes() for name in ("must_read", "circle_id", "number"))
    if moved or attributes.get_history(item, "author_id").has_changes():
        for circle_id in {_before(item, "circle_id"), item.circle_id}:  # never done by Relais: count again
            recount(connection, CircleMember.circle_id == circle_id)
        return
    old = _before(item, "version")
    if not item.must_read or old == item.version:
        return
    for version, by in ((old, 1), (item.version, -1)):  # the previous version's readers have it to read again
        readers = select(Acknowledgement.member_id).where(
            Acknowledgement.item_id == item.id, Acknowledgement.version == version
        )
        _shift(connection, item.circle_id, item.number, item.author_id, by, readers.scalar_subquery())


def _item_of(connection: Connection, item_id: int) -> Any:
    return connection.execute(
        select(Item.circle_id, Item.number, Item.author_id, Item.version, Item.must_read).where(Item.id == item_id)
    ).one_or_none()


def _acknowledged(connection: Connection, item_id: int, member_id: int, was: Any, now: Any) -> None:
    """An acknowledgement went from version `was` to `now` (None: there was none, or there is none left)."""
    item = _item_of(connection, item_id)
    if item is None or not item.must_read:
        return
    by = int(was == item.version) - int(now == item.version)
    _shift(connection, item.circle_id, item.number, item.author_id, by, member_id)


def _ack_inserted(_mapper: Mapper[Any], connection: Connection, ack: Acknowledgement) -> None:
    _acknowledged(connection, ack.item_id, ack.member_id, None, ack.version)


def _ack_updated(_mapper: Mapper[Any], connection: Connection, ack: Acknowledgement) -> None:
    if attributes.get_history(ack, "version").has_changes():
        _acknowledged(connection, ack.item_id, ack.member_id, _before(ack, "version"), ack.version)


def _ack_deleted(_mapper: Mapper[Any], connection: Connection, ack: Acknowledgement) -> None:
    version = inspect(ack).attrs.version.loaded_value
    if version is attributes.NO_VALUE:  # not loaded: count the member's row again
        item = _item_of(connection, ack.item_id)
        if item is not None:
            recount(connection, CircleMember.circle_id == item.circle_id, CircleMember.member_id == ack.member_id)
        return
    _acknowledged(connection, ack.item_id, ack.member_id, version, None)


def _membership_inserted(_mapper: Mapper[Any], connection: Connection, row: CircleMember) -> None:
    recount(connection, CircleMember.circle_id == row.circle_id, CircleMember.member_id == row.member_id)


def _membership_updated(_mapper: Mapper[Any], connection: Connection, row: CircleMember) -> None:
    start = attributes.get_history(row, "audience_from")
    until = attributes.get_history(row, "audience_until")
    if not (start.has_changes() or until.has_changes()):
        return
    this = (CircleMember.circle_id == row.circle_id, CircleMember.member_id == row.member_id)
    ended = _before(row, "audience_until")
    if not start.has_changes() and row.audience_until is not None and (ended is None or ended > row.audience_until):
        # leaving: the items after the window (usually none yet) are no longer theirs to read
        gone = _unread(row.member_id, low=row.audience_until, high=ended)
        connection.execute(update(CircleMember).where(*this).values(unread=CircleMember.unread - gone))
        return
    recount(connection, *this)


for _target, _event, _listener in (
    (Item, "after_insert", _item_inserted),
    (Item, "after_update", _item_updated),
    (Acknowledgement, "after_insert", _ack_inserted),
    (Acknowledgement, "after_update", _ack_updated),
    (Acknowledgement, "after_delete", _ack_deleted),
    (CircleMember, "after_insert", _membership_inserted),
    (CircleMember, "after_update", _membership_updated),
):
    event.listen(_target, _event, _listener)
