"""What other processes wrote, as soon as they commit: so that `relais run` waits instead of polling.

* PostgreSQL: a connection of its own LISTENs on the channels asked for (`relais_outbox` with the
  platform as payload, `relais_directory`); transactions NOTIFY them (bot.outbox,
  bot.services.directory), and PostgreSQL delivers a notification only if its transaction commits.
  The socket is watched by the event loop: no thread, no query while nothing happens.
* SQLite: `PRAGMA data_version` on a connection of its own changes when any other connection
  commits; it is read every `interval` seconds (a few microseconds, no lock) and every listener
  is called, with no payload, when it moved.

Listeners are called on the event loop. After a reconnection every listener is called too
(notifications may have been missed meanwhile).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from bot.db import Store

log = logging.getLogger(__name__)
Listener = Callable[[str | None], None]  # the payload (None: something may have changed)


class Wakeups:
    def __init__(self, store: Store, interval: float = 1.0, retry: float = 5.0) -> None:
        self.store = store
        self.interval = interval
        self.retry = retry
        self.listeners: dict[str, list[Listener]] = {}
        self.heard = 0  # notifications (or changes) seen, for tests and logs
        self.watching = False  # connected and listening

    def on(self, channel: str, listener: Listener) -> None:
        self.listeners.setdefault(channel, []).append(listener)

    def _call(self, channel: str, payload: str | None) -> None:
        self.heard += 1
        for listener in self.listeners.get(channel, ()):
            try:
                listener(payload)
            except Exception:
                log.exception("a wake-up listener failed (%s)", channel)

    def _everyone(self) -> None:
        for channel in self.listeners:
            self._call(channel, None)

    async def run(self) -> None:
        """Until cancelled; a lost connection is opened again after `retry` seconds."""
        if not self.listeners:
            return
        watch = self._listen if self.store.dialect == "postgresql" else self._poll_data_version
        while True:
            try:
                await watch()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("watching the database for other processes failed (%r); again in %s s", error, self.retry)
            await asyncio.sleep(self.retry)
            self._everyone()

    # ------------------------------------------------------------------ SQLite

    async def _poll_data_version(self) -> None:
        connection = self.store.engine.raw_connection()
        try:
            cursor = connection.cursor()
            last = cursor.execute("PRAGMA data_version").fetchone()[0]
            self.watching = True
            while True:
                await asyncio.sleep(self.interval)
                version = cursor.execute("PRAGMA data_version").fetchone()[0]
                if version != last:
                    last = version
                    for channel in self.listeners:
                        self._call(channel, None)
        finally:
            self.watching = False
            with contextlib.suppress(Exception):
                connection.close()

    # ------------------------------------------------------------------ PostgreSQL

    async def _listen(self) -> None:
        pooled = self.store.engine.raw_connection()
        connection: Any = pooled.driver_connection
        pooled.detach()  # its own connection: LISTEN stays with it, never handed to a unit of work
        loop = asyncio.get_running_loop()
        lost: asyncio.Future[None] = loop.create_future()
        try:
            connection.autocommit = True
            for channel in self.listeners:
                connection.execute(f'LISTEN "{channel}"')
            socket = connection.pgconn.socket

            def readable() -> None:
                try:
                    connection.pgconn.consume_input()
                    while (notice := connection.pgconn.notifies()) is not None:
                        self._call(notice.relname.decode(), notice.extra.decode() or None)
                except Exception as error:
                    if not lost.done():
                        lost.set_exception(error)

            loop.add_reader(socket, readable)
            self.watching = True
            try:
                await lost
            finally:
                loop.remove_reader(socket)
        finally:
            self.watching = False
            with contextlib.suppress(Exception):
                connection.close()
