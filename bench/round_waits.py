"""Issue 11: what a command typed during the PostgreSQL nudge round waits for (the processor or a lock).

bench.scale's probe (`/digest me on`, every 20 ms, in another process; with --thread, a thread of the
round's own process, as in `relais run`), QUIET commands alone then during the nudge round, which runs
in a thread niced by NICENESS and in one at the process's priority, alternately, `--runs` times each.
Per command: its wall time, its CPU and run-queue delay (/proc/PID/task/TID/schedstat, Linux) and
those of its PostgreSQL server process. With --sample MS, pg_stat_activity and ungranted pg_locks are
read every MS ms during the round: what the probe's server process waited on, and every lock anyone
waited for. Also, in the round's process, a thread that sleeps 0.5 ms in a loop: its wake-ups more than
15 ms late (the GIL, or the processor, held by others) say what any other thread of a `relais run`
would wait during the round.

With --apart (the probe in the round's own process, as --thread), the round runs alternately in a
thread of the process at its priority (as `relais run` ran it before) and through the spawner `relais
run`'s scheduler now uses for a heavy round (relais.round_process.run_apart: a process of its own, nice
+10): the command's wait in `relais run`'s process, alone, during either, in the same run.

Usage: python -m bench.round_waits [--postgres URL [--prefix perf] | --data DIR] [--runs 3] [--thread | --apart]
       [--sample 5]
Without --postgres, SQLite (bench.scale's --data folder; no server process, no sampling).
The data set is bench.scale's (PREFIX_1x, made by it if missing); the digest and recap rounds run
once first, then each nudge round is undone (its outbox rows and occurrence) before the next.
"""

from __future__ import annotations

import argparse
import collections
import multiprocessing
import os
import statistics
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url

from bench import scale
from bench.community import FULL
from bench.cpu import CpuMeter
from bot.app import App
from bot.clock import FixedClock
from bot.db import make_engine, upgrade
from relais.round_child import code_identity
from relais.round_process import run_apart
from relais.wiring import build_app

PROBE = "relais_bench_probe"  # application_name of the probe's connections
NICENESS = 10
LABELS = {
    "niced": f"in a thread niced +{NICENESS}",
    "thread": "in a thread at the process priority",
    "apart": "in a process of its own (relais.round_process, nice +10)",
}


def lower_priority() -> None:
    """This thread's nice value NICENESS higher (Linux: a thread's own; it cannot be lowered back)."""
    thread = threading.get_native_id()
    os.setpriority(os.PRIO_PROCESS, thread, min(os.getpriority(os.PRIO_PROCESS, thread) + NICENESS, 19))


SPAWN = multiprocessing.get_context("spawn")


def named(url: str, name: str) -> str:
    if not url.startswith("postgresql"):
        return url  # SQLite: no server process, no name
    return make_url(url).update_query_dict({"application_name": name}).render_as_string(hide_password=False)


def schedstat(pid: int, thread: int | None = None) -> tuple[float, float]:
    """(ms on the processor, ms waiting in its run queue) of a thread so far (the main thread's id is the pid)."""
    if not pid:
        return 0.0, 0.0  # SQLite: no server process
    with open(f"/proc/{pid}/task/{thread or pid}/schedstat", encoding="ascii") as stat:
        running, waiting, _ = stat.read().split()
    return int(running) / 1e6, int(waiting) / 1e6


def probe(url: str, people: list[tuple[int, int]], signals: Any, results: Any) -> None:
    """bench.scale's probe, each command's (phase, start, end, CPU, queued, server CPU, server queued)."""
    ready, alone, stop = signals
    app = build_app(scale.config_for(named(url, PROBE)), clock=FixedClock(scale.NUDGES_AT))
    server = 0
    if app.store.dialect == "postgresql":
        with app.store.engine.connect() as connection:  # the pool hands the same connection back each time
            server = int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())
    pid, thread = multiprocessing.current_process().pid or 0, threading.get_native_id()
    rows: list[tuple[str, float, float, float, float, float, float]] = []
    phase, index = "quiet", 0
    ready.set()
    while not stop.is_set():
        if phase == "quiet" and results.poll():
            phase = results.recv()
        member, circle = people[index % len(people)]
        index += 1
        (mine, queued), (theirs, waited) = schedstat(pid, thread), schedstat(server)
        began = time.monotonic()
        scale.command(app, member, circle, "/digest me on")
        ended = time.monotonic()
        (mine2, queued2), (theirs2, waited2) = schedstat(pid, thread), schedstat(server)
        rows.append((phase, began, ended, mine2 - mine, queued2 - queued, theirs2 - theirs, waited2 - waited))
        if index >= scale.QUIET:
            alone.set()
        stop.wait(scale.PACE)
    app.close()
    results.send({"server": server, "rows": rows})


def sampler(server: str, stop: Any, results: Any, period: float) -> None:
    """pg_stat_activity (what each busy server process waits on) and ungranted locks, every `period` s."""
    import psycopg

    seen: list[tuple[Any, ...]] = []
    with psycopg.connect(server, autocommit=True, application_name="relais_bench_sampler") as connection:
        while not stop.is_set():
            now = time.monotonic()
            for row in connection.execute(
                "SELECT application_name, coalesce(wait_event_type || ':' || wait_event, 'CPU') FROM pg_stat_activity"
                " WHERE state <> 'idle' AND pid <> pg_backend_pid() AND application_name LIKE 'relais_bench_%'"
            ):
                seen.append((now, *row))
            for row in connection.execute("SELECT locktype, mode FROM pg_locks WHERE NOT granted"):
                seen.append((now, "lock wait", ":".join(map(str, row))))
            time.sleep(period)
    results.send(seen)


def _start(target: Callable[..., None], args: tuple[Any, ...], thread: bool) -> Any:
    """A thread of this process, or a process of its own (spawned: nothing of this one's state)."""
    worker: Any = threading.Thread(target=target, args=args) if thread else SPAWN.Process(target=target, args=args)
    worker.start()
    return worker


def apart_round(app: App, clock: FixedClock, figures: scale.Figures) -> None:
    """The nudge round as `relais run` runs a heavy round now: in a process of its own (its writes unseen here)."""
    clock.set(scale.NUDGES_AT)
    began = time.perf_counter()
    outcomes, _ = run_apart(app, code_identity(), scale.NUDGES_AT)
    figures.values["nudges round"] = time.perf_counter() - began
    assert any(outcome.kind == "nudges" and outcome.status == "posted" for outcome in outcomes), outcomes
    figures.values["nudges longest write"] = float("nan")


def one_round(
    app: App, clock: FixedClock, url: str, server: str, niced: bool, options: argparse.Namespace, apart: bool = False
) -> dict:
    """Undo the last nudge round, then run it again with the probe (and the sampler) going."""
    with app.store.unit_of_work() as session:
        session.execute(text("DELETE FROM outbox"))
        session.execute(
            scale.at("DELETE FROM occurrences WHERE kind = 'nudges' AND due_at >= :since"), {"since": scale.NOW}
        )
    context = SPAWN
    make = threading.Event if options.thread else context.Event
    signals = ready, alone, stop = make(), make(), make()
    parent, child = context.Pipe()
    worker = _start(probe, (url, scale.readers(app, 200), signals, child), options.thread)
    sampled, into = context.Pipe()
    halt = context.Event()
    watcher = (
        context.Process(target=sampler, args=(server, halt, into, options.sample / 1000)) if options.sample else None
    )
    if not (ready.wait(120) and alone.wait(120)):
        raise RuntimeError("the probe did not start")
    if watcher is not None:
        watcher.start()
    rounds = ThreadPoolExecutor(1, initializer=lower_priority if niced else None)
    figures, late, ticking = scale.Figures("1x"), [], threading.Event()
    ticker = threading.Thread(target=_tick, args=(ticking, late))
    parent.send("round")
    began = time.monotonic()
    ticker.start()
    try:
        meter = CpuMeter(app.store.engine)
        if apart:
            rounds.submit(apart_round, app, clock, figures).result()
        else:
            rounds.submit(scale.run_round, app, clock, scale.NUDGES_AT, "nudges", figures, meter).result()
    finally:
        ended = time.monotonic()
        ticking.set()
        ticker.join()
        rounds.shutdown()
        stop.set()
        halt.set()
    found = parent.recv() if parent.poll(120) else {"server": 0, "rows": []}
    samples = sampled.recv() if watcher is not None and sampled.poll(60) else []
    worker.join(30)
    if watcher is not None:
        watcher.join(30)
    return {"round": (began, ended), "figures": figures.values, "probe": found, "samples": samples, "late": late}


def _tick(stop: threading.Event, late: list[float]) -> None:
    """Sleep 0.5 ms again and again; note each wake-up more than 15 ms late (seconds)."""
    while not stop.is_set():
        began = time.perf_counter()
        time.sleep(0.0005)
        if (spent := time.perf_counter() - began) > 0.015:
            late.append(spent)


def _stats(rows: Sequence[tuple[Any, ...]]) -> str:
    if not rows:
        return "no command"
    wall = sorted((row[2] - row[1]) * 1000 for row in rows)
    mean = [statistics.fmean(row[index] for row in rows) for index in (3, 4, 5, 6)]
    return (
        f"{len(wall)} commands, median {statistics.median(wall):.1f} / p95 {scale.p95(wall):.1f}"
        f" / max {wall[-1]:.1f} ms;"
        f" per command: CPU {mean[0]:.1f} ms, queued {mean[1]:.1f} ms; its server process CPU {mean[2]:.1f}, queued"
        f" {mean[3]:.1f} ms"
    )


def describe(run: dict, label: str, out: Callable[[str], None]) -> None:
    began, ended = run["round"]
    rows = run["probe"]["rows"]
    quiet = [row for row in rows if row[0] == "quiet"]
    during = [row for row in rows if row[0] == "round" and row[1] < ended]
    with open("/proc/loadavg", encoding="ascii") as load:
        average = load.read().split()[0]
    out(
        f"{label}: nudge round {ended - began:.2f} s, longest write"
        f" {run['figures']['nudges longest write']:.1f} ms, load {average}"
    )
    late = run["late"]
    out(f"  a thread of the round's process: {len(late)} wake-ups > 15 ms late, {sum(late):.2f} s in all")
    out(f"  alone:  {_stats(quiet)}")
    out(f"  during: {_stats(during)}")
    if run["samples"]:
        waits = collections.Counter((who, what) for at, who, what in run["samples"] if began <= at <= ended)
        out(
            "  sampled during the round: "
            + ", ".join(f"{who} {what} ×{count}" for (who, what), count in waits.most_common(10))
        )


def main(argv: Sequence[str] | None = None, out: Callable[[str], None] = print) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL (schema PREFIX_1x); without it, SQLite")
    parser.add_argument("--data", type=Path, default=Path(scale.__file__).parent / "data", help="SQLite data sets")
    parser.add_argument("--prefix", default="bench", help="the data set is bench.scale's PREFIX_1x")
    parser.add_argument("--runs", type=int, default=3, help="nudge rounds of each kind (niced, not), alternately")
    parser.add_argument("--thread", action="store_true", help="the probe in the round's own process (a thread)")
    parser.add_argument(
        "--apart", action="store_true", help="the round in a thread, then in a process of its own, alternately"
    )
    parser.add_argument("--sample", type=float, default=0.0, metavar="MS", help="sample pg_stat_activity every MS ms")
    options = parser.parse_args(argv)
    shape = replace(FULL, history=1.0)
    if options.postgres:
        url = scale.postgres_dataset(options.postgres, shape, out, options.prefix)
    else:
        url, options.sample = scale.sqlite_dataset(options.data, shape, out), 0.0
    engine = make_engine(url)
    upgrade(engine)
    scale.reset(engine)
    engine.dispose()
    clock = FixedClock(scale.NOW)
    app = build_app(scale.config_for(named(url, "relais_bench_round")), clock=clock)
    try:
        meter, figures = CpuMeter(app.store.engine), scale.Figures("1x")
        scale.run_round(app, clock, scale.DIGESTS_AT, "digest", figures, meter)
        scale.run_round(app, clock, scale.RECAPS_AT, "recap", figures, meter)
        options.thread = options.thread or options.apart
        for run in range(options.runs):
            for mode in ("thread", "apart") if options.apart else ("niced", "thread"):
                label = f"run {run + 1}, round {LABELS[mode]}"
                niced, apart = mode == "niced", mode == "apart"
                describe(one_round(app, clock, url, options.postgres, niced, options, apart), label, out)
    finally:
        app.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
