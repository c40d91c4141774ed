"""The process a heavy scheduled round runs in (started by relais.round_process; not a command to type).

    python -m relais.round_child FD

FD is one end of a socket pair with the parent (`relais run`): it reads the parent's sys.path, then a
Request (the configuration, the round's `now`, the log level, what to run first), builds its App from
the configuration, runs schedules.rounds.run_due, and sends back its log records as they come and its
outcomes at the end. It lowers its own priority before anything else (its imports included) and ignores
SIGTERM and SIGINT: a stop (systemd signals every process of the service, a terminal's Ctrl-C every
process of its group) lets the round finish, as it did in a thread of `relais run`.
"""

from __future__ import annotations

import copy
import logging
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.connection import Connection
from typing import Any

NICENESS = 10  # the kernel favours the commands' process when both want the processor


@dataclass(frozen=True)
class Request:
    config: Any  # bot.config.Config (imported only once the priority is lowered)
    now: datetime
    level: int  # the parent's log level
    setup: Callable[[], None] | None = None  # run first (tests/matrix/crashing.py: its crash points)


class ToParent(logging.Handler):
    """Each log record, its message and traceback formatted, sent to the parent, which logs it as its own."""

    def __init__(self, connection: Connection) -> None:
        super().__init__()
        self.connection = connection
        self.gone = False

    def emit(self, record: logging.LogRecord) -> None:
        if self.gone:
            return
        flat = copy.copy(record)
        flat.msg, flat.args = self.format(record), None
        flat.exc_info = flat.exc_text = flat.stack_info = None
        try:
            self.connection.send(("log", flat))
        except OSError:  # the parent is gone (killed): the round goes on, its work is in the database
            self.gone = True


def run(request: Request, connection: Connection) -> Any:
    """The round; its outcomes (None when the App could not be built: said in the log)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.addHandler(ToParent(connection))
    root.setLevel(request.level)
    if request.setup is not None:
        request.setup()
    from bot.clock import FixedClock
    from relais.wiring import build_app
    from schedules.rounds import run_due

    try:
        app = build_app(request.config, clock=FixedClock(request.now))
    except Exception:
        logging.getLogger("relais.round_child").exception("the round's process could not open the database")
        return None
    logging.getLogger("relais.round_child").info("scheduled round in a process of its own (pid %d)", os.getpid())
    try:
        return run_due(app, app.config, request.now)
    finally:
        app.close()


def main(argv: list[str]) -> int:
    os.nice(NICENESS)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    connection = Connection(int(argv[0]))
    sys.path[:] = connection.recv()  # the parent's: what it imports, this process finds
    request: Request = connection.recv()
    outcomes = run(request, connection)
    try:
        connection.send(("done", outcomes))
    except OSError:
        return 1
    return 0 if outcomes is not None else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
