"""Run first in a round's own process (relais.round_process.child_setup), for tests/schedules/test_round_process.py:
`hold` makes the round wait for a file before its digests or nudges (after writing its pid), `hold_after`
waits there once `count` members' rows of a round of digests or nudges are committed, `kill_after` kills
the process with SIGKILL there, `broken` fails before the round (as a broken installation would)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any


def started(folder: str) -> None:
    """`started` holds this process's pid once it exists (written aside, then renamed: never seen empty)."""
    aside = Path(folder) / f"started.{os.getpid()}"
    aside.write_text(str(os.getpid()))
    aside.rename(Path(folder) / "started")


def wait_for_go(folder: str) -> None:
    while not (Path(folder) / "go").exists():  # the test says when: no fixed pause
        time.sleep(0.005)


def hold(folder: str) -> None:
    from schedules import rounds

    real = rounds.run_direct

    def run_direct(*args: Any) -> Any:
        started(folder)
        wait_for_go(folder)
        return real(*args)

    rounds.run_direct = run_direct  # type: ignore[assignment]


def hold_after(folder: str, count: int) -> None:
    """As kill_after, but the process waits there (its claim and `count` members' rows committed)."""
    from schedules import direct

    real = direct.enqueue
    direct.BATCH = 1
    seen = {"n": 0}

    def enqueue(*args: Any, **kwargs: Any) -> Any:
        if seen["n"] == count:
            started(folder)
            wait_for_go(folder)
        seen["n"] += 1
        return real(*args, **kwargs)

    direct.enqueue = enqueue  # type: ignore[assignment]


def kill_after(count: int) -> None:
    from schedules import direct

    real = direct.enqueue
    direct.BATCH = 1  # one member per transaction
    seen = {"n": 0}

    def enqueue(*args: Any, **kwargs: Any) -> Any:
        if seen["n"] == count:  # `count` members' rows committed, the next one's transaction open
            os.kill(os.getpid(), signal.SIGKILL)
        seen["n"] += 1
        return real(*args, **kwargs)

    direct.enqueue = enqueue  # type: ignore[assignment]


def broken() -> None:
    raise RuntimeError("the round's process cannot run (a broken installation, say)")
