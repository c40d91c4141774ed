"""Reading-level benchmark: /unread, /who-read, /level and read-signal ingestion on SQLite.

Targets (issue 3): /unread and /who-read under 50 ms, /level under 500 ms, at least 2,000
read signals per second — on 2,000 members, 50 circles, 200,000 items.
Usage: python -m bench.reads [PATH]  (generates the data set first if PATH does not exist)
"""

from __future__ import annotations

import asyncio
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from bench.generate import NOW, generate
from bot import read_signals
from bot.clock import FixedClock
from bot.config import Config
from bot.outbox import enqueue, mark_sent
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


def main() -> None:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "bench/bench.db")
    if not path.exists():
        print("generating the data set (about a minute)…")
        print(generate(str(path)))
    config = replace(
        Config(),
        community_name="Bench",
        database_url=f"sqlite:///{path}",
        facilitators=("console:m1",),
        default_circle="Cercle 1",
    )
    app = build_app(config, clock=FixedClock(NOW))
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

    # read signals: reactions on item messages, one transaction each (as a platform delivers them)
    with app.store.unit_of_work() as session:
        for number in range(199_000, 200_001):
            row = enqueue(session, NOW, "x", channel="matrix:!bench:hs", item_id=number)
            session.flush()
            mark_sent(session, row.id, f"$e{number}", NOW)
    count = 2000
    began = time.perf_counter()
    for index in range(count):
        read_signals.reaction(
            app.dispatcher,
            f"console:m{2 + index % 1999}",
            "matrix:!bench:hs",
            f"$e{199_000 + index % 1000}",
            "✅",
            True,
        )
    reactions_rate = count / (time.perf_counter() - began)
    began = time.perf_counter()
    for index in range(count):
        read_signals.receipt(
            app.dispatcher, f"console:m{2 + index % 1999}", "matrix:!bench:hs", NOW + timedelta(seconds=index)
        )
    receipts_rate = count / (time.perf_counter() - began)
    batch = [
        read_signals.Reaction(
            f"console:m{2 + index % 1999}", "matrix:!bench:hs", f"$e{199_000 + index % 1000}", "👍", index % 2 == 0
        )
        for index in range(count)
    ]
    began = time.perf_counter()
    for start in range(0, count, 100):
        read_signals.ingest(app.dispatcher, batch[start : start + 100])
    batched_rate = count / (time.perf_counter() - began)
    buffer = read_signals.SignalBuffer(app.dispatcher)
    began = time.perf_counter()
    for signal in batch:
        buffer.put(signal)
    asyncio.run(buffer.drain())
    buffered_rate = count / (time.perf_counter() - began)
    rates = (
        ("reactions, one by one", reactions_rate),
        ("receipts, one by one", receipts_rate),
        ("reactions, batches of 100", batched_rate),
        ("reactions, SignalBuffer", buffered_rate),
    )
    for name, rate in rates:
        if "one by one" in name:
            verdict = "(reference: one transaction per signal)"
        else:
            verdict = "ok" if rate >= 2000 else "UNDER TARGET"
        print(f"signals: {name:26s} {rate:8.0f} per second   target >= 2000/s  {verdict}")
    app.close()


if __name__ == "__main__":
    main()
