"""Every PostgreSQL connection of the pool has TCP keep-alives (libpq's keepalives, keepalives_idle,
keepalives_interval, keepalives_count and tcp_user_timeout): a connection whose server vanished without a
word (a failover, a cut network) fails within about 90 s instead of hanging for the system's 15 minutes
or more, and the check before use then finds it broken; a new connection to a server that says nothing
gives up after connect_timeout. The URL's query string has the last word. Seen
where it counts: on the socket the kernel probes (getsockopt), and in what libpq was given."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from bot.db import KEEPALIVES, Store, keepalives, make_engine
from bot.wakeups import Wakeups
from tests.conftest import PG_URL
from tests.support.waiting import eventually

pytestmark = pytest.mark.skipif(not PG_URL, reason="PostgreSQL tests need RELAIS_TEST_DATABASE_URL")
TCP = socket.IPPROTO_TCP


def on_socket(connection: Any) -> dict[str, int]:
    """What the kernel does with the connection's socket."""
    sock = socket.socket(fileno=connection.pgconn.socket)
    try:
        return {
            "keepalives": sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE),
            "keepalives_idle": sock.getsockopt(TCP, socket.TCP_KEEPIDLE),
            "keepalives_interval": sock.getsockopt(TCP, socket.TCP_KEEPINTVL),
            "keepalives_count": sock.getsockopt(TCP, socket.TCP_KEEPCNT),
            "tcp_user_timeout": sock.getsockopt(TCP, socket.TCP_USER_TIMEOUT),
        }
    finally:
        sock.detach()  # the socket stays libpq's


def pooled(url: str, **options: Any) -> tuple[dict[str, int], dict[str, str]]:
    """A new connection of a new engine: its socket's settings, and the parameters libpq was given."""
    engine = make_engine(url, **options)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            driver: Any = connection.connection.driver_connection
            return on_socket(driver), driver.info.get_parameters()
    finally:
        engine.dispose()


def test_a_new_connection_has_tcp_keepalives():
    sock, given = pooled(PG_URL)
    assert sock == {"keepalives": 1, "keepalives_idle": 60, "keepalives_interval": 10, "keepalives_count": 3,
                    "tcp_user_timeout": 90_000}  # fmt: skip
    assert given["connect_timeout"] == "10"
    assert {key: given[key] for key in KEEPALIVES} == {key: str(value) for key, value in KEEPALIVES.items()}


def test_the_urls_query_string_has_the_last_word():
    url = make_url(PG_URL).update_query_dict({"keepalives_idle": "5", "tcp_user_timeout": "0"})
    sock, _ = pooled(url.render_as_string(hide_password=False))
    assert sock["keepalives_idle"] == 5 and sock["tcp_user_timeout"] == 0  # the operator's
    assert sock["keepalives_interval"] == 10 and sock["keepalives"] == 1  # the others, Relais'
    off = make_url(PG_URL).update_query_dict({"keepalives": "0"}).render_as_string(hide_password=False)
    assert pooled(off)[0]["keepalives"] == 0


def test_other_connect_args_are_kept_beside_them():
    """A caller's connect_args (a schema's search_path, as the tests and operators pass) add to them."""
    sock, given = pooled(PG_URL, connect_args={"options": "-csearch_path=public", "keepalives_count": 7})
    assert given["options"] == "-csearch_path=public" and sock["keepalives_count"] == 7
    assert sock["keepalives_idle"] == 60


def test_only_what_the_url_does_not_say():
    assert keepalives({"keepalives_idle": "30"}) == {
        key: v for key, v in KEEPALIVES.items() if key != "keepalives_idle"
    }


async def test_the_listening_connection_has_them_too():
    """The connection that LISTENs for other processes' outbox rows comes from the engine: the same keep-alives,
    the URL's word included (it used to set 60/10/3 on its socket itself, over whatever the URL said)."""
    url = make_url(PG_URL).update_query_dict({"keepalives_idle": "45"}).render_as_string(hide_password=False)
    store = Store(make_engine(url))
    opened: list[Any] = []
    raw_connection = store.engine.raw_connection

    def recorded() -> Any:
        fairy = raw_connection()
        opened.append(fairy.driver_connection)  # before the listener detaches it from the pool
        return fairy

    store.engine.raw_connection = recorded  # type: ignore[method-assign]
    wakeups = Wakeups(store)
    wakeups.on("relais_outbox", lambda payload: None)
    task = asyncio.create_task(wakeups.run())
    try:
        await eventually(lambda: wakeups.watching, what="the LISTEN connection")
        assert on_socket(opened[0]) == {
            **{key: value for key, value in KEEPALIVES.items() if key != "connect_timeout"},
            "keepalives_idle": 45,
        }
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        store.engine.dispose()


def test_a_server_that_accepts_and_never_answers_is_given_up_on():
    """A connection attempt to a server that took the TCP connection and says nothing (a frozen machine, a
    stuck proxy) fails after connect_timeout, instead of hanging the process for ever (libpq's default)."""
    with socket.create_server(("127.0.0.1", 0)) as mute:
        port = mute.getsockname()[1]
        url = make_url(PG_URL).set(host="127.0.0.1", port=port).update_query_dict({"connect_timeout": "2"})
        engine = make_engine(url.render_as_string(hide_password=False))
        started = time.monotonic()
        try:
            with pytest.raises(OperationalError, match="timeout"):
                engine.connect()
        finally:
            engine.dispose()
        assert time.monotonic() - started < 10
