"""Engine and unit of work: SQLite (WAL, busy timeout, immediate transactions) or PostgreSQL.

Alembic is imported only to change the schema: a database already at head is recognised by
reading its `alembic_version` row and the revisions of the migration files (no alembic import,
about 11 MB and 150 ms less for every start).
"""

from __future__ import annotations

import asyncio
import logging
import re
import select
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy import inspect as sqlalchemy_inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError, OperationalError
from sqlalchemy.orm import Session, SessionTransaction, make_transient_to_detached, sessionmaker

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

log = logging.getLogger(__name__)
T = TypeVar("T")
MIGRATIONS = str(Path(__file__).parent / "migrations")
READ_OPTION = "relais_read"  # execution option: a unit of work that should only read
STORE_KEY = "relais_store"  # session.info: the Store whose unit of work the session is
COMMIT_HOOKS = "relais_after_commit"  # session.info: what to run once the transaction has committed
KEEPALIVES = {  # libpq's names and PostgreSQL's defaults for Relais (see keepalives()); tcp_user_timeout in ms
    "keepalives": 1,
    "keepalives_idle": 60,
    "keepalives_interval": 10,
    "keepalives_count": 3,
    "tcp_user_timeout": 90_000,
    "connect_timeout": 10,  # seconds: a server that accepts and never answers (libpq: wait forever)
}
_REVISION = re.compile(r"^(down_revision|revision)\b[^=]*=\s*(None|[\"']([^\"']+)[\"'])", re.MULTILINE)


def normalise_url(url: str) -> str:
    """Accept `postgresql://` and `postgres://` and use psycopg 3 for them."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        _configure_sqlite(engine)
        return engine
    connect_args = {**keepalives(parsed.query), **kwargs.pop("connect_args", {})}
    engine = create_engine(url, connect_args=connect_args, **kwargs)
    event.listen(engine, "checkout", _check_alive)
    return engine


def keepalives(query: Mapping[str, Any]) -> dict[str, int]:
    """libpq's TCP keep-alives for every PostgreSQL connection, but those the URL's query string sets
    (`?keepalives_idle=30`: the operator's word wins). A server gone without a word (a failover, a cut
    network, a machine switched off) leaves a half-open connection that nothing written to it would
    ever answer: after 60 s of silence the kernel probes it every 10 s, and after 3 probes unanswered
    (90 s in all), or 90 s without an acknowledgement of what was sent (tcp_user_timeout, in ms), the
    connection fails instead of waiting for the system's 15 minutes or more. Nothing for a Unix socket.
    And a new connection gives up after connect_timeout (10 s) when the server says nothing: libpq
    would wait forever on a server that took the connection and hangs (a frozen machine, a stuck proxy)."""
    return {key: value for key, value in KEEPALIVES.items() if key not in query}


def _check_alive(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """A pooled PostgreSQL connection is looked at before use, without a round trip (SQLAlchemy's
    pre-ping costs one per unit of work, about as much as a statement): an idle connection the
    server has written to — the goodbye of a restart or of pg_terminate_backend, a closed socket —
    or that psycopg knows is broken is replaced by a new one (DisconnectionError: the pool retries)."""
    try:
        pgconn = dbapi_connection.pgconn
        if dbapi_connection.closed or pgconn.status != 0:  # 0: CONNECTION_OK
            raise DisconnectionError("the connection is closed")
        readable = _readable(pgconn.socket)
    except DisconnectionError:
        raise
    except Exception as error:  # no socket any more
        raise DisconnectionError(f"the connection is unusable: {error}") from error
    if readable:
        raise DisconnectionError("the server closed the connection (or wrote to it while idle)")


def _readable(fileno: int) -> bool:
    """Whether the socket has something to read (or is closed), now. poll(): select() refuses descriptors
    from 1024 on, and a busy process has that many (every connection was found unusable)."""
    if not hasattr(select, "poll"):  # not POSIX
        return bool(select.select([fileno], [], [], 0)[0])
    poller = select.poll()
    poller.register(fileno, select.POLLIN)
    return bool(poller.poll(0))


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # Writers take the write lock at the start (several bot or console processes share one file);
        # readers do not: in WAL mode they see a snapshot and never wait for a writer.
        deferred = connection.get_execution_options().get(READ_OPTION)
        connection.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")


def alembic_config(connection: Connection | None = None) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", MIGRATIONS)
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database schema to `revision` (the bot does this on start for SQLite).

    A database already at head is left alone without importing alembic."""
    if revision == "head" and current_revision(engine) == head_revision():
        return
    from alembic import command

    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)


def current_revision(engine: Engine) -> str | None:
    """The revision recorded in the database (None: no schema yet)."""
    with engine.connect() as connection:  # a database that cannot be opened says so (OperationalError)
        if not sqlalchemy_inspect(connection).has_table("alembic_version"):
            return None
        rows = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return rows[0] if len(rows) == 1 else None


@cache
def head_revision() -> str | None:
    """The newest revision of bot/migrations/versions (the one no other revision follows)."""
    revisions: dict[str, str | None] = {}
    for path in Path(MIGRATIONS, "versions").glob("*.py"):
        found = {name: value for name, _, value in _REVISION.findall(path.read_text(encoding="utf-8"))}
        if "revision" in found:
            revisions[found["revision"]] = found.get("down_revision") or None
    heads = set(revisions) - {down for down in revisions.values() if down}
    return heads.pop() if len(heads) == 1 else None


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


class Store:
    """Owns the session factory; `unit_of_work()` is one transaction, committed or rolled back.

    A session of a unit of work knows its Store (`store_of`), so that what lives as long as the
    store (`extensions`: caches, the outbox's local delivery) is reachable from a service that
    only has a session; `after_commit` runs something once its transaction has committed.
    Sessions keep their objects after commit (expire_on_commit=False): commit hooks read them.
    """

    def __init__(self, engine: Engine, session_factory: sessionmaker[Session] | None = None) -> None:
        self.engine = engine
        self.session_factory = session_factory or sessionmaker(engine, expire_on_commit=False)
        self._reader = None if session_factory else sessionmaker(engine.execution_options(**{READ_OPTION: True}))
        if self._reader is not None:
            self._reader.configure(expire_on_commit=False)
        # a store handed its session factory (tests: one connection, savepoints) is used by one thread at a time
        self.one_connection = session_factory is not None
        self.extensions: dict[str, Any] = {}
        for factory in self.factories():
            event.listen(factory, "after_commit", _run_commit_hooks)
            event.listen(factory, "after_transaction_end", _drop_commit_hooks)

    def factories(self) -> list[sessionmaker[Session]]:
        """The session factories of this store (for listeners that watch every unit of work)."""
        return [self.session_factory, *([self._reader] if self._reader is not None else [])]

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    async def off_loop(self, work: Callable[[], T]) -> T:
        """Run store work without holding up the event loop: in a worker thread (inline for a store
        on one connection, which a second thread must not use meanwhile)."""
        if self.one_connection:
            return work()
        return await asyncio.to_thread(work)

    @contextmanager
    def unit_of_work(self, reading: bool = False) -> Iterator[Session]:
        """One transaction. `reading`: meant to read only, so on SQLite it does not take the write lock
        (if it writes after all, it may fail with "database is locked": see is_lock_conflict)."""
        session = (self._reader if reading and self._reader is not None else self.session_factory)()
        session.info[STORE_KEY] = self
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()


def store_of(session: Session) -> Store | None:
    """The Store whose unit of work this session is (None for a session made another way)."""
    found = session.info.get(STORE_KEY)
    return found if isinstance(found, Store) else None


def after_commit(session: Session, hook: Callable[[], None]) -> None:
    """Run `hook` once this session's transaction has committed (never if it rolls back).

    Hooks run right after the commit, in the thread that committed, and must not use the session.
    """
    session.info.setdefault(COMMIT_HOOKS, []).append(hook)


def _run_commit_hooks(session: Session) -> None:
    for hook in session.info.pop(COMMIT_HOOKS, ()):
        try:
            hook()
        except Exception:  # what follows a commit must never undo it nor hide it
            log.exception("a commit hook failed")


def _drop_commit_hooks(session: Session, transaction: SessionTransaction) -> None:
    """The session's transaction ended without a commit (after a commit the hooks already ran).

    A savepoint that rolls back keeps the hooks: each checks itself what is still there (bot.outbox)."""
    if transaction.parent is None:
        session.info.pop(COMMIT_HOOKS, None)


def pipelined(session: Session) -> Any | None:
    """PostgreSQL: the psycopg connection of this unit of work, for statements sent together in one
    round trip (psycopg's pipeline mode); None on SQLite, and for a store on one connection (tests:
    each unit of work a savepoint of a transaction that is not its own to commit)."""
    store = store_of(session)
    if store is None or store.one_connection or store.dialect != "postgresql":
        return None
    return session.connection().connection.driver_connection


def commit_in_one_round_trip(session: Session, inserts: tuple[type, ...]) -> bool:
    """PostgreSQL: write what is left and COMMIT in a single round trip, when all that is left are new
    rows of `inserts` (insert_new_rows), else nothing (False): the unit of work commits as usual. The
    transaction is committed here; the unit of work's own commit then only runs its hooks. A failure
    raises, and the unit of work rolls back."""
    if not only_new(session, inserts):
        return False
    driver = pipelined(session)
    if driver is None:
        return False
    with driver.pipeline():  # one Sync for both, as the pipeline ends (driver.commit() would sync twice)
        if not insert_new_rows(session, inserts):
            session.flush()
        driver.execute("COMMIT")
    return True


def only_new(session: Session, inserts: tuple[type, ...]) -> bool:
    """All this session has to write are new rows of `inserts`."""
    return not session.dirty and not session.deleted and all(isinstance(row, inserts) for row in session.new)


def insert_new_rows(session: Session, inserts: tuple[type, ...]) -> bool:
    """When all the session has to write are new rows of `inserts` (classes whose INSERT reads nothing
    back: every column, the primary key too, given in Python), write them with plain INSERTs: the same
    rows a flush writes, without the ORM's unit of work (half a millisecond a command). They are then
    detached, as after a commit, and their commit hooks see them written. False: nothing done."""
    if not only_new(session, inserts):
        return False
    rows = sorted(session.new, key=lambda row: sqlalchemy_inspect(row).insert_order)
    values = [_given(row) for row in rows]
    if any(given is None for given in values):
        return False
    connection = session.connection()
    for row, given in zip(rows, values, strict=True):
        connection.execute(_insert(sqlalchemy_inspect(row).mapper.local_table), given)
    for row in rows:
        session.expunge(row)
        make_transient_to_detached(row)
    return True


@cache
def _insert(table: Any) -> Any:
    """A table's INSERT, built once (building and keying one costs more than running it)."""
    return table.insert()


def _given(row: Any) -> dict[str, Any] | None:
    """A new row's columns as its INSERT writes them; None when one left unset has a default (a flush fills it in)."""
    given = {}
    for attribute in sqlalchemy_inspect(row).mapper.column_attrs:
        column = attribute.columns[0]
        if attribute.key in row.__dict__:
            given[column.key] = row.__dict__[attribute.key]
        elif column.default is not None or column.server_default is not None:
            return None
    return given


def is_lock_conflict(error: BaseException) -> bool:
    """SQLite refused a write because another connection wrote meanwhile (retry with the write lock)."""
    return isinstance(error, OperationalError) and "locked" in str(error.orig or error).lower()
