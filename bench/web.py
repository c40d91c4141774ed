"""Web dashboard benchmark: each page's server time on the benchmark community (bench/community.py:
2,000 members, 50 circles, about 250,000 items over two years), signed in as a facilitator,
through the real aiohttp application, next to floors measured in the same run (/healthz and the
style sheet, which pass the same session check, and the /whoami command's service time).

Target (issue 16): every page under 200 ms server time (p95).
Usage: python -m bench.web PATH_OR_URL [RUNS] [ONLY]
  ONLY: measure the pages whose address starts with it (several: comma-separated, /roadmap,/items)
  PATH_OR_URL: a SQLite file or a PostgreSQL URL holding a community made by bench.community
  (python -m bench.community PATH_OR_URL); nothing is written but sign-in rows (an earlier run's are
  removed first).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
from collections.abc import Callable

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import delete, select

from adapters.web.server import SESSION_COOKIE, build_application
from adapters.web.settings import WebSettings
from bench.community import NOW
from bench.scale import config_for
from bot.app import App
from bot.clock import FixedClock
from bot.models import Commitment, Item, WebLink, WebSession
from bot.reply import Incoming
from bot.services.dashboard.viewer import sign_in
from relais.memory import settle_memory
from relais.wiring import build_app

FLOORS = ("/healthz", "/static/style.css")


def pages(commitment: int, item: int, circle: int) -> tuple[str, ...]:
    return (
        "/roadmap",
        "/roadmap?status=all",
        "/roadmap?status=all&page=9999",  # past the end: the last page (the deepest offset)
        f"/commitments/{commitment}",
        "/level",
        f"/level?circle={circle}",
        "/level.csv",
        "/items",
        "/items?page=9999",
        f"/items/{item}",
        "/meetings",
        "/meetings.ics",
        "/review",
        "/review.csv",
        "/roadmap.csv",
    )


def percentiles(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    return statistics.median(samples), samples[max(int(len(samples) * 0.95 + 0.5) - 1, 0)]


Figures = tuple[float, float, float, float]  # wall median, wall p95, CPU median, CPU p95 (ms)


async def measure(app: App, cookie: str, paths: tuple[str, ...], runs: int) -> list[tuple[str, Figures]]:
    """Each page `runs` times (after one that warms the caches): wall clock, and the process's CPU
    time (the server's threads and the client's parsing: on a loaded machine, the steadier figure)."""
    server = TestServer(build_application(app, WebSettings()), host="127.0.0.1")
    results = []
    async with TestClient(server, cookies={SESSION_COOKIE: cookie}) as client:
        settle_memory()  # what relais run and relais web do once started (gc.freeze: see relais.runner)
        for path in paths:
            wall, cpu = [], []
            for _ in range(runs + 1):
                began, began_cpu = time.perf_counter(), time.process_time()
                answer = await client.get(path)
                await answer.read()
                wall.append((time.perf_counter() - began) * 1000)
                cpu.append((time.process_time() - began_cpu) * 1000)
                assert answer.status == 200, (path, answer.status)
            results.append((path, (*percentiles(wall[1:]), *percentiles(cpu[1:]))))
    return results


def timed(action: Callable[[], object], runs: int) -> Figures:
    action()
    wall, cpu = [], []
    for _ in range(runs):
        began, began_cpu = time.perf_counter(), time.process_time()
        action()
        wall.append((time.perf_counter() - began) * 1000)
        cpu.append((time.process_time() - began_cpu) * 1000)
    return (*percentiles(wall), *percentiles(cpu))


def line(label: str, figures: Figures, verdict: str = "") -> str:
    wall_median, wall_p95, cpu_median, cpu_p95 = figures
    return f"| {label} | {wall_median:.1f} | {wall_p95:.1f} | {cpu_median:.1f} | {cpu_p95:.1f} |{verdict}"


def examples(app: App) -> tuple[int, int, int]:
    """A commitment, an item and a circle of the benchmark community, among the newest."""
    with app.store.unit_of_work(reading=True) as session:
        commitment = session.scalar(
            select(Item.number).join(Commitment, Commitment.item_id == Item.id).order_by(Item.id.desc()).limit(1)
        )
        item, circle = session.execute(
            select(Item.number, Item.circle_id).where(Item.must_read.is_(True)).order_by(Item.id.desc()).limit(1)
        ).one()
    return commitment, item, circle


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    target = sys.argv[1]
    url = target if "://" in target else f"sqlite:///{target}"
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    app = build_app(config_for(url), clock=FixedClock(NOW))
    with app.store.unit_of_work() as session:  # earlier runs' sign-in links count towards the limit of 5
        session.execute(delete(WebSession))
        session.execute(delete(WebLink))
    ask = Incoming(identity="console:m1", text="/dashboard", channel="console:cercle-1")
    reply = app.dispatcher.handle(ask)
    assert reply is not None and "/login/" in reply.text, reply
    token = reply.text.split("/login/")[1].split()[0]
    cookie, _ = sign_in(app.dispatcher, token, 12)
    whoami = Incoming(identity="console:m1", text="/whoami", channel="console:cercle-1")
    print(f"load average at the start: {os.getloadavg()[0]:.2f} ({os.cpu_count()} cores)")
    print(f"{runs} runs each, in ms | wall median | wall p95 | CPU median | CPU p95 | p95 < 200 ms")
    print("| --- | --- | --- | --- | --- | --- |")
    print(line("(floor) /whoami, the service", timed(lambda: app.dispatcher.handle(whoami), runs), " |"))
    only = tuple(sys.argv[3].split(",")) if len(sys.argv) > 3 else ("",)
    paths = FLOORS + tuple(path for path in pages(*examples(app)) if path.startswith(only))
    for path, figures in asyncio.run(measure(app, cookie, paths, runs)):
        if path in FLOORS:
            print(line(f"(floor) `{path}`", figures, " |"))
        else:
            verdict = f" wall {'yes' if figures[1] < 200 else 'no'}, CPU {'yes' if figures[3] < 200 else 'no'} |"
            print(line(f"`{path}`", figures, verdict), flush=True)
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    app.close()


if __name__ == "__main__":
    main()
