"""A heavy scheduled round (recaps, digests, nudges) in a process of its own, at a lower priority.

`relais run` answers commands in threads of its one process. A round run in another of its threads
holds the interpreter (the GIL) for tens of milliseconds at a time (psycopg converting a window of
rows), and every command waits for it: on PostgreSQL, p95 35–52 ms during the nudge round against
5–6 ms alone (docs/benchmarks.md, issue 11). In a process of its own (relais.round_child) the round
holds only its own interpreter, and at a lower priority the kernel favours the commands' process.

The scheduler asks for it only when a heavy round is due (schedules.rounds.is_heavy); everything
else (the resync every minute, reminders, agendas) stays in a thread of `relais run`. The child is a
fresh interpreter (not a fork: this process has threads and open connections), started with
sys.executable -P (a relais/ folder in the working directory shadows nothing; the working directory,
and so a relative SQLite path, is this process's), that opens the same database (at this code's revision,
never upgraded: relais.wiring.round_store), runs run_due with this process's `now` (its clock may be
injected), and sends back that it started, the rounds of digests or nudges it claims, its log records
(logged here, as this process's own) and its outcomes (without the posts' texts). A stop gives the round
ROUND_WAIT seconds, as before; past that, `relais run` waits for its child before exiting (systemd's stop:
up to TimeoutStopSec). A child killed leaves what it committed: the rounds it said it claimed are dated back
(schedules.direct.release_claims), and the next run finishes them, writing to nobody twice; a recap not
committed is built again. A child that cannot be started, dies before it said it started (a broken
installation), or refuses (the code on disk is not this process's, updated without a restart; the database
cannot be opened, or is not at this code's revision) has the round run in this process: rounds are never
left undone. After a refusal for the code, heavy rounds stay in this process until the restart.

Not apart: an in-memory SQLite database (a child would open another, empty one) and a store not built
from the configuration by relais.wiring.build_app (tests hand their own).
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
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
    """How `relais run`'s scheduler runs a heavy round: in a child process (None: in its own thread).
    Called at start: the code the children must run is the one found now."""
    url = app.config.database_url
    if app.store.extensions.get(BUILT_FROM) != url or in_memory(url):
        return None
    from relais.round_child import code_identity

    return RoundProcess(app, code_identity())


@dataclass
class Heard:
    """What the child said before its outcomes: that it started, the rounds it claimed, why it refused."""

    started: bool = False
    claimed: list[int] = field(default_factory=list)
    refused: str | None = None
    code_changed: bool = False  # it refused for the code on disk: every later child would too


class RoundProcess:
    """run_apart for `relais run`'s App and code; once a child refused this code (updated on disk without
    a restart), heavy rounds stay in this process until the restart, said once."""

    def __init__(self, app: App, code: str) -> None:
        self.app, self.code, self.apart = app, code, True

    def __call__(self, now: datetime) -> list[Outcome]:
        if not self.apart:
            return run_due(self.app, self.app.config, now)
        outcomes, heard = run_apart(self.app, self.code, now)
        if heard.code_changed:
            self.apart = False
        return outcomes


def run_apart(app: App, code: str, now: datetime) -> tuple[list[Outcome], Heard]:
    """Run run_due(now) in a child process; log what it logs; its outcomes once it is done (the calling
    thread waits for it). A child that died: the rounds it claimed released, no outcome (or, when it died
    before it started, the round run here); one that refused: the round run here."""
    from multiprocessing.connection import Connection  # imported when a round needs it: not at start

    heard = Heard()
    mine, theirs = socket.socketpair()
    with theirs:
        try:
            process = subprocess.Popen(  # -P: a relais/ folder in the working directory shadows nothing
                [sys.executable, "-P", "-m", CHILD, str(theirs.fileno())],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
            )
        except OSError:  # no process to be had (memory, process limit): the round is not left undone
            mine.close()
            log.warning("the scheduled round's process could not be started: the round runs in this one")
            return run_due(app, app.config, now), heard
    connection = Connection(mine.detach())
    try:
        outcomes = talk(connection, app, code, now, heard)
    finally:
        connection.close()
        exit_code = process.wait()
    return after(app, now, outcomes, heard, exit_code), heard


def talk(connection: Connection, app: App, code: str, now: datetime, heard: Heard) -> list[Outcome] | None:
    from relais.round_child import Request

    path = [os.path.abspath(entry) for entry in sys.path]  # "" (this directory) the same in the child
    try:
        connection.send(path)
        connection.send(Request(app.config, now, logging.getLogger().getEffectiveLevel(), code, child_setup))
    except OSError:
        pass  # it died already: said below
    return relay(connection, heard)


def after(app: App, now: datetime, outcomes: list[Outcome] | None, heard: Heard, code: int) -> list[Outcome]:
    """What the child's end means, once it is reaped (nothing of it runs any more)."""
    if heard.refused is not None:
        log.warning("the scheduled round's process refused the round (%s): it runs in this one", heard.refused)
        return run_due(app, app.config, now)
    if outcomes is not None:
        return outcomes
    released = release_claims(app.store, heard.claimed, now)  # the dead child's claims, those only
    if not heard.started:  # it died before a word (a broken installation?): never no rounds at all
        log.warning("the scheduled round's process failed to start (exit code %s): the round runs in this one", code)
        return run_due(app, app.config, now)
    log.error(
        "the scheduled round's process stopped before the end (exit code %s); %d round(s) of digests or nudges"
        " released: the next run finishes them",
        code,
        released,
    )
    return []


def relay(connection: Connection, heard: Heard) -> list[Outcome] | None:
    """Log the child's records as they come, note what it says; its outcomes (None: it died, or refused)."""
    while True:
        try:
            what, value = connection.recv()
        except (EOFError, OSError):
            return None
        if what == "log":
            logging.getLogger(value.name).handle(value)
        elif what == "started":
            heard.started = True
        elif what == "claimed":
            heard.claimed.append(value)
        elif what == "refused":
            heard.refused, heard.code_changed = value
            return None
        else:
            return value  # type: ignore[no-any-return]
