"""A stand-in for `relais run` in a process of its own, for tests/schedules/test_round_faults.py:

    python -m tests.schedules.round_parent DATABASE FOLDER NOW

runs the heavy round due at NOW through relais.round_process, its child held once one member's digest is
committed (round_hooks.hold_after): the test kills this process alone, as `kill -9` or the OOM killer would."""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import datetime
from functools import partial

from bot.clock import FixedClock
from relais import round_process
from relais.wiring import build_app
from tests.schedules import round_hooks
from tests.schedules.support import schedules_config


def main(database: str, folder: str, now: str) -> None:
    config = replace(schedules_config(), database_url=f"sqlite:///{database}")
    app = build_app(config, FixedClock(datetime.fromisoformat(now)))
    round_process.child_setup = partial(round_hooks.hold_after, folder, 1)
    apart = round_process.apart_for(app)
    assert apart is not None
    apart(datetime.fromisoformat(now))


if __name__ == "__main__":
    main(*sys.argv[1:])
