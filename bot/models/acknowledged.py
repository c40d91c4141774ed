"""Acknowledgements given, changed or withdrawn, counted once per flush in what is kept as things
happen: the unread counts on memberships (bot.models.unread) and the reading summary
(bot.models.reading_counts: the member's week and the item's count; its `seen` too, unless another
signal says the member saw the item: bot.models.reading_seen).

A change counts when the item is to read, the member is not its author, their membership window in
the item's circle covers its number, and the version it went from or to is the item's current one:
one more confirmed (one less unread) when it now matches, one less when it no longer does.

Each acknowledgement written in a flush is noted (its item, member, version before and after) as
its row is written; the flush's changes are then counted together, with a bounded number of
statements whatever their number: the items and the memberships they touch read in two queries,
one upsert of the members' weeks, one update of the items' counts, one of the memberships' counts
(each executed for many rows). They are counted before any other row of the flush is written (an item or
a membership, whose own listeners read the acknowledgements) and at the end of the flush, so each is
counted against the items and memberships as they were when its row was written, as a listener per
row did.

An acknowledgement deleted without its version loaded, or replaced in the same flush by a new one of
an unknown version, has its member's rows counted again (bot.models.reading_rebuild, unread.recount).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, bindparam, event, inspect, select
from sqlalchemy.orm import Mapper, Session, attributes, object_session

from bot.models import reading_counts, reading_seen, unread
from bot.models.base import Base
from bot.models.community import CircleMember, Community, covers
from bot.models.items import Item
from bot.models.reading import week_of
from bot.models.reads import Acknowledgement

PENDING = "relais_acknowledged"  # Session.info: the changes written and not counted yet
REPLACED = "relais_replaced_acks"  # Session.info: (item, member) -> version of one deleted and added again
UNKNOWN = object()  # a version that was not loaded
CHUNK = 500  # ids in one IN list


@dataclass(frozen=True)
class Change:
    """An acknowledgement went from version `was` to `now` (None: there was none / there is none left)."""

    item_id: int
    member_id: int
    was: Any
    now: Any


@dataclass(frozen=True)
class Counted:
    """A change that counts: `by` more confirmed (1 or -1) by `member_id` on the item."""

    item_id: int
    circle_id: int
    member_id: int
    week: Any
    by: int


def count(connection: Connection, changes: Sequence[Change]) -> None:
    """Count these changes in the unread counts and the reading summary."""
    if not changes:
        return
    items = _items(connection, {change.item_id for change in changes})
    windows = _windows(connection, {(items[c.item_id].circle_id, c.member_id) for c in changes if c.item_id in items})
    counted: list[Counted] = []
    unknown: list[tuple[int, int, int]] = []  # (item, circle, member) to count again
    zones: dict[str, ZoneInfo] = {}
    for change in changes:
        item = items.get(change.item_id)
        if item is None:
            continue
        if change.was is UNKNOWN or change.now is UNKNOWN:
            unknown.append((change.item_id, item.circle_id, change.member_id))
            continue
        window = windows.get((item.circle_id, change.member_id))
        if not item.must_read or item.author_id == change.member_id or window is None:
            continue
        if not covers(window, item.number):
            continue
        by = int(change.now == item.version) - int(change.was == item.version)
        if by:
            zone = zones.setdefault(item.timezone or "UTC", ZoneInfo(item.timezone or "UTC"))
            week = week_of(item.created_at, zone)
            counted.append(Counted(change.item_id, item.circle_id, change.member_id, week, by))
    seen = (
        reading_seen.signalled(connection, {c.item_id for c in counted}, {c.member_id for c in counted})
        if counted
        else set()
    )
    reading_counts.confirmed(connection, counted, seen)
    unread.confirmed(connection, [(one.circle_id, one.member_id, one.by) for one in counted])
    if unknown:  # counted again from the history, after the steps above
        reading_counts.count_again(connection, unknown)
        unread.count_again(connection, [(circle, member) for _item, circle, member in unknown])


def _chunks(values: Iterable[Any]) -> Iterable[list[Any]]:
    ordered = sorted(set(values))
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


# built once: a statement's construction costs about as much as running it for one acknowledgement
_ITEMS = (
    select(
        Item.id,
        Item.circle_id,
        Item.number,
        Item.author_id,
        Item.version,
        Item.must_read,
        Item.created_at,
        Community.timezone,
    )
    .join(Community, Community.id == Item.community_id)
    .where(Item.id.in_(bindparam("ids", expanding=True)))
)
_WINDOWS = select(
    CircleMember.circle_id, CircleMember.member_id, CircleMember.audience_from, CircleMember.audience_until
).where(
    CircleMember.member_id.in_(bindparam("members", expanding=True)),
    CircleMember.circle_id.in_(bindparam("circles", expanding=True)),
)


def _items(connection: Connection, item_ids: set[int]) -> dict[int, Any]:
    found = {}
    for chunk in _chunks(item_ids):
        found.update((row.id, row) for row in connection.execute(_ITEMS, {"ids": chunk}))
    return found


def _windows(connection: Connection, pairs: set[tuple[int, int]]) -> dict[tuple[int, int], reading_counts.Window]:
    """The audience windows of these (circle, member) memberships that exist."""
    found = {}
    circles = sorted({circle for circle, _member in pairs})
    for chunk in _chunks(member for _circle, member in pairs):
        for circle, member, start, until in connection.execute(_WINDOWS, {"members": chunk, "circles": circles}):
            if (circle, member) in pairs:
                found[(circle, member)] = (start, until)
    return found


# Noting the changes as the rows are written (mapper events), counting them (session and mapper events)


def _note(ack: Acknowledgement, was: Any, now: Any) -> None:
    session = object_session(ack)
    if session is not None:
        session.info.setdefault(PENDING, []).append(Change(ack.item_id, ack.member_id, was, now))


def _inserted(_mapper: Mapper[Any], _connection: Connection, ack: Acknowledgement) -> None:
    _note(ack, None, ack.version)


def _updated(_mapper: Mapper[Any], _connection: Connection, ack: Acknowledgement) -> None:
    history = attributes.get_history(ack, "version")
    if not history.has_changes():
        return
    if history.deleted:
        was = history.deleted[0]
    else:  # a new object in place of one deleted in the same flush: the row was updated
        session = object_session(ack)
        was = (session.info.get(REPLACED, {}) if session is not None else {}).get((ack.item_id, ack.member_id), UNKNOWN)
    _note(ack, was, ack.version)


def _deleted(_mapper: Mapper[Any], _connection: Connection, ack: Acknowledgement) -> None:
    version = inspect(ack).attrs.version.loaded_value
    _note(ack, UNKNOWN if version is attributes.NO_VALUE else version, None)


def _count_pending(session: Session | None, connection: Connection) -> None:
    if session is not None and session.info.get(PENDING):
        changes = session.info.pop(PENDING)
        count(connection, changes)


def _other_row(_mapper: Mapper[Any], connection: Connection, target: Any) -> None:
    """Before any other row of the flush is written: count the acknowledgements written so far."""
    if not isinstance(target, Acknowledgement):
        _count_pending(object_session(target), connection)


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    session.info.pop(PENDING, None)  # left by a flush that failed (its transaction is rolled back)
    session.info.pop(REPLACED, None)
    deleted = [ack for ack in session.deleted if isinstance(ack, Acknowledgement)]
    if not deleted:
        return
    added = {(ack.item_id, ack.member_id) for ack in session.new if isinstance(ack, Acknowledgement)}
    replaced = {}
    for ack in deleted:
        if (ack.item_id, ack.member_id) in added:
            version = inspect(ack).attrs.version.loaded_value
            replaced[(ack.item_id, ack.member_id)] = UNKNOWN if version is attributes.NO_VALUE else version
    if replaced:
        session.info[REPLACED] = replaced


def _after_flush(session: Session, _context: Any) -> None:
    session.info.pop(REPLACED, None)
    if session.info.get(PENDING):
        _count_pending(session, session.connection())


for _event, _listener in (("after_insert", _inserted), ("after_update", _updated), ("after_delete", _deleted)):
    event.listen(Acknowledgement, _event, _listener)
for _event in ("before_insert", "before_update", "before_delete"):
    event.listen(Base, _event, _other_row, propagate=True)
event.listen(Session, "before_flush", _before_flush)
event.listen(Session, "after_flush", _after_flush)
