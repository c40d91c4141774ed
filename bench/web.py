"""Web dashboard benchmark: each page's server time on the benchmark community (2,000 members,
50 circles, 200,000 items), signed in as a facilitator, through the real aiohttp application.

Target (issue 16): every page under 200 ms server time (p95).
Usage: python -m bench.web [PATH] [RUNS]  (generates the data set first if PATH does not exist)
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from adapters.web.server import SESSION_COOKIE, build_application
from adapters.web.settings import WebSettings
from bench.generate import NOW, generate
from bot.clock import FixedClock
from bot.config import Config
from bot.reply import Incoming
from bot.services.dashboard.viewer import sign_in
from relais.wiring import build_app

PAGES = (
    "/roadmap",
    "/roadmap?status=all",
    "/commitments/10",
    "/level",
    "/items",
    "/meetings",
    "/review",
    "/roadmap.csv",
)


async def measure(app, cookie: str, runs: int) -> list[tuple[str, float, float]]:
    server = TestServer(build_application(app, WebSettings()), host="127.0.0.1")
    results = []
    async with TestClient(server, cookies={SESSION_COOKIE: cookie}) as client:
        for path in PAGES:
            samples = []
            for _ in range(runs):
                began = time.perf_counter()
                answer = await client.get(path)
                await answer.read()
                samples.append((time.perf_counter() - began) * 1000)
                assert answer.status == 200, (path, answer.status)
            samples.sort()
            results.append((path, statistics.median(samples), samples[max(int(len(samples) * 0.95) - 1, 0)]))
    return results


def main() -> None:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "bench/bench.db")
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 20
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
    reply = app.dispatcher.handle(Incoming(identity="console:m1", text="/dashboard", channel="console:cercle-1"))
    assert reply is not None
    token = reply.text.split("/login/")[1].split()[0]
    cookie, _ = sign_in(app.dispatcher, token, 12)
    for page, median, p95 in asyncio.run(measure(app, cookie, runs)):
        print(f"{page:28} median {median:8.1f} ms   p95 {p95:8.1f} ms")
    app.close()


if __name__ == "__main__":
    main()
