"""A heavy scheduled round (recaps, digests, nudges) in a process of its own, at a lower priority.

`relais run` answers commands in threads of its one process. A round run in another of its threads
holds the interpreter (the GIL) for tens of milliseconds at a time (psycopg converting a window of
rows), and every command waits for it: on PostgreSQL, p95 35–52 ms during the nudge round against
5–6 ms alone (docs/benchmarks.md, issue 11). In a process of its own (relais.round_child) the round
holds only its own interpreter, and at a lower priority the kernel favours the commands' process.

The scheduler asks for it only when a heavy round is due (schedules.rounds.heavy_due); everything
else (the resync every minute, reminders, agendas) stays in a thread of `relais run`. The child is a
fresh interpreter (not a fork: this process has threads and open connections), started with
sys.executable, that builds its App from the same configuration, runs run_due with this process's
`now` (its clock may be injected), and sends back its log records (logged here, as this process's
own) and its outcomes. A stop gives the round ROUND_WAIT seconds, as before; past that, `relais run`
waits for its child before exiting (systemd's stop: up to TimeoutStopSec). A child killed leaves what
it committed: the digests or nudges it had claimed are dated back (schedules.direct.release_claims),
and the next run finishes them, writing to nobody twice; a recap not committed is built again. A child
that cannot be started, or dies before a word (a broken installation), has the round run in this process:
rounds are never left undone.

Not apart: an in-memory SQLite database (a child would open another, empty one) and a store not built
from the configuration by relais.wiring.build_app (tests hand their own).
"""

from __future__ import annotations

import logging
import socket
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url

from bot.app import App
from bot.db import normalise_url
from relais.wiring import BUILT_FROM
from schedules.direct import release_claims
from schedules.occurrences import Outcome
from schedules.rounds import run_due

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

log = logging.getLogger(__name__)
CHILD = "relais.round_child"
child_setup: Callable[[], None] | None = None  # run first in the child (tests/matrix/crashing.py: its crash points)


def in_memory(url: str) -> bool:
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() != "sqlite":
        return False
    return parsed.database in (None, "", ":memory:") or parsed.query.get("mode") == "memory"


def apart_for(app: App) -> Callable[[datetime], list[Outcome]] | None:
    """How `relais run`'s scheduler runs a heavy round: in a child process (None: in its own thread)."""
    url = app.config.database_url
    if app.store.extensions.get(BUILT_FROM) != url or in_memory(url):
        return None
    return partial(run_apart, app)


def run_apart(app: App, now: datetime) -> list[Outcome]:
    """Run run_due(now) in a child process; log what it logs; its outcomes once it is done (the calling
    thread waits for it). A child that died: its claims released, no outcome."""
    from multiprocessing.connection import Connection  # imported when a round needs it: not at start

    from relais.round_child import Request

    mine, theirs = socket.socketpair()
    with theirs:
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", CHILD, str(theirs.fileno())],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
            )
        except OSError:  # no process to be had (memory, process limit): the round is not left undone
            mine.close()
            log.warning("the scheduled round's process could not be started: the round runs in this one")
            return run_due(app, app.config, now)
    connection = Connection(mine.detach())
    heard: list[bool] = []
    try:
        try:
            connection.send(sys.path)
            connection.send(Request(app.config, now, logging.getLogger().getEffectiveLevel(), child_setup))
        except OSError:
            pass  # it died already: said below
        outcomes = relay(connection, heard)
    finally:
        connection.close()
        code = process.wait()
    if outcomes is None and not heard:  # it died before a word (a broken installation?): never no rounds at all
        log.warning("the scheduled round's process failed to start (exit code %s): the round runs in this one", code)
        return run_due(app, app.config, now)
    if outcomes is None:
        released = release_claims(app.store, now)
        log.error(
            "the scheduled round's process stopped before the end (exit code %s); %d round(s) of digests or nudges"
            " released: the next run finishes them",
            code,
            released,
        )
        return []
    return outcomes


def relay(connection: Connection, heard: list[bool]) -> list[Outcome] | None:
    """Log the child's records as they come; its outcomes (None: it died, or could not run the round).
    `heard` gets True once the child said anything (it started)."""
    while True:
        try:
            what, value = connection.recv()
        except (EOFError, OSError):
            return None
        heard[:] = [True]
        if what == "log":
            logging.getLogger(value.name).handle(value)
        else:
            return value  # type: ignore[no-any-return]
