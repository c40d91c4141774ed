"""What hardly ever changes, read once per process: the communities, their circles, and which channel
belongs to which circle (a command looks them up every time; they change with /map, /unmap, a room
upgrade or the configuration at start).

The directory lives with the Store (`Store.extensions`) as detached copies, merged into a caller's
session without any SQL (`Session.merge(load=False)`). It is dropped when a transaction that changed
a community, a circle or a channel mapping commits: in this process at once (the flush and bulk
statements are watched), in other processes on PostgreSQL through NOTIFY relais_directory (the
runner listens), and after `ttl` seconds anyway (another process on the same SQLite file). Inside a
transaction that changed them, lookups read the database, which is the only one to know.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction, defer, selectinload

from bot.db import Store, after_commit, store_of
from bot.models import Circle, CircleChannel, Community
from bot.wakeups import notify

EXTENSION = "directory"
CHANGED = "relais_directory_changed"  # session.info: this transaction changed what the directory holds
NOTIFY_CHANNEL = "relais_directory"
WATCHED = (Community, Circle, CircleChannel)
TTL = 30.0


@dataclass
class Snapshot:
    communities: dict[str, Community] = field(default_factory=dict)  # by name, next_number left unloaded
    circles: dict[int, Circle] = field(default_factory=dict)  # by id, with their channels
    channels: dict[str, int] = field(default_factory=dict)  # channel address -> circle id
    taken: float = 0.0


class Directory:
    def __init__(self, store: Store, ttl: float = TTL, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self.ttl = ttl
        self.monotonic = monotonic
        self.generation = 0  # bumped by every invalidation: a load that raced one is not kept
        self.loads = 0
        self._snapshot: Snapshot | None = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ reading

    def snapshot(self) -> Snapshot:
        """The current copy, read again when dropped or older than `ttl`."""
        current = self._snapshot
        if current is not None and self.monotonic() - current.taken < self.ttl:
            return current
        with self._lock:
            generation = self.generation
            fresh = self._load()
            if self.generation == generation:
                self._snapshot = fresh
            return fresh

    def _load(self) -> Snapshot:
        self.loads += 1
        snapshot = Snapshot(taken=self.monotonic())
        with self.store.unit_of_work(reading=True) as session:
            communities = session.scalars(select(Community).options(defer(Community.next_number)))
            snapshot.communities = {community.name: community for community in communities}
            circles = session.scalars(select(Circle).options(selectinload(Circle.channels)))
            snapshot.circles = {circle.id: circle for circle in circles}
            session.expunge_all()
        snapshot.channels = {
            mapping.channel: circle.id for circle in snapshot.circles.values() for mapping in circle.channels
        }
        return snapshot

    def is_mapped(self, channel: str | None) -> bool:
        return bool(channel) and channel in self.snapshot().channels

    def mapped_among(self, channels: Iterable[str]) -> set[str]:
        known = self.snapshot().channels
        return {channel for channel in channels if channel in known}

    def circle_id(self, channel: str | None) -> int | None:
        return self.snapshot().channels.get(channel) if channel else None

    def community(self, session: Session, name: str) -> Community | None:
        """The community named `name`, in `session` (no SQL when it is already known)."""
        found = self.snapshot().communities.get(name)
        return _attached(session, found) if found is not None else None

    def mapped_circle(self, session: Session, channel: str | None) -> Circle | None:
        """The circle `channel` is mapped to, in `session` (no SQL when it is already known)."""
        snapshot = self.snapshot()
        circle_id = snapshot.channels.get(channel) if channel else None
        return _attached(session, snapshot.circles[circle_id]) if circle_id is not None else None

    # ------------------------------------------------------------------ forgetting

    def invalidate(self) -> None:
        with self._lock:
            self.generation += 1
            self._snapshot = None


def _attached(session: Session, copy: Any) -> Any:
    """The session's own instance of a cached row: the one it already holds, else the copy merged in."""
    held = session.identity_map.get(session.identity_key(instance=copy))
    return held if held is not None else session.merge(copy, load=False)


def directory_of(store: Store) -> Directory:
    """The store's directory (made on first use)."""
    found = store.extensions.get(EXTENSION)
    if found is None:
        found = store.extensions[EXTENSION] = Directory(store)
    return found  # type: ignore[no-any-return]


def usable(session: Session) -> Directory | None:
    """The directory for a lookup in `session`: none when the session has no store, or changed
    (or is about to flush a change to) what the directory holds."""
    store = store_of(session)
    if store is None or session.info.get(CHANGED) or _pending_change(session):
        return None
    return directory_of(store)


def _pending_change(session: Session) -> bool:
    return any(isinstance(obj, WATCHED) for obj in (*session.new, *session.deleted, *session.dirty))


def _changed(session: Session) -> None:
    """This transaction changes the directory's content: drop it once committed, tell other processes."""
    if session.info.get(CHANGED):
        return
    session.info[CHANGED] = True
    store = store_of(session)
    if store is None:
        return
    directory = directory_of(store)
    after_commit(session, directory.invalidate)
    if store.dialect == "postgresql":  # delivered to the listeners when (and only if) this commits
        notify(session, NOTIFY_CHANNEL)


def _watch_flush(session: Session, _context: UOWTransaction, _instances: object) -> None:
    if any(isinstance(obj, WATCHED) for obj in session.new) or any(isinstance(obj, WATCHED) for obj in session.deleted):
        _changed(session)
        return
    if any(isinstance(obj, WATCHED) and session.is_modified(obj) for obj in session.dirty):
        _changed(session)


def _watch_statement(state: ORMExecuteState) -> None:
    """Bulk UPDATE/DELETE on circles or mappings (a community's numbering is not the directory's)."""
    if (state.is_update or state.is_delete) and any(
        mapper.class_ in (Circle, CircleChannel) for mapper in state.all_mappers
    ):
        _changed(state.session)


# Every session is watched (not only a store's): a change flushed before a directory exists must
# still keep that transaction away from it, and drop it at commit.
event.listen(Session, "before_flush", _watch_flush)
event.listen(Session, "do_orm_execute", _watch_statement)
