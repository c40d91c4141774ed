"""The process a heavy scheduled round runs in (started by relais.round_process; not a command to type).

    python -P -m relais.round_child FD

FD is one end of a socket pair with the parent (`relais run`): it reads the parent's sys.path, then a
Request (the configuration, the round's `now`, the log level, the parent's code, what to run first), says
("started", pid) whatever the log level, refuses (("refused", (why, code changed)): the round then runs in the parent)
when the code on disk is not the parent's or the database is not at its revision (it never upgrades it),
runs schedules.rounds.run_due, and sends back its log records as they come, ("claimed", id) for each round
of digests or nudges before its claim commits, and its outcomes at the end (without the posts' texts).

It lowers its own priority before anything else (its imports included), and offers itself first to the
kernel's OOM killer (oom_score_adj +300: the round, not the bot). SIGINT is ignored, and SIGTERM while
its parent lives: a stop (systemd signals every process of the service, a terminal's Ctrl-C every
process of its group) lets the round finish, as it did in a thread of `relais run`. Once the parent is
gone (killed alone), SIGTERM ends it at once: a round of digests or nudges half written has its claim
dated back on the way out (schedules.direct.run_direct), and the next start finishes it.
"""

from __future__ import annotations

import copy
import hashlib
import logging
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from multiprocessing.connection import Connection
from pathlib import Path
from types import FrameType
from typing import Any

NICENESS = 10  # the kernel favours the commands' process when both want the processor
OOM_SCORE_ADJ = 300  # added to this process's: under memory pressure the kernel kills the round first
PACKAGES = ("bot", "commands", "schedules", "relais")  # the code a round runs


@dataclass(frozen=True)
class Request:
    config: Any  # bot.config.Config (imported only once the priority is lowered)
    now: datetime
    level: int  # the parent's log level
    code: str  # the parent's code (code_identity, at its start)
    setup: Callable[[], None] | None = None  # run first (tests/matrix/crashing.py: its crash points)


class Refused(Exception):
    """The round is not run in this process (the reason is said to the parent). `code_changed`: the code on disk
    is not the parent's, so every later child would refuse too."""

    def __init__(self, why: str, code_changed: bool = False) -> None:
        super().__init__(why)
        self.code_changed = code_changed


def code_identity() -> str:
    """The code a process runs, as found on disk: the package's version, the schema's head revision and
    every module's size and modification time (a `git pull` or `pip install -U` changes it)."""
    from importlib.metadata import PackageNotFoundError, version

    from bot.db import head_revision

    try:
        found = version("relais")
    except PackageNotFoundError:
        found = "?"
    digest = hashlib.sha256()
    for package in PACKAGES:
        spec = sys.modules.get(package) or __import__(package)
        for folder in getattr(spec, "__path__", []):
            for path in sorted(Path(folder).rglob("*.py")):
                stat = path.stat()
                digest.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return f"{found} {head_revision()} {digest.hexdigest()[:16]}"


class ToParent(logging.Handler):
    """Each log record, its message and traceback formatted, sent to the parent, which logs it as its own;
    written to the inherited stderr (the journal) once the parent is gone. A record that cannot be
    formatted or sent is reported by logging (handleError), never raised into the round."""

    def __init__(self, connection: Connection) -> None:
        super().__init__()
        self.connection = connection
        self.gone = False
        self.stderr = logging.StreamHandler(sys.stderr)
        self.stderr.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if self.gone:
                self.stderr.emit(record)
                return
            flat = copy.copy(record)
            flat.msg, flat.args = self.format(record), None
            flat.exc_info = flat.exc_text = flat.stack_info = None
            try:
                self.connection.send(("log", flat))
            except OSError:  # the parent is gone (killed): the round goes on, its work is in the database
                self.gone = True
                self.stderr.emit(record)
        except Exception:
            self.handleError(record)


def prepare(request: Request, connection: Connection) -> Any:
    """The store the round runs in; Refused when the code or the database is not the parent's."""
    try:
        if request.setup is not None:
            request.setup()
        from relais.wiring import round_store
        from schedules.direct import CLAIM_WATCH

        if code_identity() != request.code:
            changed = "the code on disk is not the one relais run started with (updated without a restart?)"
            raise Refused(changed, code_changed=True)
        store = round_store(request.config)
    except Refused:
        raise
    except Exception as error:
        raise Refused(f"{type(error).__name__}: {error}") from error

    def tell(occurrence_id: int) -> None:
        try:
            connection.send(("claimed", occurrence_id))
        except OSError:  # the parent is gone: the claim stands, this process finishes the round or dates it back
            pass

    store.extensions[CLAIM_WATCH] = tell
    return store


def run(request: Request, connection: Connection) -> tuple[str, Any]:
    """The round: ("done", its outcomes, their posts' texts left here), or ("refused", (why, code changed))."""
    try:
        store = prepare(request, connection)
    except Refused as refusal:
        return "refused", (str(refusal), refusal.code_changed)
    from schedules.rounds import run_due

    logging.getLogger("relais.round_child").info("scheduled round in a process of its own (pid %d)", os.getpid())
    try:
        return "done", [replace(outcome, posts=()) for outcome in run_due(store, request.config, request.now)]
    finally:
        store.engine.dispose()


def on_sigterm(parent: int, _signum: int, _frame: FrameType | None) -> None:
    """Ignored while the parent lives (it waits for this round); once it is gone, the end."""
    if os.getppid() != parent:
        raise SystemExit(128 + signal.SIGTERM)


def lower_priority() -> None:
    os.nice(NICENESS)
    try:
        path = Path("/proc/self/oom_score_adj")
        path.write_text(str(min(1000, int(path.read_text()) + OOM_SCORE_ADJ)))
    except (OSError, ValueError):
        pass  # not Linux: the priority alone


def main(argv: list[str]) -> int:
    lower_priority()
    parent = os.getppid()
    signal.signal(signal.SIGTERM, lambda signum, frame: on_sigterm(parent, signum, frame))
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    connection = Connection(int(argv[0]))
    sys.path[:] = connection.recv()  # the parent's: what it imports, this process finds
    request: Request = connection.recv()
    connection.send(("started", os.getpid()))  # whatever the log level: a death from now on is a round cut short
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.addHandler(ToParent(connection))
    root.setLevel(request.level)
    what, value = run(request, connection)
    try:
        connection.send((what, value))
    except OSError:
        return 1
    return 0 if what == "done" else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
