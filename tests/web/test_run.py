"""`relais run` serves the dashboard when [web] is configured, and stops it with the rest."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import replace

import aiohttp

from bot.app import App
from relais.runner import Runner
from tests.support.waiting import POLL


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_relais_run_serves_the_dashboard_with_web_configured(testbot):
    port = free_port()
    config = replace(testbot.dispatcher.config, sections={"web": {"port": port}})
    app = App(config=config, store=testbot.store, clock=testbot.clock, dispatcher=testbot.dispatcher)
    stop = asyncio.Event()
    runner = Runner(app, factories={}, schedule=False)
    serving = asyncio.create_task(runner.serve(stop))
    async with aiohttp.ClientSession() as http:

        async def answers() -> bool:
            try:
                async with http.get(f"http://127.0.0.1:{port}/roadmap") as response:
                    return response.status == 401 and "/tableau" in await response.text()
            except aiohttp.ClientConnectionError:
                return False

        deadline = asyncio.get_running_loop().time() + 10
        while not await answers():  # the server is up once it answers (a condition, with a deadline)
            assert asyncio.get_running_loop().time() < deadline, "the dashboard never answered"
            await asyncio.sleep(POLL)
        stop.set()
        assert await serving == 0
        assert not await answers()  # stopped with Relais
