"""CPU time of a piece of work: this process's, plus the PostgreSQL server processes serving it.

On a 2-core machine shared with other work, a wall-clock figure mostly measures the queue for the
processor (with ten runnable processes, a second of work takes five). The CPU time spent on the
work does not wait in that queue: it is what the same work takes on an idle machine, give or take
the memory caches other processes evict. Measured next to the wall clock, it lets a figure taken on
a busy machine be compared with its target.

SQLite runs inside this process: `time.process_time()` counts it; the recap charts are drawn by a child
process (bot.posts.chart_draw), whose CPU is counted too. PostgreSQL works in one server
process per connection: each connection of the engine is asked its `pg_backend_pid()` once, and
that process's CPU is read from /proc (Linux, server on this machine; otherwise only this
process's CPU is counted, and `server` says so).
"""

from __future__ import annotations

import os
import time
from typing import Any

from sqlalchemy import Engine, event, text

TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _process_cpu(pid: int) -> float | None:
    """utime + stime of a process, in seconds (None: not readable here)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICK  # fields 14 and 15 of proc(5), after "pid (comm)"


class CpuMeter:
    """CPU seconds spent by this process and by the PostgreSQL backends of `engine`'s connections."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.backends: set[int] = set()
        self.server = engine.dialect.name != "postgresql"  # True once server CPU is counted (or not needed)
        if engine.dialect.name == "postgresql":
            event.listen(engine, "checkout", self._checkout)

    def _checkout(self, dbapi_connection: Any, record: Any, proxy: Any) -> None:
        if "bench_pid" in record.info:
            return
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT pg_backend_pid()")
            pid = int(cursor.fetchone()[0])
        finally:
            cursor.close()
        dbapi_connection.rollback()  # leave no transaction open behind the pool's back
        record.info["bench_pid"] = pid
        if _process_cpu(pid) is not None:
            self.backends.add(pid)
            self.server = True

    def close(self) -> None:
        if event.contains(self.engine, "checkout", self._checkout):
            event.remove(self.engine, "checkout", self._checkout)

    def now(self) -> float:
        """This process's CPU seconds plus its backends' (a backend that ended counts no more)."""
        from bot.posts.chart import drawing_cpu  # the recap charts are drawn in a process of their own

        total = time.process_time() + drawing_cpu()
        for pid in self.backends:
            total += _process_cpu(pid) or 0.0
        return total

    def prime(self) -> None:
        """Know the backend of the pool's connection before measuring (a first checkout asks it)."""
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
