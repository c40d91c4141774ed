"""The Matrix adapter's small state, kept in Relais' own database (table platform_state).

Keys are namespaced by the bot's user id: the sync token, the device id, direct-chat rooms,
reactions to remember for their redaction, rooms already warned about encryption or told they
are linked to no circle, upgrades, the later parts of a message sent in several parts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.db import Store
from bot.models import PlatformState

MAX_KEY = 200


def part_key(event_id: str) -> str:
    """The key naming the first part of a long message, for one of its later parts."""
    return f"part:{event_id}"


class MatrixState:
    def __init__(self, store: Store, clock: Clock, user_id: str) -> None:
        self.store = store
        self.clock = clock
        self.namespace = f"matrix:{user_id}:"

    def key(self, name: str) -> str:
        full = self.namespace + name
        if len(full) <= MAX_KEY:
            return full
        digest = hashlib.sha256(full.encode()).hexdigest()
        return full[: MAX_KEY - 65] + "#" + digest

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self.store.unit_of_work() as session:
            yield session

    def get_in(self, session: Session, name: str) -> str | None:
        return session.scalar(select(PlatformState.value).where(PlatformState.key == self.key(name)))

    def set_in(self, session: Session, name: str, value: str) -> None:
        row = session.get(PlatformState, self.key(name))
        if row is None:
            session.add(PlatformState(key=self.key(name), value=value, updated_at=self.clock.now()))
        else:
            row.value, row.updated_at = value, self.clock.now()
        session.flush()

    def delete_in(self, session: Session, name: str) -> None:
        session.execute(delete(PlatformState).where(PlatformState.key == self.key(name)))

    def items_in(self, session: Session, prefix: str) -> list[tuple[str, str]]:
        """(name, value) of every key starting with `prefix` (short keys only)."""
        start = self.namespace + prefix
        rows = session.execute(
            select(PlatformState.key, PlatformState.value).where(func.substr(PlatformState.key, 1, len(start)) == start)
        ).all()
        return [(key[len(self.namespace) :], value) for key, value in rows]

    def get(self, name: str) -> str | None:
        with self.session() as session:
            return self.get_in(session, name)

    def set(self, name: str, value: str) -> None:
        with self.session() as session:
            self.set_in(session, name, value)

    def delete(self, name: str) -> None:
        with self.session() as session:
            self.delete_in(session, name)
