"""The App Home's circle overview for facilitators at community scale (issue 14, part 2).

    python -m bench.home_overview path/to/community-full-1x.db   (a bench.community data set, or its URL)

Times, over 5 runs (medians, wall clock and CPU of this process, SQLite running in it), the overview of
every circle (bot.services.overview, from the reading summary), what it computed before (/level's
item-by-item tally grouped by circle: the figures must be equal, and are checked), /level for the whole
community and, for comparison, /level once per circle, with the number of queries of each.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from zoneinfo import ZoneInfo

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from bench.community import NOW
from bot.db import make_engine
from bot.models import Circle, Community, Item
from bot.services import levels
from bot.services.levels import READING_WINDOW, level_report
from bot.services.overview import circle_overview

RUNS = 5


def main(path: str) -> None:
    engine = make_engine(path if "://" in path else f"sqlite:///{path}")  # a file, or a database URL
    tz = ZoneInfo("Europe/Paris")
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))

    def measure(label: str, work: Callable[[Session, Community], object]) -> None:
        runs = []
        for _ in range(RUNS):
            with Session(engine) as session:
                community = session.get_one(Community, 1)
                statements.clear()
                wall, cpu = time.perf_counter(), time.process_time()
                work(session, community)
                runs.append((time.perf_counter() - wall, time.process_time() - cpu, len(statements)))
        wall_ms = statistics.median(run[0] for run in runs) * 1000
        cpu_ms = statistics.median(run[1] for run in runs) * 1000
        print(f"| {label} | {wall_ms:.0f} ms | {cpu_ms:.0f} ms | {runs[-1][2]} |")

    def per_circle(session: Session, community: Community) -> None:
        for circle_id in session.scalars(select(Circle.id).where(Circle.community_id == community.id)):
            level_report(session, community.id, NOW - READING_WINDOW, circle_id)

    def tallied(session: Session, community: Community) -> dict[int, tuple[int, int]]:
        """What the overview's reading levels were computed from before: /level's tally, grouped by circle."""
        since = NOW - READING_WINDOW
        where = [Item.community_id == community.id, Item.must_read.is_(True), Item.created_at >= since]
        tally = levels._tally(session, where)  # noqa: SLF001
        counted: dict[int, tuple[int, int]] = {}
        for item_id, (circle_id, *_rest) in (tally.by_id if tally else {}).items():
            if audience := tally.audience.get(item_id, 0) if tally else 0:
                before = counted.get(circle_id, (0, 0))
                counted[circle_id] = (before[0] + tally.acked_by_item.get(item_id, 0), before[1] + audience)
        return counted

    with Session(engine) as session:
        community = session.get_one(Community, 1)
        old = tallied(session, community)
        new = {row.circle_id: (row.acknowledged, row.to_read) for row in circle_overview(session, community, NOW, tz)}
        assert {circle: figures for circle, figures in new.items() if figures != (0, 0)} == old, "not the same"
    print("| work | wall (median) | CPU (median) | queries |\n| --- | --- | --- | --- |")
    measure("overview of every circle (App Home)", lambda s, c: circle_overview(s, c, NOW, tz))
    measure("its reading levels as computed before (the tally)", tallied)
    measure("/level, whole community", lambda s, c: level_report(s, c.id, NOW - READING_WINDOW))
    measure("/level once per circle", per_circle)


if __name__ == "__main__":
    main(sys.argv[1])
