"""cProfile timed by the main thread's CPU time, not the wall clock: where the processor goes.

    python -m bench.cpu_profile OUT -m MODULE ARGS…

The profile runs from SIGUSR1 (sent by the benchmark once warmed up) to SIGUSR2 or the exit,
and is written to OUT. A wall-clock profile of an asyncio program is dominated by the time spent
waiting (epoll, a blocking database driver); this one counts only what the main thread computes.
"""

from __future__ import annotations

import atexit
import cProfile
import runpy
import signal
import sys
import time
from typing import Any


def main() -> None:
    out, flag, module = sys.argv[1:4]
    if flag != "-m":
        raise SystemExit(__doc__)
    sys.argv = [module, *sys.argv[4:]]
    profile = cProfile.Profile(time.thread_time)
    state = {"on": False, "written": False}

    def start(*_: Any) -> None:
        state["on"] = True
        profile.enable()

    def stop(*_: Any) -> None:
        if state["on"] and not state["written"]:
            profile.disable()
            profile.dump_stats(out)
            state["written"] = True

    signal.signal(signal.SIGUSR1, start)
    signal.signal(signal.SIGUSR2, stop)
    atexit.register(stop)
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
