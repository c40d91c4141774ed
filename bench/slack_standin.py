"""The Slack stand-in of the tests (tests/slack/standin) as a process of its own, for the benchmarks.

Its own process, so that the load generator and what it measures do not share an interpreter lock
with it. A workspace of USERS people, all in its general channel with the bot; what it received
is read back over HTTP (`GET /bench/traffic`: every response_url post and Web API call, with the
monotonic time it was handled, which is the same clock in every process of the machine).

    python -m bench.slack_standin [USERS]     # prints "ready <base url>", serves until stopped
"""

from __future__ import annotations

import asyncio
import signal
import sys
from typing import Any

from aiohttp import web

from tests.slack.standin import DEFAULT_CHANNEL_ID, LoopbackServer, SlackStandin

BOT_TOKEN = "xoxb-bench"
SIGNING_SECRET = "bench-signing-secret"


def user_id(number: int) -> str:
    return f"U0BENCH{number:04d}"


class BenchStandin(SlackStandin):
    async def start(self) -> BenchStandin:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_post("/response/{response_id}", self._handle_response_url)
        app.router.add_get("/bench/traffic", self._traffic)
        server = LoopbackServer(app, shutdown_timeout=1.0)
        await server.start()
        self._server = server
        self._loop = asyncio.get_running_loop()
        return self

    async def _traffic(self, _request: web.Request) -> web.Response:
        received = [*self.calls, *self.response_posts]
        calls: list[dict[str, Any]] = [
            {"method": call.method, "id": call.response_id, "at": call.at, "status": call.status} for call in received
        ]
        return web.json_response({"calls": calls})


async def main(users: int) -> None:
    standin = BenchStandin()
    people = [user_id(number) for number in range(users)]
    for number, user in enumerate(people):
        standin.add_user(user, name=f"membre{number}", real_name=f"Membre {number}", locale="fr-FR")
    standin.set_members(DEFAULT_CHANNEL_ID, [*people, standin.bot_user_id])
    await standin.start()
    print("ready", standin.base_url, flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    await standin.stop()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 50))
