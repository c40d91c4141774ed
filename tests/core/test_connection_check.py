"""A pooled PostgreSQL connection the server dropped (a restart, pg_terminate_backend) is replaced
before a unit of work uses it: the command after a database restart works, and a healthy pooled
connection is taken without a round trip (no pre-ping: issue 11, the Matrix round trip)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, text

from bot.db import Store, make_engine
from tests.support.waiting import eventually


def _backend(store: Store) -> int:
    with store.unit_of_work() as session:
        return int(session.execute(text("SELECT pg_backend_pid()")).scalar_one())


async def test_a_connection_the_server_dropped_is_replaced_before_use(fresh_url):
    url, options = fresh_url
    store = Store(make_engine(url, **options, pool_size=1, max_overflow=0))
    if store.dialect != "postgresql":
        store.engine.dispose()
        return  # SQLite has no server to go away
    admin = make_engine(url, **options)
    try:
        first = _backend(store)
        with admin.begin() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        await eventually(lambda: _dropped(store), what="the server's goodbye to reach the pooled connection")
        assert _backend(store) != first  # a new connection, and no error for the unit of work
    finally:
        admin.dispose()
        store.engine.dispose()


def _dropped(store: Store) -> bool:
    """The pooled connection's socket has something to read (the server's goodbye)."""
    import select

    pooled: Any = store.engine.pool._pool.queue[0]  # type: ignore[attr-defined]
    socket = pooled.dbapi_connection.pgconn.socket
    return bool(select.select([socket], [], [], 0)[0])


def test_a_healthy_pooled_connection_costs_no_statement(fresh_url):
    url, options = fresh_url
    store = Store(make_engine(url, **options))
    if store.dialect != "postgresql":
        store.engine.dispose()
        return
    try:
        _backend(store)  # the pool holds a connection now
        sent: list[str] = []
        event.listen(store.engine, "before_cursor_execute", lambda *args: sent.append(args[2]))
        pings: list[object] = []
        store.engine.dialect.do_ping = lambda connection: pings.append(connection) or True  # type: ignore[method-assign]
        assert _backend(store)
        assert sent == ["SELECT pg_backend_pid()"]
        assert not pings
    finally:
        store.engine.dispose()


def test_a_process_with_many_descriptors_still_uses_its_connections(fresh_url):
    """select() refuses descriptors from 1024 on: a process holding that many (a busy Slack front,
    the dashboard) could not use any new PostgreSQL connection ("This connection is closed")."""
    import os
    import resource

    import pytest

    url, options = fresh_url
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 1200:
        pytest.skip("fewer than 1,200 descriptors allowed here")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 1200), hard))
    store = Store(make_engine(url, **options))
    if store.dialect != "postgresql":
        store.engine.dispose()
        return  # no socket to look at
    held = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]
    try:
        assert _backend(store) and _backend(store)  # a new connection, then the pooled one
    finally:
        store.engine.dispose()
        for descriptor in held:
            os.close(descriptor)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
