"""Web dashboard benchmark: each page's server time on the benchmark community (bench/community.py:
2,000 members, 50 circles, about 250,000 items over two years), signed in as a facilitator,
through the real aiohttp application, next to floors measured in the same run (/healthz and the
style sheet, which pass the same session check, and the /whoami command's service time).

Target (issue 16): every page under 200 ms server time (p95).
Usage: python -m bench.web PATH_OR_URL [RUNS]
  PATH_OR_URL: a SQLite file or a PostgreSQL URL holding a community made by bench.community
  (python -m bench.community PATH_OR_URL); nothing is written but sign-in rows.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from collections.abc import Callable

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from adapters.web.server import SESSION_COOKIE, build_application
from adapters.web.settings import WebSettings
from bench.community import NOW
from bench.scale import config_for
from bot.app import App
from bot.clock import FixedClock
from bot.models import Commitment, Item
from bot.reply import Incoming
from bot.services.dashboard.viewer import sign_in
from relais.wiring import build_app

FLOORS = ("/healthz", "/static/style.css")


def pages(commitment: int, item: int, circle: int) -> tuple[str, ...]:
    return (
        "/roadmap",
        "/roadmap?status=all",
        f"/commitments/{commitment}",
        "/level",
        f"/level?circle={circle}",
        "/level.csv",
        "/items",
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


async def measure(app: App, cookie: str, paths: tuple[str, ...], runs: int) -> list[tuple[str, float, float]]:
    server = TestServer(build_application(app, WebSettings()), host="127.0.0.1")
    results = []
    async with TestClient(server, cookies={SESSION_COOKIE: cookie}) as client:
        for path in paths:
            samples = []
            for _ in range(runs + 1):  # the first one warms the caches and is left out
                began = time.perf_counter()
                answer = await client.get(path)
                await answer.read()
                samples.append((time.perf_counter() - began) * 1000)
                assert answer.status == 200, (path, answer.status)
            results.append((path, *percentiles(samples[1:])))
    return results


def timed(action: Callable[[], object], runs: int) -> tuple[float, float]:
    action()
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        action()
        samples.append((time.perf_counter() - began) * 1000)
    return percentiles(samples)


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
    ask = Incoming(identity="console:m1", text="/dashboard", channel="console:cercle-1")
    reply = app.dispatcher.handle(ask)
    assert reply is not None and "/login/" in reply.text, reply
    token = reply.text.split("/login/")[1].split()[0]
    cookie, _ = sign_in(app.dispatcher, token, 12)
    whoami = Incoming(identity="console:m1", text="/whoami", channel="console:cercle-1")
    median, p95 = timed(lambda: app.dispatcher.handle(whoami), runs)
    print(f"{'(floor) /whoami service':32} median {median:8.1f} ms   p95 {p95:8.1f} ms")
    paths = FLOORS + pages(*examples(app))
    for path, median, p95 in asyncio.run(measure(app, cookie, paths, runs)):
        label = f"(floor) {path}" if path in FLOORS else path
        verdict = "" if path in FLOORS else ("  ok" if p95 < 200 else "  OVER 200 ms")
        print(f"{label:32} median {median:8.1f} ms   p95 {p95:8.1f} ms{verdict}")
    app.close()


if __name__ == "__main__":
    main()
