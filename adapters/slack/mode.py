"""How Slack reaches Relais: Socket Mode (default) or HTTP mode.

* Socket Mode: Relais opens a websocket to Slack with the app-level token (xapp-…). Nothing to
  expose on the internet: the right choice for one self-hosted bot.
* HTTP mode: Slack POSTs to `https://<host>/slack/events`, answered by a front process of its
  own (adapters/slack/front.py): it verifies every request's signature (`X-Slack-Signature`, signing
  secret, timestamp within 5 minutes; a bad one gets 401), acknowledges at once and hands the request
  to this process. Several `relais run` can serve behind a load balancer on one PostgreSQL database:
  events are de-duplicated and outbox rows leased in the database. `GET /healthz` answers 200.

Either way each request is written to the spool (slack.spool) and flushed to disk before Slack hears it
arrived, and marked done once its work is committed: what a crash cuts in between is run again at the next
start, once (adapters/slack/front_spool.py, adapters/slack/spooled.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any, Protocol

from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.front import SECRET_VARIABLE, SPOOL_VARIABLE, frame
from adapters.slack.settings import SlackSettings
from adapters.slack.spooled import DONE_EVERY, dispatched, hold, replayed_body, unlock
from bot.config import ConfigError

log = logging.getLogger(__name__)
CONNECT_TIMEOUT = 60.0
Headers = list[list[str]] | None  # extra response headers for the front (Location, Set-Cookie)


async def read_frame(reader: asyncio.StreamReader) -> dict[str, Any]:
    """One frame from the front (adapters.slack.front: 4-byte big-endian length, then JSON)."""
    size = struct.unpack(">I", await reader.readexactly(4))[0]
    return json.loads(await reader.readexactly(size))  # type: ignore[no-any-return]


class Transport(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class SocketModeTransport:
    def __init__(
        self, bolt: AsyncApp, app_token: str, client: AsyncWebClient, spool: str = "", chosen: bool = True
    ) -> None:
        self.bolt = bolt
        self.app_token = app_token
        self.client = client
        self.spool = spool  # the spool file ("": none)
        self.chosen = chosen  # configured (else the default place: without a spool if it cannot be written)
        self.handler: Any = None  # slack_bolt's AsyncSocketModeHandler, imported when used (not in HTTP mode)
        self._lock: int | None = None
        self._replay: asyncio.Task[int] | None = None

    async def start(self) -> None:
        # The app token is checked here: the SDK would retry a refused one forever, every 10 s.
        # apps.connections.open goes through `client`: its base_url (a proxy, a stand-in) is honoured.
        opened = await self.client.apps_connections_open(app_token=self.app_token)
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        # Built here, not in __init__: the SDK opens an HTTP session as soon as it is built.
        if self.spool:
            from adapters.slack.front_spool import Spool
            from adapters.slack.socket_spool import SpooledHandler
            from adapters.slack.spooled import Disk

            self._lock, self.spool = hold(self.spool, self.chosen)
        if self.spool:
            disk = Disk(Spool(self.spool))
            self.handler = SpooledHandler(self.bolt, self.app_token, disk, web_client=self.client)
        else:
            self.handler = AsyncSocketModeHandler(self.bolt, self.app_token, web_client=self.client)
        self.handler.client.wss_uri = str(opened["url"])  # used once, then the SDK asks for fresh ones
        await asyncio.wait_for(self.handler.connect_async(), CONNECT_TIMEOUT)
        log.info("Slack: connected in Socket Mode")
        if self.spool:  # what the last run acknowledged and did not finish
            self._replay = asyncio.create_task(self.handler.replay(), name="slack-spool-replay")

    async def stop(self) -> None:
        handler, self.handler = self.handler, None
        if handler is not None:
            await handler.close_async()
            deadline = asyncio.get_running_loop().time() + FRONT_STOP  # for all that is under way
            if self._replay is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(asyncio.shield(self._replay), FRONT_STOP)
            if hasattr(handler, "finish"):  # what is under way is marked done when it ends
                await handler.finish(max(0.0, deadline - asyncio.get_running_loop().time()))
                handler.disk.close()
        unlock(self._lock)
        self._lock = None


FRONT = Path(__file__).resolve().with_name("front.py")
FRONT_START = 30.0  # seconds for the front process to listen
FRONT_STOP = 5.0
RESTART_AFTER = 1.0  # seconds before a front that died is started again


class CannotListen(OSError):
    """The front could not listen on the address and port configured (taken, or not this machine's)."""

    def __init__(self, host: str, port: int, reason: str) -> None:
        super().__init__(f"the Slack HTTP front cannot listen on {host}:{port}: {reason}")
        self.host, self.port, self.reason = host, port, reason


class HttpTransport:
    """HTTP mode: a front process answers Slack (adapters.slack.front); its requests come here, to Bolt.

    The front checks signatures and acknowledges at once, whatever Relais is doing; Relais runs each
    request through its Bolt app as Socket Mode requests are run (`mode="socket_mode"`: the front has
    already checked the signature). A front that dies is started again on the same port.
    """

    def __init__(
        self,
        bolt: AsyncApp,
        host: str,
        port: int,
        path: str,
        signing_secret: str,
        oauth_paths: tuple[str, ...] = (),
        spool: str = "",
        chosen: bool = True,
    ) -> None:
        self.bolt = bolt
        self.spool = spool  # the front's spool file ("": none)
        self.chosen = chosen  # configured (else the default place: without a spool if it cannot be written)
        self._lock: int | None = None
        self._underway: set[str] = set()  # spool ids being run here
        self._finished: dict[str, None] = {}  # the last spool ids run here (a front started again sends them)
        self._dones: list[str] = []  # told to the front together, a moment later (fewer frames, fewer writes)
        self.oauth_paths = oauth_paths  # several workspaces: `Add to Slack` and its redirect (GET)
        self.host = host
        self.port = port
        self.path = path
        self.signing_secret = signing_secret
        self.process: asyncio.subprocess.Process | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.requests = 0
        self._supervisor: asyncio.Task[None] | None = None
        self._running: set[asyncio.Task[None]] = set()
        self._stopping = False

    async def start(self) -> None:
        self._lock, self.spool = hold(self.spool, self.chosen)
        try:
            reader = await self._spawn()
        except CannotListen as error:  # at start: a configuration to fix (slack.host, slack.port), not an outage
            raise ConfigError(
                "slack.port: Relais cannot listen on {host}:{port} ({reason}): another program, or another Relais, "
                "may be using it; choose a free port",
                host=error.host,
                port=error.port,
                reason=error.reason,
            ) from error
        self._supervisor = asyncio.create_task(self._supervise(reader), name="slack-front")
        log.info("Slack: listening for HTTP requests on %s:%s%s (front process %s)", self.host, self.port, self.path,
                 self.process.pid if self.process else "?")  # fmt: skip

    async def _spawn(self) -> asyncio.StreamReader:
        ours, theirs = socket.socketpair()
        environment = {**os.environ, SECRET_VARIABLE: self.signing_secret, SPOOL_VARIABLE: self.spool}
        # the front imports only the standard library: no site-packages (-S), no PYTHON* variables (-I)
        command = [sys.executable, "-I", "-S", str(FRONT), self.host, str(self.port), self.path]
        try:
            self.process = await asyncio.create_subprocess_exec(
                *command,
                str(theirs.fileno()),
                *self.oauth_paths,
                pass_fds=[theirs.fileno()],
                env=environment,
                stdin=subprocess.DEVNULL,
            )
        finally:
            theirs.close()
        reader, self.writer = await asyncio.open_unix_connection(sock=ours)
        try:
            ready = await asyncio.wait_for(read_frame(reader), FRONT_START)
        except (TimeoutError, asyncio.IncompleteReadError, ConnectionError) as error:
            raise OSError(f"the Slack HTTP front did not start ({error!r}): is port {self.port} free?") from error
        if "cannot_listen" in ready:
            await self._reap()
            raise CannotListen(self.host, self.port, str(ready["cannot_listen"]))
        self.port = int(ready["listening"][1])  # type: ignore[index]
        return reader

    async def _supervise(self, reader: asyncio.StreamReader) -> None:
        while True:
            await self._serve(reader)
            if self._stopping:
                return
            log.error("the Slack HTTP front stopped (exit code %s); starting it again", await self._reap())
            while not self._stopping:
                await asyncio.sleep(RESTART_AFTER)
                try:
                    reader = await self._spawn()
                    break
                except OSError as error:
                    log.error("%s", error)

    async def _serve(self, reader: asyncio.StreamReader) -> None:
        while True:
            try:
                message = await read_frame(reader)
            except (asyncio.IncompleteReadError, ConnectionError):
                return
            task = asyncio.create_task(self._dispatch(message))
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    async def _dispatch(self, message: dict[str, object]) -> None:
        """One Slack request: through Bolt (acknowledged already, unless the front waits for the answer)."""
        if "refused" in message:  # the front refused requests (401): at most once a minute
            log.warning(
                "Slack requests are refused: their signature does not match slack.signing_secret "
                "(RELAIS_SLACK_SIGNING_SECRET). Copy the Signing Secret again from the app's Basic Information "
                "page (or this machine's clock is more than 5 minutes off)"
            )
            return
        identifier = str(message["s"]) if message.get("s") else None
        if identifier is not None and (identifier in self._underway or identifier in self._finished):
            if identifier in self._finished:  # sent again by a front started again: done already
                self._done(identifier)
            return  # (under way: marked done when it ends)
        self.requests += 1
        headers = message.get("headers")
        if isinstance(message.get("oauth"), dict):
            await self._oauth(message, message["oauth"], headers if isinstance(headers, dict) else {})  # type: ignore[arg-type]
            return
        body = str(message.get("body", ""))
        request = AsyncBoltRequest(
            body=replayed_body(body, message.get("at")) if message.get("replay") else body,
            headers=headers if isinstance(headers, dict) else {},
            mode="socket_mode",
        )
        if identifier is not None:
            self._underway.add(identifier)
        if message.get("replay"):
            log.info("Slack: a request acknowledged before the last stop and not finished, run again (%s)", identifier)
        over = None
        try:
            response, work = await dispatched(self.bolt, request)
            over = work.over
        except Exception:
            log.exception("a Slack request failed")
            response = BoltResponse(status=500, body="")
        if message.get("answer") and self.writer is not None:
            self._answer(message, response)
        if identifier is not None:
            if over is not None:
                await over.wait()  # its listeners have ended: their work is committed
            self._underway.discard(identifier)
            self._finished[identifier] = None
            if len(self._finished) > 10_000:
                del self._finished[next(iter(self._finished))]
            self._done(identifier)

    def _done(self, identifier: str) -> None:
        """Its work is committed: the front marks it done in the spool (with the others done meanwhile)."""
        self._dones.append(identifier)
        if len(self._dones) == 1:
            asyncio.get_running_loop().call_later(DONE_EVERY, self._tell_done)

    def _tell_done(self) -> None:
        identifiers, self._dones = self._dones, []
        if self.writer is not None and identifiers:
            self.writer.write(frame({"done": identifiers}))

    def _answer(
        self, message: dict[str, object], response: BoltResponse, headers: list[list[str]] | None = None
    ) -> None:
        if self.writer is None:
            return
        kind = (response.headers.get("content-type") or ["text/plain"])[0].split(";")[0]
        answer = {"n": message.get("n"), "status": response.status, "body": response.body, "type": kind}
        self.writer.write(frame({**answer, "headers": headers or []}))

    async def _oauth(self, message: dict[str, object], oauth: dict[str, str], headers: dict[str, str]) -> None:
        """`Add to Slack` (the install page) or Slack's redirect back with a code: Bolt's OAuth flow."""
        flow = self.bolt.oauth_flow
        request = AsyncBoltRequest(body="", query=oauth.get("query", ""), headers=headers, mode="http")
        try:
            if flow is None:
                response = BoltResponse(status=404, body="not found")
            elif oauth.get("path") == flow.install_path:
                response = await flow.handle_installation(request)
            else:
                response = await flow.handle_callback(request)
        except Exception:
            log.exception("the Slack installation failed")
            response = BoltResponse(status=500, body="")
        kept = [[name, value] for name, values in response.headers.items() if name in ("location", "set-cookie")
                for value in values]  # fmt: skip
        self._answer(message, response, kept)

    async def _reap(self) -> int | None:
        process, self.process = self.process, None
        if process is None:
            return None
        try:
            return await asyncio.wait_for(process.wait(), FRONT_STOP)
        except TimeoutError:
            process.kill()
            return await process.wait()

    async def stop(self) -> None:
        """What is under way is given FRONT_STOP in all to end: what ends before the front is told to stop is
        marked done in the spool; what ends after, or not at all, is run again at the next start (a no-op
        for what was committed)."""
        self._stopping = True
        deadline = asyncio.get_running_loop().time() + FRONT_STOP
        if self._running:  # what is under way ends first, and is marked done in the spool
            await asyncio.wait(set(self._running), timeout=FRONT_STOP)
        self._tell_done()
        writer, self.writer = self.writer, None
        if writer is not None:
            writer.close()  # the front sees the socket close and stops listening
        await self._reap()
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor
        left = deadline - asyncio.get_running_loop().time()
        if self._running and left > 0:  # sent by the front before it stopped: the rest of the same FRONT_STOP
            await asyncio.wait(set(self._running), timeout=left)
        unlock(self._lock)
        self._lock = None

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"http://{host}:{self.port}{self.path}"


def make_transport(bolt: AsyncApp, settings: SlackSettings, client: AsyncWebClient) -> Transport:
    if settings.http:
        oauth = (settings.install_path, settings.redirect_path) if settings.oauth else ()
        return HttpTransport(
            bolt, settings.host, settings.port, settings.path, settings.signing_secret, oauth, settings.spool,
            settings.spool_chosen,
        )  # fmt: skip
    return SocketModeTransport(bolt, settings.app_token, client, settings.spool, settings.spool_chosen)
