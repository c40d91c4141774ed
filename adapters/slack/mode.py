"""How Slack reaches Relais: Socket Mode (default) or HTTP mode.

* Socket Mode: Relais opens a websocket to Slack with the app-level token (xapp-…). Nothing to
  expose on the internet: the right choice for one self-hosted bot.
* HTTP mode: Slack POSTs to `https://<host>/slack/events`; every request's signature
  (`X-Slack-Signature`, signing secret, timestamp within 5 minutes) is verified by Bolt and a bad
  one gets 401. Several workers can run behind a load balancer on one PostgreSQL database: events
  are de-duplicated and outbox rows leased in the database. `GET /healthz` answers 200.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.settings import SlackSettings

log = logging.getLogger(__name__)
CONNECT_TIMEOUT = 60.0


class Transport(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class SocketModeTransport:
    def __init__(self, bolt: AsyncApp, app_token: str, client: AsyncWebClient) -> None:
        self.bolt = bolt
        self.app_token = app_token
        self.client = client
        self.handler: AsyncSocketModeHandler | None = None

    async def start(self) -> None:
        # The app token is checked here: the SDK would retry a refused one forever, every 10 s.
        # apps.connections.open goes through `client`: its base_url (a proxy, a stand-in) is honoured.
        opened = await self.client.apps_connections_open(app_token=self.app_token)
        # Built here, not in __init__: the SDK opens an HTTP session as soon as it is built.
        self.handler = AsyncSocketModeHandler(self.bolt, self.app_token, web_client=self.client)
        self.handler.client.wss_uri = str(opened["url"])  # used once, then the SDK asks for fresh ones
        await asyncio.wait_for(self.handler.connect_async(), CONNECT_TIMEOUT)
        log.info("Slack: connected in Socket Mode")

    async def stop(self) -> None:
        handler, self.handler = self.handler, None
        if handler is not None:
            await handler.close_async()


async def healthz(_request: web.Request) -> web.Response:
    return web.Response(text="ok")


class HttpTransport:
    def __init__(self, bolt: AsyncApp, host: str, port: int, path: str) -> None:
        self.bolt = bolt
        self.host = host
        self.port = port
        self.path = path
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        application = self.bolt.web_app(path=self.path, port=self.port)
        application.router.add_get("/healthz", healthz)
        runner = web.AppRunner(application, access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        self._runner = runner
        address = runner.addresses[0] if runner.addresses else (self.host, self.port)
        self.port = int(address[1])
        log.info("Slack: listening for HTTP requests on %s:%s%s", self.host, self.port, self.path)

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"http://{host}:{self.port}{self.path}"


def make_transport(bolt: AsyncApp, settings: SlackSettings, client: AsyncWebClient) -> Transport:
    if settings.http:
        return HttpTransport(bolt, settings.host, settings.port, settings.path)
    return SocketModeTransport(bolt, settings.app_token, client)
