"""The stand-in itself: one object holding the workspace, the recorded traffic and the injected
faults, served on loopback in the caller's loop or from a thread of its own."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Coroutine, Iterable, Mapping
from typing import Any, TypeVar

from aiohttp import web

from tests.support.waiting import eventually

from .common import (
    DEFAULT_APP_ID,
    DEFAULT_BOT_ID,
    DEFAULT_BOT_USER_ID,
    DEFAULT_CHANNEL_ID,
    DEFAULT_TEAM_DOMAIN,
    DEFAULT_TEAM_ID,
    DEFAULT_USER_ID,
    HOST,
    SLACKBOT,
    Fault,
    RecordedCall,
    new_id,
)
from .files import Files
from .interactions import Interactions
from .members import ChannelMembers
from .oauth import Installed, OAuth
from .server import LoopbackServer
from .socket_mode import SocketMode
from .teams import Speaker, Teams
from .views import Views
from .web_api import WebApi
from .workspace import Workspace

T = TypeVar("T")


class SlackStandin(Teams, Workspace, OAuth, ChannelMembers, Interactions, SocketMode, Views, Files, WebApi):
    """Fake Slack: Web API + Socket Mode + response_url, on loopback. See the package docstring."""

    def __init__(
        self,
        *,
        team_id: str = DEFAULT_TEAM_ID,
        team_domain: str = DEFAULT_TEAM_DOMAIN,
        team_name: str = "Relais Test",
        enterprise_id: str | None = None,
        app_id: str = DEFAULT_APP_ID,
        bot_user_id: str = DEFAULT_BOT_USER_ID,
        bot_id: str = DEFAULT_BOT_ID,
        bot_name: str = "relais",
        users: Mapping[str, Mapping[str, Any]] | None = None,
        channels: Mapping[str, Mapping[str, Any]] | None = None,
        valid_tokens: Iterable[str] | None = None,
        trigger_ttl: float | None = 3.0,
        send_hello: bool = True,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """
        Args:
            users: ``{user_id: {"name", "real_name", "display_name", "tz", "locale", "email",
                "is_bot", "deleted"}}`` (all keys optional) served by ``users.info``.
            channels: ``{channel_id: {"name", "is_private", "is_im", "user", ...}}`` served by
                ``conversations.info`` (unknown C/G/D ids are synthesised).
            valid_tokens: if given, any other token gets ``invalid_auth``. Otherwise any token
                passes; a missing one gets ``not_authed``.
            trigger_ttl: seconds a trigger_id issued by this stand-in stays valid for
                ``views.open``/``views.push`` (Slack: 3 s). ``None`` disables the check.
            send_hello: send Slack's ``{"type": "hello"}`` on each Socket Mode connection.
            monotonic: the clock trigger_ids age by (a test moves its own instead of waiting).
        """
        self.team_id = team_id
        self.team_domain = team_domain
        self.team_name = team_name
        self.enterprise_id = enterprise_id
        self.app_id = app_id
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.bot_name = bot_name
        self.valid_tokens: set[str] | None = set(valid_tokens) if valid_tokens is not None else None
        self.trigger_ttl = trigger_ttl
        self.send_hello = send_hello
        self.monotonic = monotonic

        # --- recorded traffic
        self.calls: list[RecordedCall] = []
        self.response_posts: list[RecordedCall] = []
        self.socket_received: list[dict[str, Any]] = []  # every JSON message a client sent
        self.socket_sent: list[dict[str, Any]] = []  # every envelope we pushed
        self.acks: dict[str, dict[str, Any]] = {}  # envelope_id -> ack (+ "elapsed")
        self.socket_connect_count = 0

        # --- state
        self.users: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, dict[str, Any]] = {}
        self.members_of: dict[str, list[str]] = {}  # channel -> member user ids (conversations.members)
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}  # (channel, ts) -> message
        self.ephemerals: list[dict[str, Any]] = []  # {"channel", "user" (recipient), "message"}
        self.views: dict[str, dict[str, Any]] = {}  # view_id -> view
        self.home_views: dict[str, dict[str, Any]] = {}  # user_id -> view
        self.reactions: list[dict[str, str]] = []  # {"channel", "ts", "name", "user"}
        self.dm_channels: dict[tuple[str, ...], str] = {}
        self.triggers: dict[str, float] = {}  # trigger_id -> monotonic issue time
        self.exchanged: set[str] = set()  # trigger_ids a views.open used (views.py)
        self.trigger_teams: dict[str, str] = {}  # trigger_id -> the workspace it was issued for (teams.py)
        self.caller: Speaker | None = None  # the workspace of the Web API call being answered
        self.workspaces: dict[str, Installed] = {}  # other workspaces' bot tokens (oauth.py)
        self.codes: dict[str, Installed] = {}
        self.uploads: dict[str, dict[str, Any]] = {}  # file uploads (files.py)

        self._faults: dict[str, list[Fault]] = {}
        self._lock = threading.Lock()
        self._last_ts_us = 0
        self._sockets: list[web.WebSocketResponse] = []
        self._sent_at: dict[str, float] = {}
        self._server: LoopbackServer | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

        self.add_user(bot_user_id, name=bot_name, real_name=bot_name.capitalize(), is_bot=True, bot_id=bot_id)
        self.add_user(SLACKBOT, name="slackbot", real_name="Slackbot")  # listed by Slack with is_bot false
        self.add_user(DEFAULT_USER_ID, name="alice", real_name="Alice Martin", tz="Europe/Paris")
        self.add_channel(DEFAULT_CHANNEL_ID, name="general", is_general=True)
        for uid, info in (users or {}).items():
            self.add_user(uid, **info)
        for cid, info in (channels or {}).items():
            self.add_channel(cid, **info)

    # ------------------------------------------------------------------ lifecycle (async)

    async def start(self) -> SlackStandin:
        """Start serving in the running loop. Returns self."""
        if self._server is not None:
            raise RuntimeError("stand-in already started")
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_get("/link", self._handle_socket)
        app.router.add_get("/link/", self._handle_socket)
        app.router.add_post("/response/{response_id}", self._handle_response_url)
        app.router.add_post("/upload/v1/{file_id}", self._handle_upload)
        server = LoopbackServer(app, shutdown_timeout=1.0)
        await server.start()
        self._server = server
        self._loop = asyncio.get_running_loop()
        return self

    async def stop(self) -> None:
        """Close Socket Mode connections (code 1001) and stop serving. Idempotent."""
        server, self._server = self._server, None
        if server is None:
            return
        for ws in list(self._sockets):
            try:
                await asyncio.wait_for(ws.close(code=1001, message=b"stand-in stopping"), timeout=2)
            except (TimeoutError, ConnectionError, RuntimeError):
                pass
        await server.stop()

    async def __aenter__(self) -> SlackStandin:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------ lifecycle (thread)

    def start_in_thread(self, timeout: float = 10.0) -> SlackStandin:
        """Serve from a daemon thread running its own event loop (for synchronous callers)."""
        if self._thread is not None or self._server is not None:
            raise RuntimeError("stand-in already started")
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self.start())
            except BaseException as exc:  # noqa: BLE001 - reported to the starting thread
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.close()

        thread = threading.Thread(target=run, name="slack-standin", daemon=True)
        thread.start()
        if not ready.wait(timeout):
            raise TimeoutError(f"stand-in thread did not start within {timeout}s")
        if failure:
            thread.join(timeout)
            raise failure[0]
        self._thread = thread
        return self

    def stop_in_thread(self, timeout: float = 10.0) -> None:
        thread, self._thread = self._thread, None
        loop = self._loop
        if thread is None or loop is None:
            return
        try:
            asyncio.run_coroutine_threadsafe(self.stop(), loop).result(timeout)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout)

    def run_sync(self, coro: Coroutine[Any, Any, T], timeout: float = 10.0) -> T:
        """Run a coroutine on the stand-in's thread loop from synchronous code (thread mode)."""
        if self._thread is None or self._loop is None:
            coro.close()
            raise RuntimeError("run_sync() needs start_in_thread()")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def __enter__(self) -> SlackStandin:
        return self.start_in_thread()

    def __exit__(self, *exc_info: object) -> None:
        self.stop_in_thread()

    # ------------------------------------------------------------------ URLs

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("stand-in not started")
        return self._server.port

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>`` (no trailing slash)."""
        return f"http://{HOST}:{self.port}"

    @property
    def api_url(self) -> str:
        """Pass as ``base_url=`` to (Async)WebClient. Ends with ``/`` like slack.com/api/."""
        return f"{self.base_url}/api/"

    @property
    def socket_url(self) -> str:
        return f"ws://{HOST}:{self.port}/link/"

    def new_response_url(self) -> str:
        return f"{self.base_url}/response/{new_id('R', 12)}"

    # ------------------------------------------------------------------ recording helpers

    def calls_to(self, method: str, *, ok: bool | None = None) -> list[RecordedCall]:
        """Calls of one Web API method (incl. rate-limited/failed attempts unless ``ok=True``)."""
        return [c for c in list(self.calls) if c.method == method and (ok is None or c.ok == ok)]

    async def wait_for_calls(
        self, method: str, count: int = 1, *, timeout: float = 3.0, ok: bool | None = True
    ) -> list[RecordedCall]:
        """Wait until ``count`` calls of ``method`` (successful ones by default) were received."""
        await eventually(lambda: len(self.calls_to(method, ok=ok)) >= count, timeout, f"{count}x {method}")
        return self.calls_to(method, ok=ok)

    async def wait_for_response_posts(self, count: int = 1, *, timeout: float = 3.0) -> list[RecordedCall]:
        await eventually(lambda: len(self.response_posts) >= count, timeout, f"{count} response_url post(s)")
        return list(self.response_posts)

    def reset(self) -> None:
        """Forget recorded traffic and injected faults (state such as messages is kept)."""
        self.calls.clear()
        self.response_posts.clear()
        self.socket_received.clear()
        self.socket_sent.clear()
        self.acks.clear()
        self._faults.clear()

    # ------------------------------------------------------------------ fault injection

    def rate_limit(self, method: str, times: int = 1, retry_after: int = 1) -> None:
        """The next ``times`` calls of ``method`` answer HTTP 429, ``Retry-After: retry_after``."""
        self._faults.setdefault(method, []).append(
            Fault(
                times=times,
                status=429,
                body={"ok": False, "error": "ratelimited"},
                headers={"Retry-After": str(retry_after)},
            )
        )

    def fail(
        self,
        method: str,
        error: str,
        times: int = 1,
        *,
        status: int = 200,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        """The next ``times`` calls of ``method`` answer ``{"ok": false, "error": error}``."""
        self._faults.setdefault(method, []).append(
            Fault(times=times, status=status, body={"ok": False, "error": error, **(extra or {})}, headers={})
        )

    def _take_fault(self, method: str) -> Fault | None:
        queue = self._faults.get(method)
        while queue:
            fault = queue[0]
            if fault.times > 0:
                fault.times -= 1
                if fault.times == 0:
                    queue.pop(0)
                return fault
            queue.pop(0)
        return None
