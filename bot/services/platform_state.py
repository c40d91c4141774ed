"""An adapter's small state, kept in Relais' own database (table platform_state): keys and values.

Each adapter has its own namespace (the Matrix adapter's is its user id): the sync token, the
device id, direct chats, reactions to remember for their redaction, rooms already told something.
A key longer than the column is shortened with a hash of the whole key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.db import Store
from bot.models import PlatformState

MAX_KEY = 200


def full_key(namespace: str, name: str) -> str:
    """The stored key of `name` in `namespace`, at most MAX_KEY characters."""
    full = namespace + name
    if len(full) <= MAX_KEY:
        return full
    digest = hashlib.sha256(full.encode()).hexdigest()
    return full[: MAX_KEY - 65] + "#" + digest


@dataclass
class StateKeys:
    """The keys of one namespace within one unit of work (several reads and writes that go together)."""

    session: Session
    namespace: str
    now: datetime

    def get(self, name: str) -> str | None:
        key = full_key(self.namespace, name)
        return self.session.scalar(select(PlatformState.value).where(PlatformState.key == key))

    def set(self, name: str, value: str) -> None:
        """Insert or replace, in one statement (the Matrix sync position is written after every batch)."""
        key = full_key(self.namespace, name)
        held = self.session.identity_map.get(self.session.identity_key(PlatformState, key))
        if held is not None:  # already loaded in this unit of work: keep the ORM's view in step
            held.value, held.updated_at = value, self.now
            self.session.flush()
            return
        dialect = self.session.get_bind().dialect.name
        if dialect == "sqlite":  # the other dialect's module is not even imported (memory)
            from sqlalchemy.dialects.sqlite import insert
        else:
            from sqlalchemy.dialects.postgresql import insert
        upsert = insert(PlatformState).values(key=key, value=value, updated_at=self.now)
        changes = {"value": value, "updated_at": self.now}
        self.session.execute(upsert.on_conflict_do_update(index_elements=[PlatformState.key], set_=changes))

    def delete(self, name: str) -> None:
        self.session.execute(delete(PlatformState).where(PlatformState.key == full_key(self.namespace, name)))

    def items(self, prefix: str) -> list[tuple[str, str]]:
        """(name, value) of every key whose name starts with `prefix` (short keys only)."""
        start = self.namespace + prefix
        rows = self.session.execute(
            select(PlatformState.key, PlatformState.value).where(func.substr(PlatformState.key, 1, len(start)) == start)
        ).all()
        return [(key[len(self.namespace) :], value) for key, value in rows]


class StateStore:
    """One adapter's keys: `batch()` for several operations in one unit of work, or one at a time."""

    def __init__(self, store: Store, clock: Clock, namespace: str) -> None:
        self.store = store
        self.clock = clock
        self.namespace = namespace

    def key(self, name: str) -> str:
        return full_key(self.namespace, name)

    @contextmanager
    def batch(self) -> Iterator[StateKeys]:
        with self.store.unit_of_work() as session:
            yield StateKeys(session, self.namespace, self.clock.now())

    def get(self, name: str) -> str | None:
        with self.batch() as keys:
            return keys.get(name)

    def set(self, name: str, value: str) -> None:
        with self.batch() as keys:
            keys.set(name, value)

    def delete(self, name: str) -> None:
        with self.batch() as keys:
            keys.delete(name)

    def items(self, prefix: str) -> list[tuple[str, str]]:
        with self.batch() as keys:
            return keys.items(prefix)
