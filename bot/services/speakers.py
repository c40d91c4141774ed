"""A command's speaker, read once and checked at every command (PostgreSQL): their identity, the member
with their organisation, and their rows in the channel and in the circle.

Every command typed in a circle's room reads those rows first (bot.services.membership.present_in_channel);
loading five ORM objects is a third of what the dispatcher's own work costs. On PostgreSQL each row
carries the id of the transaction that wrote its current version (`xmin`): the cache keeps detached
copies with those ids, and each command asks the database for the current ids only, in one small
statement that builds no object. Equal ids are the same versions of the same rows; any change, by this
process or another one (a command, the command line, the web pages, a migration), a row deleted or
made again, gives other ids, and the rows are read again. The ids are read *before* the rows they
stand for, so that what is kept is never older than its ids (a change in between only makes the next
command read again). Rows this very transaction wrote are never kept (it may write them again under
the same id). SQLite has no such version: there, the rows are read at every command.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session, make_transient_to_detached

from bot.db import Store, store_of
from bot.models import ChannelMember, CircleMember, Identity, Member, Organisation

EXTENSION = "speakers"
LIMIT = 512  # speakers kept, the least recently seen dropped first
Speaker = tuple[Identity, Member, ChannelMember | None, CircleMember | None]
Versions = tuple[str | None, ...]

VERSIONS = (
    "SELECT i.xmin::text, m.xmin::text, ch.xmin::text, ci.xmin::text, o.xmin::text,"
    " pg_current_xact_id_if_assigned()::text"
    " FROM identities i JOIN members m ON m.id = i.member_id"
    " LEFT JOIN channel_members ch ON ch.member_id = m.id AND ch.channel = {channel}"
    " LEFT JOIN circle_members ci ON ci.member_id = m.id AND ci.circle_id = {circle}"
    " LEFT JOIN organisations o ON o.id = m.organisation_id"
    " WHERE i.identity = {identity}"
)
READ = "relais_speaker_versions"  # session.info: versions read with the command's claim (bot.dispatch)


def versions_query(identity: str, channel: str, circle_id: int) -> Callable[[Callable[[str], str]], str]:
    """The SELECT of the speaker's versions, for bot.dedup.claimed_first_with (which quotes the literals)."""

    def written(literal: Callable[[str], str]) -> str:
        return VERSIONS.format(channel=literal(channel), circle=int(circle_id), identity=literal(identity))

    return written


def read_with_claim(session: Session, identity: str, channel: str, circle_id: int, row: tuple[Any, ...]) -> None:
    """The versions came with the claim: the speaker's look-up will not ask again (all NULL: no identity)."""
    versions = None if row[0] is None else tuple(row)
    session.info[READ] = ((identity, channel, circle_id), versions)


@dataclass(frozen=True)
class _Entry:
    versions: Versions
    rows: tuple[Identity, Member, ChannelMember, CircleMember]


class Speakers:
    """Detached copies of speakers' rows, by (identity, channel, circle id), with their versions."""

    def __init__(self, limit: int = LIMIT) -> None:
        self.limit = limit
        self.hits = 0
        self.reads = 0
        self._entries: dict[tuple[str, str, int], _Entry] = {}
        self._lock = threading.Lock()

    def rows(self, session: Session, identity: str, channel: str, circle_id: int) -> Speaker | None:
        """The speaker's rows in `session`, as bot.services.community.speaker_rows returns them."""
        from bot.services.community import speaker_rows

        key = (identity, channel, circle_id)
        given = session.info.pop(READ, None)
        versions = given[1] if given is not None and given[0] == key else current_versions(session, *key)
        entry = self._entries.get(key)
        if entry is not None and versions is not None and entry.versions == versions[:5]:
            self.hits += 1
            return attached(session, entry.rows)
        self.reads += 1
        found = speaker_rows(session, identity, channel, circle_id)
        if found is not None and versions is not None and cacheable(found, versions):
            self._keep(key, _Entry(versions[:5], detached_copies(found)))
        else:
            with self._lock:
                self._entries.pop(key, None)
        return found

    def _keep(self, key: tuple[str, str, int], entry: _Entry) -> None:
        with self._lock:
            self._entries.pop(key, None)
            self._entries[key] = entry
            while len(self._entries) > self.limit:
                del self._entries[next(iter(self._entries))]


def current_versions(session: Session, identity: str, channel: str, circle_id: int) -> Versions | None:
    """The versions of the speaker's rows now (None: no such identity), and this transaction's id."""
    driver = session.connection().connection.driver_connection
    query = VERSIONS.format(channel="%(channel)s", circle="%(circle)s", identity="%(identity)s")
    row = driver.execute(query, {"channel": channel, "circle": circle_id, "identity": identity}).fetchone()
    return None if row is None else tuple(row)


def cacheable(found: Speaker, versions: Versions) -> bool:
    """Kept only when every row is there, the member in the circle now, the versions those of the rows
    read (the organisation's with it), and none written by this transaction (it may write them again)."""
    identity, member, in_channel, in_circle = found
    if in_channel is None or in_circle is None or not in_circle.active:
        return False
    if None in versions[:4] or (versions[4] is None) != (member.organisation_id is None):
        return False
    mine = versions[5]
    return mine is None or all(int(mine) % 2**32 != int(version) for version in versions[:5] if version is not None)


def _copy(row: Any, **loaded: Any) -> Any:
    """A detached copy of a loaded row: its columns (and `loaded` relations), no session, no history."""
    mapper = inspect(row).mapper
    copy = mapper.class_manager.new_instance()
    for attribute in mapper.column_attrs:
        setattr(copy, attribute.key, getattr(row, attribute.key))
    for key, value in loaded.items():
        setattr(copy, key, value)
    make_transient_to_detached(copy)  # as if just loaded: nothing to write when merged
    return copy


def detached_copies(found: Speaker) -> tuple[Identity, Member, ChannelMember, CircleMember]:
    identity, member, in_channel, in_circle = found
    assert in_channel is not None and in_circle is not None
    organisation: Organisation | None = member.organisation
    member_copy = _copy(member, organisation=_copy(organisation) if organisation is not None else None)
    return _copy(identity), member_copy, _copy(in_channel), _copy(in_circle)


def attached(session: Session, rows: tuple[Any, ...]) -> Speaker:
    """The session's own instances of the copies (merged without SQL; the copies stay untouched)."""

    def one(copy: Any) -> Any:
        held = session.identity_map.get(session.identity_key(instance=copy))
        return held if held is not None else session.merge(copy, load=False)

    identity, member, in_channel, in_circle = (one(row) for row in rows)
    return identity, member, in_channel, in_circle


def speakers_of(session: Session) -> Speakers | None:
    """The store's speakers cache, on PostgreSQL (None elsewhere: SQLite reads the rows every time)."""
    store: Store | None = store_of(session)
    if store is None or store.dialect != "postgresql":
        return None
    found = store.extensions.get(EXTENSION)
    if found is None:
        found = store.extensions[EXTENSION] = Speakers()
    return found  # type: ignore[no-any-return]
