"""A generic loopback aiohttp server: serves the stand-in, and a Bolt app in HTTP mode."""

from __future__ import annotations

import asyncio
import socket

from aiohttp import web

from .common import HOST


def bind_loopback_socket() -> socket.socket:
    """Bind 127.0.0.1:0 ourselves so the port is known and free before serving (no race)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, 0))
    sock.setblocking(False)
    return sock


class LoopbackServer:
    """Serve an ``aiohttp.web.Application`` on 127.0.0.1 and a free port, in the current loop.

    Used by :class:`SlackStandin`, and by tests to run a Bolt ``AsyncApp`` in HTTP mode::

        async with LoopbackServer(bolt_app.web_app(path="/slack/events")) as server:
            url = server.url + "/slack/events"
    """

    def __init__(self, app: web.Application, *, shutdown_timeout: float = 2.0) -> None:
        self.app = app
        self.shutdown_timeout = shutdown_timeout
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("server not started")
        return self._port

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>`` (no trailing slash)."""
        return f"http://{HOST}:{self.port}"

    async def start(self) -> str:
        if self._runner is not None:
            raise RuntimeError("server already started")
        runner = web.AppRunner(self.app, access_log=None, handle_signals=False, shutdown_timeout=self.shutdown_timeout)
        await runner.setup()
        sock = bind_loopback_socket()
        try:
            site = web.SockSite(runner, sock)
            await site.start()
        except BaseException:
            sock.close()
            await runner.cleanup()
            raise
        self._runner = runner
        self._port = sock.getsockname()[1]
        return self.url

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await asyncio.wait_for(runner.cleanup(), timeout=self.shutdown_timeout + 3)

    async def __aenter__(self) -> LoopbackServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()
