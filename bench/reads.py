"""Reading-level benchmark: /unread, /who-read, /level and read-signal ingestion on SQLite.

Targets (issue 3): /unread and /who-read under 50 ms, /level under 500 ms, at least 2,000
read signals per second — on 2,000 members, 50 circles, 200,000 items.
Usage: python -m bench.reads [PATH]  (generates the data set first if PATH does not exist)
       python -m bench.reads --signals PATH_OR_URL  (the signals only, on a data set of bench.generate or
       bench.community, SQLite or PostgreSQL)
Both write acknowledgements, receipts and outbox rows: run them on a copy.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from sqlalchemy import bindparam, delete, event, insert, select

from bench.cpu import CpuMeter
from bench.generate import NOW, generate
from bot import read_signals
from bot.app import App
from bot.clock import FixedClock
from bot.config import Config
from bot.models import Acknowledgement, Identity, Item
from bot.outbox import enqueue, mark_sent
from bot.read_signals import Reaction
from bot.reply import Incoming
from relais.wiring import build_app


def timed(action: Callable[[], object], runs: int) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        action()
        samples.append((time.perf_counter() - began) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def bench_app(url: str) -> App:
    config = replace(
        Config(), community_name="Bench", database_url=url, facilitators=("console:m1",), default_circle="Cercle 1"
    )
    return build_app(config, clock=FixedClock(NOW))


def main() -> None:
    arguments = sys.argv[1:]
    if arguments[:1] == ["--signals"]:  # the signals only, on a data set of bench.generate or bench.community
        target = arguments[1]
        app = bench_app(target if "://" in target else f"sqlite:///{target}")
        signals(app)
        app.close()
        return
    path = Path(arguments[0] if arguments else "bench/bench.db")
    if not path.exists():
        print("generating the data set (about a minute)…")
        print(generate(str(path)))
    app = bench_app(f"sqlite:///{path}")
    dispatch = app.dispatcher.handle
    rng = random.Random(3)

    def command(member: int, line: str, circle: int = 1) -> str:
        reply = dispatch(Incoming(identity=f"console:m{member}", text=line, channel=f"console:cercle-{circle}"))
        assert reply is not None and reply.ok, reply
        return reply.text

    members = [rng.randint(2, 2000) for _ in range(60)]
    recent = [rng.randint(195_000, 200_000) for _ in range(60)]
    results = {
        "/unread": timed(lambda: command(members.pop(), "/unread"), 50),
        "/who-read": timed(lambda: command(1, f"/who-read #{recent.pop()}"), 50),
        "/level (community)": timed(lambda: command(1, "/level"), 5),
        "/level #circle": timed(lambda: command(1, "/level #cercle-7"), 10),
    }
    targets = {"/unread": 50, "/who-read": 50, "/level (community)": 500, "/level #circle": 500}
    for name, (median, p95) in results.items():
        verdict = "ok" if p95 < targets[name] else "OVER TARGET"
        print(f"{name:20s} median {median:7.1f} ms   p95 {p95:7.1f} ms   target < {targets[name]} ms  {verdict}")
    signals(app)
    app.close()


def signals(app: App, count: int = 2000) -> None:
    """Read-signal ingestion: ✅/👍 reactions on the messages of the newest 1,000 items to read, by
    members 2 to 2,000, and receipts; wall clock and CPU (with PostgreSQL's backends: bench.cpu) of
    each phase, how many signals changed something and the statements a signal took. The floor: the
    acknowledgement rows of the one-by-one phase deleted and written again blind (SQLAlchemy Core, by
    primary key, one transaction per 100, no look-ups, nothing kept up to date)."""
    meter = CpuMeter(app.store.engine)
    meter.prime()
    with app.store.unit_of_work() as session:
        items = sorted(
            session.scalars(select(Item.id).where(Item.must_read.is_(True)).order_by(Item.id.desc()).limit(1000))
        )
        for item_id in items:  # each item posted once, on Matrix: its copy shows the live "✅ n/m" line
            row = enqueue(session, NOW, "x", channel="matrix:!bench:hs", item_id=item_id)
            session.flush()
            mark_sent(session, row.id, f"$e{item_id}", NOW)
    pairs = [(f"console:m{2 + index % 1999}", f"$e{items[index % len(items)]}") for index in range(count)]
    dispatcher = app.dispatcher
    lines = []

    def phase(name: str, action: Callable[[], int], target: bool, size: int = count) -> None:
        load = os.getloadavg()[0]
        statements: list[int] = []
        note = lambda *_args: statements.append(1)  # noqa: E731
        event.listen(app.store.engine, "before_cursor_execute", note)
        began, cpu = time.perf_counter(), meter.now()
        changed = action()
        wall, spent = time.perf_counter() - began, meter.now() - cpu
        event.remove(app.store.engine, "before_cursor_execute", note)
        lines.append((name, size / wall, size / spent, changed, len(statements) / size, load, target))

    def one_by_one() -> int:
        return sum(read_signals.reaction(dispatcher, who, "matrix:!bench:hs", msg, "✅", True) for who, msg in pairs)

    def receipts() -> int:
        for index, (who, _msg) in enumerate(pairs):
            read_signals.receipt(dispatcher, who, "matrix:!bench:hs", NOW + timedelta(seconds=index))
        return count

    half = [Reaction(who, "matrix:!bench:hs", msg, "👍", index % 2 == 0) for index, (who, msg) in enumerate(pairs)]
    given = [replace(signal, added=True) for signal in half]

    def batches() -> int:  # every other one a ✅ given again (nothing changes), the others withdrawn
        return sum(read_signals.ingest(dispatcher, half[start : start + 100]) for start in range(0, count, 100))

    def buffered() -> int:  # all given: the ones withdrawn above given back
        buffer = read_signals.SignalBuffer(dispatcher)
        for signal in given:
            buffer.put(signal)
        asyncio.run(buffer.drain())
        return buffer.applied

    phase("reactions, one by one", one_by_one, False)
    phase("receipts, one by one", receipts, False)
    phase("reactions, batches of 100", batches, True)
    phase("reactions, SignalBuffer", buffered, True)
    written = _acknowledgements(app, pairs)
    phase("(floor) rows written blind, by 100", lambda: _blind(app, written), False, len(written))
    for name, wall, cpu, changed, statements, load, target in lines:
        verdict = ("ok" if wall >= 2000 else "UNDER TARGET") + (" (CPU ok)" if cpu >= 2000 and wall < 2000 else "")
        note = f"target >= 2000/s  {verdict}" if target else "(reference)"
        print(
            f"signals: {name:36s} {wall:6.0f}/s wall  {cpu:6.0f}/s CPU  {changed:5d} changed  "
            f"{statements:5.1f} statements each  load {load:4.1f}  {note}"
        )
    meter.close()


def _acknowledgements(app: App, pairs: list[tuple[str, str]]) -> list[dict[str, object]]:
    """The rows of these (identity, "$e<item>") acknowledgements as they are (read before the floor is timed)."""
    table = Acknowledgement.__table__
    with app.store.engine.connect() as connection:
        members = dict(connection.execute(select(Identity.identity, Identity.member_id)).all())
        wanted = {(int(msg[2:]), members[who]) for who, msg in pairs}
        found = connection.execute(
            select(table).where(table.c.item_id.in_(sorted({item for item, _ in wanted})))
        ).mappings()
        return [dict(row) for row in found if (row["item_id"], row["member_id"]) in wanted]


def _blind(app: App, rows: list[dict[str, object]]) -> int:
    """The floor: these acknowledgement rows deleted and inserted again by primary key, 100 a transaction."""
    table = Acknowledgement.__table__
    key = {"item_id": bindparam("k_item"), "member_id": bindparam("k_member")}
    delete_rows = delete(table).where(table.c.item_id == key["item_id"], table.c.member_id == key["member_id"])
    for start in range(0, len(rows), 100):
        chunk = rows[start : start + 100]
        with app.store.engine.begin() as connection:
            connection.execute(delete_rows, [{"k_item": r["item_id"], "k_member": r["member_id"]} for r in chunk])
            connection.execute(insert(table), chunk)
    return len(rows)


if __name__ == "__main__":
    main()
