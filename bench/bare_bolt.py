"""The floor of the Slack benchmarks: a bare Bolt app in HTTP mode that checks signatures and acks
every slash command, and does nothing else (the same aiohttp server Bolt's async app uses).

    python -m bench.bare_bolt PORT API_URL     # signing secret in SLACK_SIGNING_SECRET
"""

from __future__ import annotations

import os
import re
import sys
from typing import Any

from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient


def build(api_url: str) -> AsyncApp:
    app = AsyncApp(
        client=AsyncWebClient(token="xoxb-bench", base_url=api_url),
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        process_before_response=False,
    )

    @app.command(re.compile(".*"))
    async def only_ack(ack: Any) -> None:
        await ack()

    return app


def main(port: int, api_url: str) -> None:
    application = build(api_url).web_app(path="/slack/events", port=port)
    print("ready", port, flush=True)
    web.run_app(application, host="127.0.0.1", port=port, access_log=None, print=None)


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])
