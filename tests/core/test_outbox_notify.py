"""Several Relais processes on one PostgreSQL database (a Slack HTTP front and workers, or any two
`relais run`): an answer written by one is delivered by the process that holds the platform at once,
through NOTIFY in the answer's own transaction and that process' LISTEN connection, not by its
fallback pass (an hour here). The LISTEN connection comes back after it is lost, and what was
written meanwhile is looked for as soon as it listens again.

Two Apps, each with its own engine and connections, stand for the two processes. PostgreSQL only
(SQLite's data_version watch is tested in test_wakeups): skipped without RELAIS_TEST_DATABASE_URL,
failed instead when RELAIS_REQUIRE_SERVERS=1 (CI)."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select, text

from bot.app import App, RunHooks
from bot.clock import SystemClock
from bot.config import config_from_dict
from bot.db import Store, make_engine
from bot.kinds import OutboxStatus
from bot.models import OutboxMessage
from bot.outbox import NOTIFY_CHANNEL, enqueue
from bot.reply import Incoming
from bot.services.channels import map_channels
from bot.wakeups import Wakeups
from relais.runner import Runner
from relais.wiring import build_app
from tests.support.schemas import fresh_schema_url
from tests.support.sender import RecordingSender
from tests.support.waiting import eventually

PG_URL = os.environ.get("RELAIS_TEST_DATABASE_URL")
ROOM = "matrix:!copil:hs"
HOUR = 3600.0


@pytest.fixture
def shared_url() -> Iterator[str]:
    """One fresh PostgreSQL schema at head, as the URL every process of a deployment is given."""
    if not PG_URL:
        why = "NOTIFY between processes needs PostgreSQL: set RELAIS_TEST_DATABASE_URL"
        if os.environ.get("RELAIS_REQUIRE_SERVERS") == "1":
            pytest.fail("RELAIS_REQUIRE_SERVERS=1 but " + why, pytrace=False)
        pytest.skip(why)
    with fresh_schema_url(PG_URL, "relais_notify") as url:
        yield url


@dataclass
class MatrixStandIn:
    """The worker's Matrix adapter: records what its delivery loop sends; the platform is up."""

    hooks: RunHooks
    platform: str = "matrix"
    sender: RecordingSender = field(default_factory=RecordingSender)
    online: asyncio.Event = field(default_factory=asyncio.Event)

    async def start(self) -> None:
        self.online.set()

    async def stop(self) -> None:
        pass


def app(url: str) -> App:
    config = config_from_dict(
        {"community": {"name": "Essonne", "language": "fr", "timezone": "Europe/Paris"}, "database": {"url": url}}
    )
    return build_app(config)


def rows(store: Store) -> list[tuple[str, int]]:
    with store.unit_of_work() as session:
        return [(row.status, row.attempts) for row in session.scalars(select(OutboxMessage))]


async def test_an_answer_written_by_one_process_is_delivered_by_the_other_at_once(shared_url):
    front, worker = app(shared_url), app(shared_url)
    map_channels(front.dispatcher, {ROOM: "COPIL"})
    adapters: list[MatrixStandIn] = []

    def matrix(_app: App, hooks: RunHooks) -> MatrixStandIn:
        adapters.append(MatrixStandIn(hooks))
        return adapters[-1]

    runner = Runner(worker, {"matrix": matrix}, poll_seconds=HOUR, schedule=False)
    stop = asyncio.Event()
    serving = asyncio.create_task(runner.serve(stop))
    try:
        await eventually(lambda: runner.watch is not None and runner.watch.watching, what="the worker to listen")
        deliverer = runner.deliverers[0]
        passes: list[int] = []
        original = deliverer.deliver_due

        async def counted() -> int:
            passes.append(await original())
            return passes[-1]

        deliverer.deliver_due = counted  # type: ignore[method-assign]
        deliverer.poke()
        await eventually(lambda: passes == [0], what="the worker's pass over an empty outbox")
        assert runner.watch is not None
        heard = runner.watch.heard

        reply = front.dispatcher.handle(
            Incoming(identity="matrix:@alice:hs", text="/engage Réserver la salle", channel=ROOM, display_name="Alice"),
            deliver=True,
        )
        assert reply is not None and "Réserver la salle" in reply.text
        assert rows(front.store) == [(OutboxStatus.PENDING, 0)]  # the front has no Matrix: it only wrote it

        await eventually(lambda: adapters[0].sender.sent, what="the worker to send the front's answer")
        assert adapters[0].sender.sent == [reply.text]
        await eventually(lambda: rows(front.store) == [(OutboxStatus.SENT, 1)], what="the row recorded as sent")
        await eventually(lambda: passes == [0, 1], what="the pass the NOTIFY started to end")
        assert runner.watch.heard > heard  # woken by the NOTIFY, an hour before its fallback pass
    finally:
        stop.set()
        await asyncio.wait_for(serving, 30)
        front.close()
        worker.close()


async def test_a_lost_listen_connection_comes_back_and_looks_for_what_was_missed(shared_url):
    here, there = Store(make_engine(shared_url)), Store(make_engine(shared_url))
    heard: list[str | None] = []
    wakeups = Wakeups(here, retry=0.05)
    wakeups.on(NOTIFY_CHANNEL, heard.append)
    listening = asyncio.ensure_future(wakeups.run())
    try:
        await eventually(lambda: wakeups.watching, what="the watch to start")
        lost = wakeups.backend
        with there.engine.begin() as connection:  # the server drops the listener (restart, idle timeout…)
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": lost})
        await eventually(lambda: wakeups.watching and wakeups.backend != lost, what="the watch to come back")
        assert heard == [None]  # listening again: the delivery loop looks for what it may have missed
        with there.unit_of_work() as session:
            enqueue(session, SystemClock().now(), "après la coupure", channel="slack:T/C")
        await eventually(lambda: len(heard) == 2, what="the next row to be heard")
        assert heard == [None, "slack"]
    finally:
        listening.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await listening
        here.engine.dispose()
        there.engine.dispose()
