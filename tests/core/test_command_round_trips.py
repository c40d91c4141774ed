"""A command on PostgreSQL, with a real store (its own connections): its event is claimed with the
transaction's BEGIN and its answer written with the COMMIT, each pair in one round trip (psycopg's
pipeline mode; issue 11, the Matrix round trip). The answer is handed to the delivery loop once the
transaction has committed, once; the same event again does nothing; a commit that fails hands nothing
over, records nothing, and the speaker is told something went wrong."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import DataError

from bot import db, outbox
from bot.clock import SystemClock
from bot.config import CircleConfig
from bot.db import Store, make_engine
from bot.dispatch import Dispatcher
from bot.models import OutboxMessage, ProcessedEvent
from bot.reply import Incoming
from commands import build_router
from tests.conftest import make_config

COPIL = "matrix:!copil:hs"


@dataclass(eq=False)
class Taker:
    lease: timedelta = timedelta(seconds=30)
    owner: str = "stand-in-loop"  # the token its leases carry (bot.outbox_leases)
    taken: list[list[str]] = field(default_factory=list)

    def accepting(self) -> bool:
        return True

    def take(self, rows: Sequence[OutboxMessage]) -> None:
        self.taken.append([row.text for row in rows])

    def poke(self) -> None:
        pass


@pytest.fixture
def pg_store(fresh_url: tuple[str, dict[str, Any]]):
    url, options = fresh_url
    store = Store(make_engine(url, **options, pool_size=2, max_overflow=0))
    if store.dialect != "postgresql":
        store.engine.dispose()
        pytest.skip("the pipelined claim and commit are PostgreSQL's (SQLite: tests/core/test_command_statements.py)")
    yield store
    store.engine.dispose()


def _dispatcher(store: Store) -> tuple[Dispatcher, Taker]:
    config = replace(make_config(), circles=(CircleConfig("COPIL", (COPIL,)),))
    dispatcher = Dispatcher(store=store, config=config, clock=SystemClock(), router=build_router())
    dispatcher.setup()
    taker = Taker()
    outbox.takers(store)["matrix"] = taker
    return dispatcher, taker


def _whoami(event_id: str) -> Incoming:
    return Incoming(identity="matrix:@alice:hs", text="!whoami", channel=COPIL, display_name="Alice", event_id=event_id)


def _count(store: Store, what: Any) -> int:
    with store.unit_of_work() as session:
        return int(session.scalar(select(func.count()).select_from(what)) or 0)


def test_a_command_is_claimed_with_begin_and_answered_with_commit(pg_store: Store, tmp_path: Path):
    dispatcher, taker = _dispatcher(pg_store)
    assert dispatcher.handle(_whoami("$first"), deliver=True) is not None  # Alice is new: written normally
    statements: list[str] = []
    event.listen(pg_store.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    with round_trips(pg_store, tmp_path) as waited:
        reply = dispatcher.handle(_whoami("$second"), deliver=True)
    assert reply is not None and "Alice" in reply.text
    # BEGIN + the claim (+ the speaker's versions), the speaker, /whoami's two reads (its circles' names, its
    # accounts), the answer + COMMIT; it was 10: a pre-ping, BEGIN, a look-up of the event, the speaker, three
    # reads (the circles' channels too), the answer, the event, COMMIT
    assert waited == [5]
    assert not [s for s in statements if "processed_events" in s]  # the claim went with BEGIN, below SQLAlchemy
    assert [s for s in statements if "FROM identities JOIN members" in " ".join(s.split())]  # the speaker, read
    assert [s for s in statements if s.startswith("INSERT INTO outbox")]  # the answer, with COMMIT
    assert len(taker.taken) == 2 and "Alice" in taker.taken[-1][0]  # handed over after the commit
    assert _count(pg_store, OutboxMessage) == 2
    assert _count(pg_store, ProcessedEvent) == 2
    assert dispatcher.handle(_whoami("$second"), deliver=True) is None  # the same event: nothing twice
    assert len(taker.taken) == 2 and _count(pg_store, OutboxMessage) == 2
    statements.clear()
    with round_trips(pg_store, tmp_path) as waited:
        reply = dispatcher.handle(_whoami("$third"), deliver=True)
    assert reply is not None and "Alice" in reply.text
    # the speaker's rows unchanged: their versions came with the claim, the rows from the cache (bot.services.speakers)
    assert waited == [4]
    assert not [s for s in statements if "FROM identities JOIN members" in " ".join(s.split())]


def test_a_commit_that_fails_hands_nothing_over_and_records_nothing(pg_store: Store, monkeypatch: pytest.MonkeyPatch):
    dispatcher, taker = _dispatcher(pg_store)
    assert dispatcher.handle(_whoami("$first"), deliver=True) is not None
    taken = [row_id for (row_id,) in _ids(pg_store)]
    ids = iter([taken[0]])  # the answer's row gets an id already used: its INSERT fails at the COMMIT
    real = outbox.new_id
    monkeypatch.setattr(outbox, "new_id", lambda session, now: next(ids, None) or real(session, now))
    reply = dispatcher.handle(_whoami("$second"), deliver=True)
    assert reply is not None and not reply.ok  # "something went wrong": said, in a transaction of its own
    assert len(taker.taken) == 2  # the first answer, then only the failure's message
    assert "Alice" not in taker.taken[-1][0]
    with pg_store.unit_of_work() as session:
        assert session.scalar(select(ProcessedEvent.id).where(ProcessedEvent.event_id == "$second")) is None


@contextmanager
def round_trips(store: Store, folder: Path) -> Iterator[list[int]]:
    """The round trips to the server, counted on exit: the ReadyForQuery messages libpq received on the
    store's two pooled connections (every exchange ends with one)."""
    pooled = [store.engine.raw_connection() for _ in range(2)]
    connections = [connection.driver_connection.pgconn for connection in pooled]
    for connection in pooled:
        connection.close()  # back to the pool, traced
    path = folder / "libpq.trace"
    counted: list[int] = []
    with path.open("w") as trace:
        for connection in connections:
            connection.trace(trace.fileno())
            connection.set_trace_flags(psycopg.pq.Trace.SUPPRESS_TIMESTAMPS)
        try:
            yield counted
        finally:
            for connection in connections:
                connection.untrace()
    counted.append(path.read_text().count("ReadyForQuery"))


def _ids(store: Store) -> list[tuple[str]]:
    with store.unit_of_work() as session:
        return [(row_id,) for row_id in session.scalars(select(OutboxMessage.id))]


def test_a_dead_connection_the_check_missed_runs_the_command_on_a_new_one(
    pg_store: Store, monkeypatch: pytest.MonkeyPatch
):
    """A server gone without a goodbye on the socket (a failover, a crash of its machine: nothing to
    read until a statement is sent) is only found when the command uses the connection: the command
    runs again on a new one, once, instead of "something went wrong"."""
    dispatcher, taker = _dispatcher(pg_store)
    assert dispatcher.handle(_whoami("$first"), deliver=True) is not None
    pooled = [pg_store.engine.raw_connection() for _ in range(2)]
    pids = [connection.driver_connection.info.backend_pid for connection in pooled]
    for connection in pooled:
        connection.close()
    admin = make_engine(pg_store.engine.url.render_as_string(hide_password=False))
    with admin.begin() as connection:  # the pool's two connections, idle, ended by the server
        for pid in pids:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()
    monkeypatch.setattr(db, "_readable", lambda fileno: False)  # the goodbye never came
    reply = dispatcher.handle(_whoami("$second"), deliver=True)
    assert reply is not None and reply.ok and "Alice" in reply.text
    assert "Alice" in taker.taken[-1][0]
    assert _count(pg_store, ProcessedEvent) == 2
    assert dispatcher.handle(_whoami("$second"), deliver=True) is None


def test_a_commit_whose_answer_is_lost_with_the_connection_is_not_said_failed(
    pg_store: Store, monkeypatch: pytest.MonkeyPatch
):
    """The connection lost as the COMMIT's answer comes back (it went through): the command is not run
    again (its claim was committed with it), its answer goes out once, and the speaker is not told that
    something went wrong and nothing was changed."""
    dispatcher, _taker = _dispatcher(pg_store)
    assert dispatcher.handle(_whoami("$first"), deliver=True) is not None
    real = db.commit_in_one_round_trip

    def committed_then_lost(session: Any, inserts: tuple[type, ...]) -> bool:
        driver = db.pipelined(session)
        assert real(session, inserts)
        driver.pgconn.finish()  # the server committed; its answer never arrived
        raise psycopg.OperationalError("consuming input failed: server closed the connection unexpectedly")

    monkeypatch.setattr("bot.dispatch.commit_in_one_round_trip", committed_then_lost)
    dispatcher.handle(_whoami("$second"), deliver=True)
    with pg_store.unit_of_work() as session:
        texts = list(session.scalars(select(OutboxMessage.text).order_by(OutboxMessage.created_at)))
    assert len(texts) == 2 and "Alice" in texts[-1]  # the answer, once; no "something went wrong"
    assert _count(pg_store, ProcessedEvent) == 2


def test_an_event_id_with_a_nul_is_not_taken_for_another_event(pg_store: Store):
    """libpq's escaping stops at a NUL: '$x\\0a' and '$x\\0b' were both claimed as '$x', and the second
    dropped without a word as if delivered twice. PostgreSQL cannot store the id: an error, as before."""
    dispatcher, _taker = _dispatcher(pg_store)
    assert dispatcher.handle(_whoami("$x"), deliver=True) is not None
    for event_id in ("$x\x00a", "$x\x00b"):
        with contextlib.suppress(DataError):  # (the answer to it cannot be stored either)
            assert dispatcher.handle(_whoami(event_id), deliver=True) is not None  # not taken for '$x'
    assert _count(pg_store, ProcessedEvent) == 1
