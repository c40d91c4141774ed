"""Who holds an outbox row's lease, and whether they still live: several `relais run` processes may share
one account and one database (SQLite file or PostgreSQL).

A row being sent is leased (status 'sending', attempt counted, due again at `not_before`) to the process
that sends it, and `outbox.lease_owner` names that process: the token of its LeaseOwner, drawn at random
when the process starts (a new one at every start: a restarted process is not its predecessor). The token
lives as long as its process holds a lock that the system releases the moment the process ends, however
it ends (`kill -9` too):

* SQLite: an exclusive flock() on a file named after the token, in `<database file>-leases/` beside it;
* PostgreSQL: a session advisory lock keyed by the token, held by a connection of its own, which the server
  drops when the process' socket closes.

At start, `release_leases` makes due at once the leases of owners whose lock is free — a predecessor killed
a second ago, a process stopped — and leaves those of a live process to it: it sends and records them
itself (the new process, with a new login, could not tell its message in flight from one never sent).
While a delivery loop sends, it renews the leases of the rows in flight every third of a lease (Renewals):
a send slower than its lease (a long look back through the room, a large picture, a slow homeserver) is
not taken meanwhile by another process' delivery pass, which could not find it in the room yet either.
A send still in flight after RENEWED_FOR is no longer renewed: a hung send (or an owner that hangs without
dying) is left to its lease's end, as are the rows leased before migration 0022, which have no owner.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import functools
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.config import ConfigError, os_reason
from bot.db import Store
from bot.kinds import OutboxStatus
from bot.models import OutboxMessage

log = logging.getLogger(__name__)
OWNER = "outbox_lease_owner"  # Store.extensions: this process' LeaseOwner
RENEWED_FOR = 300.0  # seconds: a send in flight longer than this is not renewed any more (left to its lease's end)
MAKING = threading.Lock()
ADVISORY_FREE = text("SELECT pg_try_advisory_xact_lock(:key)")  # held until the checker's transaction ends


class LeaseOwner(Protocol):
    """This process as the holder of leases: its token is alive while the process is (see alive())."""

    token: str

    def close(self) -> None:
        """The process stops: its leases may be taken back at once."""
        ...

    def keep(self) -> None:
        """Make sure the lock is still held (every third of a lease): taken again if it was lost."""
        ...


def lease_owner(store: Store) -> LeaseOwner:
    """The store's lease owner, made (and its lock taken) the first time: before any row carries its token."""
    owner = store.extensions.get(OWNER)
    if owner is None:
        with MAKING:  # a delivery loop starting and an adapter releasing leases, in two threads
            owner = store.extensions.get(OWNER)
            if owner is None:
                owner = store.extensions[OWNER] = _make_owner(store)
                log.debug("outbox leases held as %s", owner.token)
    return owner  # type: ignore[no-any-return]


def close_lease_owner(store: Store) -> None:
    owner = store.extensions.pop(OWNER, None)
    if owner is not None:
        owner.close()


def _make_owner(store: Store) -> LeaseOwner:
    if store.dialect == "postgresql":
        return AdvisoryOwner(store)
    folder = leases_folder(store)
    if folder is None:
        return MemoryOwner()
    try:
        return FileOwner(folder)
    except OSError as error:  # a file in its place, a folder Relais may not write in, a full disk
        raise ConfigError(
            "cannot make {folder}, where Relais keeps a lock file beside its SQLite database ({reason}): "
            "let Relais write there, or remove what takes that name",
            folder=str(folder),
            reason=os_reason(error),
        ) from error


def leases_folder(store: Store) -> Path | None:
    """Where the owners of an SQLite file's leases keep their lock files (None: a database in memory)."""
    database = store.engine.url.database
    if store.dialect != "sqlite" or not database or database == ":memory:" or database.startswith("file:"):
        return None
    path = Path(database).expanduser().resolve()
    return path.with_name(f"{path.name}-leases")


class MemoryOwner:
    """A database in memory lives and dies with its one process: any other owner is gone."""

    def __init__(self) -> None:
        self.token = uuid.uuid4().hex

    def close(self) -> None:
        pass

    def keep(self) -> None:
        pass


class FileOwner:
    """SQLite: an exclusive flock() on `<folder>/<token>`, held until the process ends. The file is locked
    under a temporary name and then renamed: a file under a token's name is locked from its first moment."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        sweep(folder)
        self.folder, self.token = folder, uuid.uuid4().hex
        self.fd = self._lock_file()

    def _lock_file(self) -> int:
        self.folder.mkdir(parents=True, exist_ok=True)
        temporary = self.folder / f".{self.token}.new"
        fd = os.open(temporary, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.write(fd, f"{socket.gethostname()} {os.getpid()}\n".encode())  # for the operator who looks
        os.rename(temporary, self.folder / self.token)
        return fd

    def keep(self) -> None:
        """The lock file removed under this live process (the folder cleaned by hand or by a cleaner of old
        files): other processes would take it for gone. A new one is locked under the same name."""
        try:
            if os.stat(self.folder / self.token).st_ino == os.fstat(self.fd).st_ino:
                return
        except FileNotFoundError:
            pass
        log.warning("the lock file of this process' outbox leases (%s) was removed: made again", self.token)
        lost, self.fd = self.fd, self._lock_file()
        os.close(lost)

    def close(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            (self.folder / self.token).unlink()
        os.close(self.fd)


def file_alive(folder: Path, token: str) -> bool:
    """The owner `token` still holds its lock; a dead owner's file is removed."""
    path = folder / token
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        return False
    finally:
        os.close(fd)


def sweep(folder: Path) -> None:
    """The lock files of owners gone (killed), removed: the folder holds one file per live process. A
    temporary file (a process killed before its rename) is removed once older than a minute: a process
    locks its own within microseconds of making it."""
    for path in folder.iterdir():
        if not path.name.startswith("."):
            file_alive(folder, path.name)
        elif path.name.endswith(".new"):
            with contextlib.suppress(FileNotFoundError):
                if time.time() - path.stat().st_mtime > 60:
                    file_alive(folder, path.name)


class AdvisoryOwner:
    """PostgreSQL: a session advisory lock on the token's key, on a connection of its own (out of the pool,
    never in a transaction). The lock is the whole database's: owners in other schemas never share a key.

    The lock lives as long as its connection: one lost while the process lives (a server restarted, the
    connection terminated) would make the process look gone to the others. `keep` notices it (every third
    of a lease) and takes the lock again, under the same token, on a new connection; the connection is
    never closed for being idle (idle_session_timeout off for it: it is idle by design)."""

    def __init__(self, store: Store) -> None:
        self.store, self.token, self.guard, self.closed = store, uuid.uuid4().hex, threading.Lock(), False
        self.connection: Any = self._connect()
        self.held = self._lock()
        if not self.held:
            raise RuntimeError(f"the advisory lock of a new lease owner {self.token} is taken")

    def _connect(self) -> Any:
        pooled = self.store.engine.raw_connection()
        connection = pooled.driver_connection
        pooled.detach()  # its own: the lock stays with it, never handed to a unit of work
        connection.autocommit = True
        if connection.info.server_version >= 140000:
            connection.execute("SET idle_session_timeout = 0")
        return connection

    def _lock(self) -> bool:
        taken = self.connection.execute("SELECT pg_try_advisory_lock(%s)", (advisory_key(self.token),))
        return bool(taken.fetchone()[0])

    def keep(self) -> None:
        with self.guard:
            if self.closed:
                return
            if self.held:
                try:
                    self.connection.execute("SELECT 1")
                    return
                except Exception:  # the connection is gone, and its lock with it
                    log.warning("the connection holding this process' outbox leases (%s) was lost", self.token)
                    self.held = False
                    with contextlib.suppress(Exception):
                        self.connection.close()
                    self.connection = None
            if self.connection is None or self.connection.closed:
                self.connection = self._connect()
            # false while another process, judging this one gone, holds it for a moment: tried again next time
            self.held = self._lock()
            log.warning("outbox leases' lock %s: %s", self.token, "taken again" if self.held else "not free yet")

    def close(self) -> None:
        with self.guard:
            self.closed = True
            with contextlib.suppress(Exception):
                self.connection.close()


def advisory_key(token: str) -> int:
    """A token's advisory lock: its first 64 bits, as PostgreSQL's signed bigint."""
    key = int(token[:16], 16)
    return key - (1 << 64) if key >= 1 << 63 else key


def alive(store: Store, session: Session, token: str) -> bool:
    """Whether the owner `token` still runs (holds its lock)."""
    if store.dialect == "postgresql":
        return not session.scalar(ADVISORY_FREE, {"key": advisory_key(token)})
    folder = leases_folder(store)
    return folder is not None and file_alive(folder, token)


def release_leases(store: Store, platform: str, now: datetime) -> int:
    """At start, make due now what a process that is gone left 'sending' on `platform` (instead of after
    its lease); returns how many. A live process' leases stay its own. Only for a platform whose resend
    is harmless (the same id, looked for first)."""
    me = lease_owner(store).token
    with store.unit_of_work() as session:
        holders = session.scalars(
            select(OutboxMessage.lease_owner)
            .where(OutboxMessage.platform == platform, OutboxMessage.status == OutboxStatus.SENDING)
            .distinct()
        ).all()
        others = [holder for holder in holders if holder is not None and holder != me]
        gone = [holder for holder in others if not alive(store, session, holder)]
        if len(gone) < len(others):
            log.info("%d other process(es) sending on %s: left to them", len(others) - len(gone), platform)
        if not gone:
            return 0
        result = session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.platform == platform,
                OutboxMessage.status == OutboxStatus.SENDING,
                OutboxMessage.lease_owner.in_(gone),
            )
            .values(not_before=now)
        )
        return int(getattr(result, "rowcount", 0) or 0)


@dataclass(eq=False)
class Renewals:
    """The leases of the rows a delivery loop is sending (`sending`), pushed back every third of a lease while
    their sends are in flight (`run`, on the event loop; the write in a worker thread)."""

    store: Store
    clock: Clock
    lease: timedelta
    in_flight: dict[str, float] = field(default_factory=dict)  # row id -> when its send began (monotonic)
    keeping: asyncio.Future[Any] | None = None  # this process' lock being checked (LeaseOwner.keep)

    @contextlib.contextmanager
    def sending(self, ids: Iterable[str]) -> Iterator[None]:
        began, mine = time.monotonic(), [row for row in ids if row not in self.in_flight]
        self.in_flight.update(dict.fromkeys(mine, began))
        try:
            yield
        finally:
            for row in mine:
                self.in_flight.pop(row, None)

    def own(self) -> list[str]:
        """The rows this process is sending (any thread may ask): not claimed again by its own delivery passes,
        even once their lease has run out (a renewal late), unless hung for longer than RENEWED_FOR."""
        oldest = time.monotonic() - RENEWED_FOR
        return [row for row, began in self.in_flight.copy().items() if began >= oldest]

    def renewable(self) -> list[str]:
        """The rows in flight for a third of a lease or more (not the many that leave in milliseconds: no write
        for them), but not for longer than RENEWED_FOR (a hung send)."""
        now = time.monotonic()
        oldest, youngest = now - RENEWED_FOR, now - self.lease.total_seconds() / 3
        return [row for row, began in self.in_flight.items() if oldest <= began <= youngest]

    def renew(self, ids: list[str]) -> int:
        """Push back the leases of `ids` this process still holds (not a row recorded or taken meanwhile)."""
        with self.store.unit_of_work() as session:
            result = session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id.in_(ids),
                    OutboxMessage.status == OutboxStatus.SENDING,
                    OutboxMessage.lease_owner == lease_owner(self.store).token,
                )
                .values(not_before=self.clock.now() + self.lease)
            )
            return int(getattr(result, "rowcount", 0) or 0)

    async def run(self) -> None:
        """Renew, every third of a lease, until cancelled; and make sure this process' lock is still held."""
        while True:
            await asyncio.sleep(self.lease.total_seconds() / 3)
            owner = self.store.extensions.get(OWNER)  # not one made again once closed
            if owner is not None and (self.keeping is None or self.keeping.done()):
                # on its own: a connection to a server gone without a word may take 90 s to fail, renewals go on
                self.keeping = asyncio.ensure_future(self.store.off_loop(owner.keep))
                self.keeping.add_done_callback(kept)
            if ids := self.renewable():
                try:
                    await self.store.off_loop(functools.partial(self.renew, ids))
                except Exception:  # the database away for a moment: the next round tries again
                    log.exception("renewing the leases of %d message(s) being sent failed", len(ids))


def kept(checking: asyncio.Future[Any]) -> None:
    if not checking.cancelled() and checking.exception() is not None:  # the database away: tried again next time
        log.error("checking the lock of this process' outbox leases failed", exc_info=checking.exception())


def still_mine(message: OutboxMessage, owner: str) -> bool:
    """Not a row recorded sent meanwhile (its echo came back: bot.services.outbox_seen), nor one another process
    leased once this one's lease ended (a send hung past it): its failure must not put theirs back in the queue."""
    if message.status == OutboxStatus.SENDING:
        return message.lease_owner in (None, owner)
    return message.status != OutboxStatus.SENT
