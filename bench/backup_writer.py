"""A backup of an SQLite database while another process writes to it continuously: how long the copy takes,
and how long the writer's commits take meanwhile, for `relais db backup`'s one step and for steps of N pages.

    python -m bench.backup_writer [--mb 60] [--pages 0 1000] [--seconds 20]

The writer is a process of its own committing one small transaction after another (WAL, synchronous=NORMAL,
as Relais' engine does); the copy is sqlite3's backup API as relais.backup uses it (pages=0: one step).
A copy in steps starts again whenever another connection writes between two steps: with a writer that never
pauses, it may not end (given up after --seconds).
"""

from __future__ import annotations

import argparse
import multiprocessing
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path


def open_like_relais(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, timeout=30, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    return connection


def write(path: Path, stop: multiprocessing.synchronize.Event, out: multiprocessing.Queue) -> None:  # type: ignore[name-defined]
    connection = open_like_relais(path)
    latencies: list[tuple[float, float]] = []
    while not stop.is_set():
        started = time.monotonic()
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("INSERT INTO rows (text) VALUES (?)", ("a commitment of a partner " * 4,))
        connection.execute("COMMIT")
        latencies.append((started, time.monotonic()))
    out.put(latencies)


def copy(path: Path, target: Path, pages: int, seconds: float) -> tuple[float, float, bool]:
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    destination = sqlite3.connect(target)
    started = time.monotonic()
    finished = True

    def progress(status: int, remaining: int, total: int) -> None:
        if time.monotonic() - started > seconds:
            raise TimeoutError

    try:
        source.backup(destination, pages=pages or -1, progress=progress if pages else None, sleep=0)
    except TimeoutError:
        finished = False
    ended = time.monotonic()
    source.close()
    destination.close()
    return started, ended, finished


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=int, default=60)
    parser.add_argument("--pages", type=int, nargs="+", default=[0, 1000])
    parser.add_argument("--seconds", type=float, default=20.0)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "relais.db")
        connection = open_like_relais(path)
        connection.execute("CREATE TABLE rows (id INTEGER PRIMARY KEY, text TEXT)")
        connection.execute("CREATE TABLE ballast (data BLOB)")
        connection.executemany("INSERT INTO ballast VALUES (randomblob(65536))", [()] * (arguments.mb * 16))
        connection.close()
        for pages in arguments.pages:
            stop, out = multiprocessing.Event(), multiprocessing.Queue()
            writer = multiprocessing.Process(target=write, args=(path, stop, out))
            writer.start()
            time.sleep(0.5)  # the writer under way
            started, ended, finished = copy(path, Path(folder, f"copy-{pages}.db"), pages, arguments.seconds)
            time.sleep(0.2)
            stop.set()
            latencies = out.get()
            writer.join()
            during = [b - a for a, b in latencies if started <= a and b <= ended]
            print(
                f"pages={pages or 'all (one step)'}: copy {'took' if finished else 'gave up after'} "
                f"{ended - started:.2f} s; writer meanwhile: {len(during)} commits, "
                f"median {statistics.median(during) * 1000 if during else 0:.2f} ms, "
                f"max {max(during) * 1000 if during else 0:.1f} ms"
            )


if __name__ == "__main__":
    main()
