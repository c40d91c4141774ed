"""/level for the whole community, and for one circle, on a data set of bench.community: CPU and wall.

Usage: python -m bench.level PATH_OR_URL [--runs 15]

The data set is upgraded first (the reading summary of migration 0015 is counted then, once).
Each command is typed by member 1 in circle 1's channel, at the time bench.scale types it (Monday
30 November 2026 09:35, Paris); `/whoami` is the floor (a command's whole path, no work).
"""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Sequence
from datetime import timedelta

from bench.community import NOW
from bench.cpu import CpuMeter
from bench.scale import command, config_for, p95, timed
from bot.clock import FixedClock
from bot.db import make_engine, normalise_url, upgrade
from relais.wiring import build_app


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("target", help="an SQLite file made by bench.community, or its PostgreSQL URL")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args(argv)
    url = normalise_url(args.target if "://" in args.target else f"sqlite:///{args.target}")
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    app = build_app(config_for(url), clock=FixedClock(NOW + timedelta(minutes=95)))
    meter = CpuMeter(app.store.engine)
    meter.prime()
    print("| command | CPU median | CPU p95 | wall median | wall p95 |\n| --- | --- | --- | --- | --- |")
    try:
        for line in ("/whoami", "/level", "/level #cercle-1"):
            command(app, 1, 1, line)  # warm
            cpu: list[float] = []
            wall = timed(lambda line=line: command(app, 1, 1, line), args.runs, meter, cpu)
            print(
                f"| `{line}` | {statistics.median(cpu):.1f} ms | {p95(cpu):.1f} ms "
                f"| {statistics.median(wall):.1f} ms | {p95(wall):.1f} ms |"
            )
    finally:
        meter.close()
        app.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
