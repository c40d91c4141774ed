"""Issue 11 benchmark: the scheduler's rounds and the reading commands, on 1x and 10x history.

One command measures everything on one database kind, each data set made once and kept
(SQLite files in --data, PostgreSQL schemas bench_1x, bench_10x… in the --postgres database):

* the personal digest round (Monday 08:30, every member asked for one) and the recap round
  (09:00, every circle), through run_due as the scheduler runs them; target: both < 10 s;
* the nudge round (09:30): its time, its longest write transaction, and what a chat command that
  writes, typed meanwhile in another process (`/digest me on`), waits, next to the same command
  with no round (its floor); target: a few ms more than the floor;
* /level (whole community), target < 500 ms, and /unread (p95 over 50 members), target < 50 ms,
  next to /whoami (the floor: what any command costs);
* every figure of the 10x history next to the same figure of the 1x history (its floor,
  same current week, same run); target ≤ 1.5x.

Usage: python -m bench.scale [--postgres URL] [--small] [--histories 1 10] [--runs N] [--data DIR]
"""

from __future__ import annotations

import argparse
import itertools
import logging
import multiprocessing
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, TextClause, bindparam, event, text
from sqlalchemy.engine import make_url

from bench.community import FULL, NOW, SMALL, Shape, expected_stamp, generate, stamp
from bench.cpu import CpuMeter
from bot.app import App
from bot.clock import FixedClock
from bot.config import Config
from bot.db import READ_OPTION, make_engine, normalise_url, upgrade
from bot.models import UTCDateTime
from bot.reply import Incoming
from relais.wiring import build_app
from schedules.rounds import run_due

DIGESTS_AT = NOW + timedelta(minutes=30)
RECAPS_AT = NOW + timedelta(hours=1)
NUDGES_AT = NOW + timedelta(minutes=90)
UNREAD_RUNS = 50
LEVEL_RUNS = 7
QUIET = 30  # commands the probe types alone before the round (its floor)
PACE = 0.02  # seconds between the probe's commands (none on a small community: the test suite never waits)


@dataclass
class Figures:
    """One history's figures (seconds for rounds, milliseconds for commands)."""

    label: str
    counts: dict[str, int] = field(default_factory=dict)
    values: dict[str, float] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)  # the same figures in CPU time (bench/cpu.py)


def config_for(url: str) -> Config:
    return replace(
        Config(),
        community_name="Bench",
        language="fr",
        timezone="Europe/Paris",
        database_url=url,
        facilitators=("console:m1",),
        default_circle="Cercle 1",
    )


# Data sets


def sqlite_dataset(folder: Path, shape: Shape, log: Callable[[str], None]) -> str:
    name = "small" if shape.members < FULL.members else "full"
    path = folder / f"community-{name}-{shape.history:g}x.db"
    url = f"sqlite:///{path}"
    if not path.exists() or stamp(url) != expected_stamp(shape):
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            leftover.unlink(missing_ok=True)
        folder.mkdir(parents=True, exist_ok=True)
        log(f"generating {path} (once; about a minute per 1x of history)…")
        generate(url, shape)
    return url


def postgres_dataset(server: str, shape: Shape, log: Callable[[str], None], prefix: str = "bench") -> str:
    name = "small_" if shape.members < FULL.members else ""
    schema = f"{prefix}_{name}{shape.history:g}x".replace(".", "_")
    url = str(make_url(normalise_url(server)).update_query_dict({"options": f"-csearch_path={schema}"}))
    url = make_url(url).render_as_string(hide_password=False)
    if stamp(url) != expected_stamp(shape):
        admin = make_engine(server)
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        admin.dispose()
        log(f"generating schema {schema} (once; a few minutes per 1x of history)…")
        generate(url, shape)
    return url


def at(statement: str) -> TextClause:
    """A statement whose :since is an instant (stored as the models store it)."""
    return text(statement).bindparams(bindparam("since", type_=UTCDateTime()))


def reset(engine: Engine) -> None:
    """Remove what an earlier run wrote (items, occurrences, outbox rows, acknowledgements after NOW)."""
    since = {"since": NOW}
    with engine.begin() as connection:
        later = "SELECT id FROM items WHERE created_at >= :since"
        connection.execute(at(f"DELETE FROM message_refs WHERE item_id IN ({later})"), since)
        connection.execute(text("DELETE FROM outbox"))
        connection.execute(at(f"DELETE FROM acknowledgements WHERE item_id IN ({later})"), since)
        connection.execute(at("DELETE FROM acknowledgements WHERE at >= :since"), since)
        connection.execute(at("DELETE FROM occurrences WHERE due_at >= :since"), since)
        connection.execute(at("UPDATE occurrences SET reported_at = NULL WHERE reported_at >= :since"), since)
        connection.execute(at("DELETE FROM items WHERE created_at >= :since"), since)
        connection.execute(text("DELETE FROM processed_events"))
        connection.execute(text("UPDATE communities SET next_number = (SELECT max(number) FROM items)"))


# Measuring


@contextmanager
def transactions(engine: Engine) -> Iterator[list[tuple[bool, float]]]:
    """Every transaction's (wrote, seconds) while inside: `wrote` is False for read-only units of work."""
    found: list[tuple[bool, float]] = []

    def begin(connection: Any) -> None:
        connection.info["bench_began"] = time.perf_counter()

    def end(connection: Any) -> None:
        began = connection.info.pop("bench_began", None)
        if began is not None:
            reading = bool(connection.get_execution_options().get(READ_OPTION))
            found.append((not reading, time.perf_counter() - began))

    event.listen(engine, "begin", begin)
    event.listen(engine, "commit", end)
    event.listen(engine, "rollback", end)
    try:
        yield found
    finally:
        event.remove(engine, "begin", begin)
        event.remove(engine, "commit", end)
        event.remove(engine, "rollback", end)


def timed(
    action: Callable[[], object], runs: int, meter: CpuMeter | None = None, cpu: list[float] | None = None
) -> list[float]:
    """Wall milliseconds of each run, sorted; with a meter, each run's CPU milliseconds go to `cpu` (sorted)."""
    samples = []
    for _ in range(runs):
        spent = meter.now() if meter else 0.0
        began = time.perf_counter()
        action()
        samples.append((time.perf_counter() - began) * 1000)
        if meter and cpu is not None:
            cpu.append((meter.now() - spent) * 1000)
    if cpu is not None:
        cpu.sort()
    return sorted(samples)


def p95(samples: Sequence[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(int(len(ordered) * 0.95 + 0.5) - 1, 0)] if ordered else 0.0


def command(app: App, member: int, circle: int, line: str) -> str:
    """A command typed by a member in one of their circles' channels (so that nothing joins them)."""
    reply = app.dispatcher.handle(
        Incoming(identity=f"console:m{member}", text=line, channel=f"console:cercle-{circle}")
    )
    assert reply is not None and reply.ok, (line, reply)
    return reply.text


def readers(app: App, count: int) -> list[tuple[int, int]]:
    """(member, circle) for `count` members spread over the community, each in a circle they are in."""
    with app.store.unit_of_work(reading=True) as session:
        rows = session.execute(
            text("SELECT member_id, min(circle_id) FROM circle_members WHERE left_at IS NULL GROUP BY member_id")
        ).all()
    step = max(len(rows) // count, 1)
    return [(int(m), int(c)) for m, c in rows[::step][:count]]


def _probe(url: str, people: list[tuple[int, int]], pace: float, quiet: int, signals: Any, results: Any) -> None:
    """Another process typing a command that writes (`/digest me on`, for members who already asked)
    every `pace` seconds until told to stop: QUIET of them alone (its floor), then during the round.
    Sends back the latencies, in milliseconds."""
    ready, alone, stop = signals
    app = build_app(config_for(url), clock=FixedClock(NUDGES_AT))
    latencies: dict[str, list[float]] = {"quiet": [], "round": []}
    phase = "quiet"
    ready.set()
    for index in itertools.count():
        if stop.is_set():
            break
        if phase == "quiet" and results.poll():
            phase = results.recv()
        member, circle = people[index % len(people)]
        began = time.perf_counter()
        command(app, member, circle, "/digest me on")
        latencies[phase].append((time.perf_counter() - began) * 1000)
        if len(latencies["quiet"]) >= quiet:
            alone.set()
        if pace:
            stop.wait(pace)
    app.close()
    results.send(latencies)


class Said(logging.Handler):
    """What the scheduler logged during a round (a round that did nothing says why)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def run_round(
    app: App, clock: FixedClock, at: datetime, kind: str, figures: Figures, meter: CpuMeter
) -> list[tuple[bool, float]]:
    clock.set(at)
    said = Said()
    logger = logging.getLogger("schedules")
    logger.addHandler(said)
    level = logger.level
    logger.setLevel(logging.INFO)
    try:
        with transactions(app.store.engine) as seen:
            spent, began = meter.now(), time.perf_counter()
            outcomes = run_due(app, app.config, at)
            figures.values[f"{kind} round"] = time.perf_counter() - began
            figures.cpu[f"{kind} round"] = meter.now() - spent
    finally:
        logger.removeHandler(said)
        logger.setLevel(level)
    mine = [outcome for outcome in outcomes if outcome.kind == kind]
    assert mine, f"no {kind} occurrence was posted at {at}: " + " | ".join(said.lines)
    assert all(outcome.status in ("posted", "empty") for outcome in mine), mine
    figures.counts[f"{kind} posts"] = sum(len(outcome.posts) for outcome in mine)
    figures.counts[f"{kind} characters"] = sum(len(post.text) for outcome in mine for post in outcome.posts)
    writes = [seconds for wrote, seconds in seen if wrote]
    figures.values[f"{kind} longest write"] = max(writes, default=0.0) * 1000
    return seen


def measure(url: str, label: str, small: bool = False) -> Figures:
    """Every figure once on one data set (what an earlier run wrote is removed first); `small`: fewer
    samples, and a probe that does not pace itself (the test suite only checks that it all runs)."""
    figures = Figures(label)
    samples = 5 if small else UNREAD_RUNS
    engine = make_engine(url)
    upgrade(engine)
    reset(engine)
    with engine.connect() as connection:
        for table in ("items", "acknowledgements", "commitments"):
            figures.counts[table] = int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
    engine.dispose()
    clock = FixedClock(NOW)
    app = build_app(config_for(url), clock=clock)
    meter = CpuMeter(app.store.engine)
    meter.prime()
    try:
        run_round(app, clock, DIGESTS_AT, "digest", figures, meter)
        run_round(app, clock, RECAPS_AT, "recap", figures, meter)
        _nudges(app, clock, url, figures, 0.0 if small else PACE, 5 if small else QUIET, meter)
        clock.set(NUDGES_AT + timedelta(minutes=5))
        people = readers(app, samples)
        who = iter(people * 2)
        cpu: dict[str, list[float]] = {"whoami": [], "level": [], "unread": []}
        figures.values["/whoami p95"] = p95(
            timed(lambda: command(app, *next(who), "/whoami"), samples, meter, cpu["whoami"])
        )
        level = timed(lambda: command(app, 1, 1, "/level"), 2 if small else LEVEL_RUNS, meter, cpu["level"])
        figures.values["/level median"] = statistics.median(level)
        figures.values["/level max"] = level[-1]
        who = iter(people * 2)
        unread = timed(lambda: command(app, *next(who), "/unread"), samples, meter, cpu["unread"])
        figures.values["/unread median"] = statistics.median(unread)
        figures.values["/unread p95"] = p95(unread)
        figures.cpu["/whoami p95"] = p95(cpu["whoami"])
        figures.cpu["/level median"], figures.cpu["/level max"] = statistics.median(cpu["level"]), cpu["level"][-1]
        figures.cpu["/unread median"], figures.cpu["/unread p95"] = statistics.median(cpu["unread"]), p95(cpu["unread"])
        figures.notes["server cpu"] = "counted" if meter.server else "not counted (server not on this machine)"
    finally:
        meter.close()
        app.close()
    return figures


def _nudges(app: App, clock: FixedClock, url: str, figures: Figures, pace: float, quiet: int, meter: CpuMeter) -> None:
    context = multiprocessing.get_context("spawn")
    signals = ready, alone, stop = context.Event(), context.Event(), context.Event()
    parent, child = context.Pipe()
    worker = context.Process(target=_probe, args=(url, readers(app, 200), pace, quiet, signals, child), daemon=True)
    worker.start()
    try:
        if not (ready.wait(120) and alone.wait(120)):  # started, and typed alone long enough for a floor
            raise RuntimeError("the probe process did not start")
        parent.send("round")
        run_round(app, clock, NUDGES_AT, "nudges", figures, meter)
    finally:
        stop.set()
        latencies = parent.recv() if parent.poll(120) else {"quiet": [], "round": []}
        worker.join(30)
    quiet, during = latencies["quiet"], latencies["round"]
    figures.values["probe quiet max"] = max(quiet, default=0.0)
    figures.values["probe quiet p95"] = p95(quiet)
    figures.values["probe round max"] = max(during, default=0.0)
    figures.values["probe round p95"] = p95(during)
    figures.counts["probe commands"] = len(during)


# Report


ROWS: list[tuple[str, str, str, str]] = [
    # (key, label, unit, target)
    ("digest round", "digest round, every member (08:30)", "s", "with recaps < 10 s"),
    ("recap round", "recap round, every circle (09:00)", "s", "with digests < 10 s"),
    ("recaps + digests", "recaps + digests", "s", "< 10 s"),
    ("nudges round", "nudge round, every member (09:30)", "s", ""),
    ("digest longest write", "digest round: longest write transaction", "ms", "a few ms"),
    ("recap longest write", "recap round: longest write transaction", "ms", "a few ms"),
    ("nudges longest write", "nudge round: longest write transaction", "ms", "a few ms"),
    ("probe round max", "a command typed during the nudge round: max", "ms", "floor + a few ms"),
    ("probe round p95", "a command typed during the nudge round: p95", "ms", "floor + a few ms"),
    ("/level median", "/level, whole community: median", "ms", "< 500 ms"),
    ("/level max", "/level, whole community: max", "ms", "< 500 ms"),
    ("/unread median", "/unread: median", "ms", "< 50 ms"),
    ("/unread p95", "/unread: p95", "ms", "< 50 ms"),
]
FLOORS = {
    "probe round max": "probe quiet max",
    "probe round p95": "probe quiet p95",
    "/unread p95": "/whoami p95",
    "/unread median": "/whoami p95",
}
LIMITS = {
    "recaps + digests": 10.0,
    "/level median": 500.0,
    "/level max": 500.0,
    "/unread median": 50.0,
    "/unread p95": 50.0,
}
HISTORY_BOUND = {"digest round", "recap round", "nudges round", "/level median", "/unread p95", "/unread median"}


def _cell(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    return f"{value:.3f} {unit}" if unit == "s" else f"{value:.1f} {unit}"


def _ratio(results: list[Figures], values: Callable[[Figures], dict[str, float]], key: str, unit: str) -> str | None:
    """The last history's figure over the first's, with ≤ 1.5× judged (a difference under 2 ms passes)."""
    first, last = values(results[0]).get(key), values(results[-1]).get(key)
    if first is None or last is None or len(results) < 2:
        return None
    ratio = last / first if first else 0.0
    ok = ratio <= 1.5 or last - first < 0.002 * (1000 if unit == "ms" else 1)
    return f"{ratio:.2f}× {'ok' if ok else 'MISSED'}"


def report(results: list[Figures], database: str, out: Callable[[str], None]) -> bool:
    """Print each figure (wall clock, and CPU time where measured) next to its target and floor, as a
    Markdown table; True when every target is met in wall-clock time."""
    for figures in results:
        figures.values["recaps + digests"] = figures.values["recap round"] + figures.values["digest round"]
        if "recap round" in figures.cpu:
            figures.cpu["recaps + digests"] = figures.cpu["recap round"] + figures.cpu["digest round"]
    sizes = "; ".join(f"{f.label}: " + ", ".join(f"{v:,} {k}" for k, v in f.counts.items()) for f in results)
    out(f"\n{database}: {sizes}")
    out(f"server CPU: {results[0].notes.get('server cpu', '—')}")
    labels = [f.label for f in results]
    head = ["figure", *(f"{label} wall" for label in labels), *(f"{label} CPU" for label in labels)]
    if len(results) > 1:
        head += [f"ratio {labels[-1]}/{labels[0]} wall", f"ratio {labels[-1]}/{labels[0]} CPU"]
    out("| " + " | ".join([*head, "floor", "target"]) + " |")
    out("|" + " --- |" * (len(head) + 2))
    met = True
    for key, label, unit, target in ROWS:
        cells = [_cell(f.values.get(key), unit) for f in results] + [_cell(f.cpu.get(key), unit) for f in results]
        if len(results) > 1:
            for values in (lambda f: f.values, lambda f: f.cpu):
                ratio = _ratio(results, values, key, unit) if key in HISTORY_BOUND else None
                cells.append(ratio or "")
            if key in HISTORY_BOUND:
                met &= "MISSED" not in cells[-2]
        floor = ", ".join(f"{f.values[FLOORS[key]]:.1f} ms" for f in results) if key in FLOORS else ""
        if key in FLOORS and any(FLOORS[key] in f.cpu for f in results):
            floor += " (CPU " + ", ".join(_cell(f.cpu.get(FLOORS[key]), "ms") for f in results) + ")"
        verdict = target
        if key in LIMITS:
            wall = all(f.values[key] < LIMITS[key] for f in results)
            cpu = all(key in f.cpu and f.cpu[key] < LIMITS[key] for f in results)
            verdict = f"{target}: wall {'ok' if wall else 'MISSED'}, CPU {'ok' if cpu else 'MISSED'}"
            met &= wall
        out("| " + " | ".join([label, *cells, floor, verdict]) + " |")
    return met


def best(runs: list[Figures]) -> Figures:
    """The best of several runs of the same figures (a shared machine only ever adds time)."""
    merged = Figures(runs[0].label, dict(runs[-1].counts), notes=dict(runs[-1].notes))
    for key in runs[0].values:
        merged.values[key] = min(run.values[key] for run in runs)
    for key in runs[0].cpu:
        merged.cpu[key] = min(run.cpu[key] for run in runs)
    return merged


def main(argv: Sequence[str] | None = None, out: Callable[[str], None] = print) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", metavar="URL", help="measure on this PostgreSQL database (schemas bench_*)")
    parser.add_argument("--small", action="store_true", help="a tiny community (the test suite's check that it runs)")
    parser.add_argument("--histories", type=float, nargs="+", default=[1.0, 10.0], help="history multipliers")
    parser.add_argument("--runs", type=int, default=1, help="measure this many times, keep the best of each figure")
    parser.add_argument("--data", type=Path, default=Path(__file__).parent / "data", help="where SQLite data sets live")
    parser.add_argument("--prefix", default="bench", help="PostgreSQL schemas are PREFIX_1x, PREFIX_10x…")
    args = parser.parse_args(argv)
    base = SMALL if args.small else FULL
    results = []
    database = "PostgreSQL" if args.postgres else "SQLite"
    for history in args.histories:
        shape = replace(base, history=history)
        if args.postgres:
            url = postgres_dataset(args.postgres, shape, out, args.prefix)
        else:
            url = sqlite_dataset(args.data, shape, out)
        runs = []
        for run in range(args.runs):
            out(f"measuring {database}, {history:g}x history (run {run + 1} of {args.runs})…")
            runs.append(measure(url, f"{history:g}x", args.small))
        results.append(best(runs))
    if args.runs > 1:
        out(f"best of {args.runs} runs")
    return 0 if report(results, database, out) else 1


if __name__ == "__main__":
    sys.exit(main())
