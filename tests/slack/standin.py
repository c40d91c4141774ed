"""A local, loopback-only stand-in for the parts of Slack that Relais talks to.

It serves, on ``127.0.0.1`` and a free ephemeral port chosen by the kernel:

* the Web API under ``/api/<method>`` (form-encoded, JSON, multipart or query-string
  parameters; ``Authorization: Bearer`` or ``token=``), with a small amount of state
  (messages, views, reactions, users, channels) so that the answers look like Slack's;
* the Socket Mode WebSocket under ``/link`` (the URL ``apps.connections.open`` hands out);
* ``response_url`` endpoints under ``/response/<id>``.

Web API methods with state: auth.test, apps.connections.open, chat.postMessage/postEphemeral/
update/delete (metadata kept), conversations.history/replies (metadata only with
``include_all_metadata``, like Slack), conversations.open/info, views.open/push/update/publish,
users.info/list and conversations.members (see standin_members.py), reactions.add; any other
method answers ``{"ok": true}`` and is recorded.

Primary mode is **async, in the caller's event loop**::

    async with SlackStandin() as standin:
        client = AsyncWebClient(token="xoxb-test", base_url=standin.api_url)

Secondary mode is a **background thread with its own loop**, for synchronous code (Bolt's
sync ``App``, ``WebClient``) that would otherwise block the loop serving it::

    with SlackStandin() as standin:            # == start_in_thread() / stop_in_thread()
        WebClient(token="xoxb-test", base_url=standin.api_url).chat_postMessage(...)
        envelope_id = standin.run_sync(standin.socket_send("slash_commands", payload))

The polling helpers (``wait_ack``, ``wait_for_calls``, ``wait_socket_connected``...) can be awaited
from any loop; ``socket_send`` hops to the server loop by itself.

This module has no pytest and no slack_sdk / slack_bolt imports: only aiohttp.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import socket
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode
from zoneinfo import ZoneInfo

from aiohttp import WSMsgType, web

from .standin_members import (
    SLACKBOT,
    ChannelMembers,
    StandinError,
    check_blocks,
    member_joined_channel_event,
    member_left_channel_event,
)

__all__ = [
    "DEFAULT_APP_ID",
    "DEFAULT_BOT_ID",
    "DEFAULT_BOT_USER_ID",
    "DEFAULT_CHANNEL_ID",
    "DEFAULT_TEAM_DOMAIN",
    "DEFAULT_TEAM_ID",
    "DEFAULT_USER_ID",
    "LoopbackServer",
    "RecordedCall",
    "SlackStandin",
    "asgi_request",
    "block_actions",
    "event_callback",
    "form_encode_interactive",
    "form_encode_slash_command",
    "json_encode_event",
    "member_joined_channel_event",
    "member_left_channel_event",
    "message_event",
    "new_trigger_id",
    "reaction_added_event",
    "reaction_removed_event",
    "app_home_opened_event",
    "signed_request_headers",
    "slash_command",
    "view_submission",
]

T = TypeVar("T")

DEFAULT_TEAM_ID = "T0RELAIS01"
DEFAULT_TEAM_DOMAIN = "relais-test"
DEFAULT_APP_ID = "A0RELAIS01"
DEFAULT_BOT_USER_ID = "U0RELAISBOT"
DEFAULT_BOT_ID = "B0RELAISBOT"
DEFAULT_USER_ID = "U0ALICE001"
DEFAULT_CHANNEL_ID = "C0GENERAL01"
#: Verification token put into payloads (deprecated by Slack, still sent).
DEFAULT_VERIFICATION_TOKEN = "standin-verification-token"

_HOST = "127.0.0.1"


# ---------------------------------------------------------------------------
# small utilities
# ---------------------------------------------------------------------------

_id_counter = itertools.count(1)
_id_lock = threading.Lock()


def _new_id(prefix: str, length: int = 10) -> str:
    """Slack-looking id: prefix + uppercase alphanumerics, unique within the process."""
    with _id_lock:
        n = next(_id_counter)
    return f"{prefix}{n:04d}{uuid.uuid4().hex.upper()}"[: len(prefix) + length]


def new_trigger_id() -> str:
    """A trigger_id shaped like Slack's (``<digits>.<digits>.<hex>``)."""
    now = int(time.time())
    return f"{now}{next(_id_counter):05d}.{now % 100000000}.{uuid.uuid4().hex}"


def _maybe_json(value: Any) -> Any:
    """Form-encoded requests carry blocks/metadata/view as JSON strings; decode them."""
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() in ("1", "true", "yes")
    return bool(value)


def _bind_loopback_socket() -> socket.socket:
    """Bind 127.0.0.1:0 ourselves so the port is known and free before serving (no race)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((_HOST, 0))
    sock.setblocking(False)
    return sock


# ---------------------------------------------------------------------------
# a generic loopback aiohttp server (also used to host a Bolt app in HTTP mode)
# ---------------------------------------------------------------------------


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
        return f"http://{_HOST}:{self.port}"

    async def start(self) -> str:
        if self._runner is not None:
            raise RuntimeError("server already started")
        runner = web.AppRunner(self.app, access_log=None, handle_signals=False, shutdown_timeout=self.shutdown_timeout)
        await runner.setup()
        sock = _bind_loopback_socket()
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


# ---------------------------------------------------------------------------
# recorded traffic
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordedCall:
    """One HTTP request received by the stand-in.

    Unpacks as the 3-tuple ``(method, params, headers)``. ``headers`` keys are lower-case.
    ``params`` merges query string and body (JSON values keep their types; form values are
    strings, exactly as received). For ``response_url`` posts, ``method`` is ``"response_url"``
    and ``response_id`` is set.
    """

    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    status: int = 200
    response: dict[str, Any] = field(default_factory=dict)
    http_verb: str = "POST"
    at: float = 0.0  # time.monotonic() when handled
    response_id: str | None = None

    def __iter__(self) -> Iterator[Any]:
        return iter((self.method, self.params, self.headers))

    @property
    def ok(self) -> bool:
        return self.status == 200 and bool(self.response.get("ok", False))

    @property
    def token(self) -> str | None:
        auth = self.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            return auth[7:].strip()
        token = self.params.get("token")
        return str(token) if token is not None else None


@dataclass
class _Fault:
    times: int
    status: int
    body: dict[str, Any]
    headers: dict[str, str]


# ---------------------------------------------------------------------------
# the stand-in
# ---------------------------------------------------------------------------


class SlackStandin(ChannelMembers):
    """Fake Slack: Web API + Socket Mode + response_url, on loopback. See module docstring."""

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

        self._faults: dict[str, list[_Fault]] = {}
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
        return f"http://{_HOST}:{self.port}"

    @property
    def api_url(self) -> str:
        """Pass as ``base_url=`` to (Async)WebClient. Ends with ``/`` like slack.com/api/."""
        return f"{self.base_url}/api/"

    @property
    def socket_url(self) -> str:
        return f"ws://{_HOST}:{self.port}/link/"

    def new_response_url(self) -> str:
        return f"{self.base_url}/response/{_new_id('R', 12)}"

    # ------------------------------------------------------------------ recording helpers

    def calls_to(self, method: str, *, ok: bool | None = None) -> list[RecordedCall]:
        """Calls of one Web API method (incl. rate-limited/failed attempts unless ``ok=True``)."""
        return [c for c in list(self.calls) if c.method == method and (ok is None or c.ok == ok)]

    async def wait_for_calls(
        self, method: str, count: int = 1, *, timeout: float = 3.0, ok: bool | None = True
    ) -> list[RecordedCall]:
        """Wait until ``count`` calls of ``method`` (successful ones by default) were received."""
        await _poll(lambda: len(self.calls_to(method, ok=ok)) >= count, timeout, f"{count}x {method}")
        return self.calls_to(method, ok=ok)

    async def wait_for_response_posts(self, count: int = 1, *, timeout: float = 3.0) -> list[RecordedCall]:
        await _poll(lambda: len(self.response_posts) >= count, timeout, f"{count} response_url post(s)")
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
            _Fault(
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
            _Fault(times=times, status=status, body={"ok": False, "error": error, **(extra or {})}, headers={})
        )

    def _take_fault(self, method: str) -> _Fault | None:
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

    # ------------------------------------------------------------------ state helpers

    def new_ts(self) -> str:
        """A message ts, strictly increasing and unique within this stand-in."""
        with self._lock:
            now_us = int(time.time() * 1_000_000)
            self._last_ts_us = max(now_us, self._last_ts_us + 1)
            us = self._last_ts_us
        return f"{us // 1_000_000}.{us % 1_000_000:06d}"

    def new_trigger_id(self) -> str:
        trigger_id = new_trigger_id()
        self.triggers[trigger_id] = time.monotonic()
        return trigger_id

    def add_user(
        self,
        user_id: str,
        *,
        name: str | None = None,
        real_name: str | None = None,
        display_name: str | None = None,
        tz: str = "UTC",
        locale: str = "en-US",
        email: str | None = None,
        is_bot: bool = False,
        is_app_user: bool = False,
        deleted: bool = False,
        bot_id: str | None = None,
    ) -> dict[str, Any]:
        """Register (or replace) a user served by ``users.info``. Returns the user object."""
        name = name or user_id.lower()
        real_name = real_name if real_name is not None else name
        display_name = display_name if display_name is not None else ""
        tz_label, tz_offset = _tz_info(tz)
        profile: dict[str, Any] = {
            "real_name": real_name,
            "real_name_normalized": real_name,
            "display_name": display_name,
            "display_name_normalized": display_name,
            "first_name": real_name.split(" ")[0] if real_name else "",
            "team": self.team_id,
            "image_72": f"https://avatars.invalid/{user_id}_72.png",
        }
        if email:
            profile["email"] = email
        if bot_id:
            profile["bot_id"] = bot_id
        user: dict[str, Any] = {
            "id": user_id,
            "team_id": self.team_id,
            "name": name,
            "deleted": deleted,
            "real_name": real_name,
            "tz": tz,
            "tz_label": tz_label,
            "tz_offset": tz_offset,
            "profile": profile,
            "is_admin": False,
            "is_owner": False,
            "is_bot": is_bot,
            "is_app_user": is_app_user,
            "updated": int(time.time()),
            "_locale": locale,  # only returned when include_locale=true, like Slack
        }
        self.users[user_id] = user
        return user

    def add_channel(
        self,
        channel_id: str,
        *,
        name: str | None = None,
        is_private: bool = False,
        is_im: bool = False,
        is_mpim: bool = False,
        user: str | None = None,
        is_general: bool = False,
        is_member: bool = True,
        members: Iterable[str] | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """Register (or replace) a channel; `members` are its users (default: the bot, if `is_member`)."""
        channel: dict[str, Any] = {
            "id": channel_id,
            "created": int(time.time()),
            "is_channel": not (is_im or is_mpim or is_private),
            "is_group": is_private and not is_mpim,
            "is_im": is_im,
            "is_mpim": is_mpim,
            "is_private": is_private or is_im or is_mpim,
            "is_archived": False,
            "is_general": is_general,
            "is_shared": False,
            "is_ext_shared": False,
            "is_org_shared": False,
            "is_member": is_member,
            "context_team_id": self.team_id,
        }
        if is_im:
            channel["user"] = user
        else:
            channel["name"] = name or channel_id.lower()
            channel["name_normalized"] = channel["name"]
        channel.update(extra)
        self.channels[channel_id] = channel
        if members is None:
            members = ([user] if is_im and user else []) + ([self.bot_user_id] if is_member else [])
        self.set_members(channel_id, members)
        return channel

    def dm_channel_for(self, *user_ids: str) -> str:
        """Stable DM (1 other user, ``D…``) or group DM (``G…``) id for a set of users."""
        others = tuple(sorted({u for u in user_ids if u and u != self.bot_user_id}))
        if not others:
            others = (self.bot_user_id,)
        with self._lock:
            channel_id = self.dm_channels.get(others)
            if channel_id is None:
                digest = hashlib.sha1(",".join(others).encode()).hexdigest().upper()
                channel_id = ("D" if len(others) == 1 else "G") + digest[:10]
                self.dm_channels[others] = channel_id
        if channel_id not in self.channels:
            if len(others) == 1:
                self.add_channel(channel_id, is_im=True, user=others[0])
            else:
                self.add_channel(channel_id, name="mpdm-" + "--".join(others) + "-1", is_mpim=True)
        return channel_id

    def messages_in(self, channel: str) -> list[dict[str, Any]]:
        """Messages currently stored in a channel (posted and not deleted), oldest first."""
        found = [m for (c, _), m in list(self.messages.items()) if c == channel]
        return sorted(found, key=lambda m: m["ts"])

    def add_message(self, channel: str, message: Mapping[str, Any]) -> dict[str, Any]:
        """Seed a message (e.g. a user's) so chat.update/delete/reactions find it."""
        stored = {"type": "message", "ts": self.new_ts(), **message}
        self.messages[(channel, stored["ts"])] = stored
        return stored

    # ------------------------------------------------------------------ payload builders

    def slash_command(
        self,
        command: str,
        text: str = "",
        user_id: str = DEFAULT_USER_ID,
        channel_id: str = DEFAULT_CHANNEL_ID,
        **kwargs: Any,
    ) -> dict[str, str]:
        """:func:`slash_command` with this stand-in's team/app, response_url and a fresh trigger."""
        kwargs.setdefault("team_id", self.team_id)
        kwargs.setdefault("team_domain", self.team_domain)
        kwargs.setdefault("api_app_id", self.app_id)
        kwargs.setdefault("enterprise_id", self.enterprise_id)
        kwargs.setdefault("response_url", self.new_response_url())
        kwargs.setdefault("trigger_id", self.new_trigger_id())
        kwargs.setdefault("user_name", self._user_name(user_id))
        kwargs.setdefault("channel_name", self._channel_name(channel_id))
        return slash_command(command, text, user_id, channel_id, **kwargs)

    def event_callback(self, event: Mapping[str, Any], event_id: str | None = None, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("team_id", self.team_id)
        kwargs.setdefault("api_app_id", self.app_id)
        kwargs.setdefault("enterprise_id", self.enterprise_id)
        kwargs.setdefault("bot_user_id", self.bot_user_id)
        return event_callback(event, event_id, **kwargs)

    def block_actions(self, action_id: str, value: str | None = None, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("team_id", self.team_id)
        kwargs.setdefault("team_domain", self.team_domain)
        kwargs.setdefault("api_app_id", self.app_id)
        kwargs.setdefault("trigger_id", self.new_trigger_id())
        if kwargs.get("view") is None:
            kwargs.setdefault("response_url", self.new_response_url())
        return block_actions(action_id, value, **kwargs)

    def view_submission(
        self,
        view_callback_id: str,
        state_values: Mapping[str, Any] | None = None,
        private_metadata: str = "",
        user_id: str = DEFAULT_USER_ID,
        **kwargs: Any,
    ) -> dict[str, Any]:
        kwargs.setdefault("team_id", self.team_id)
        kwargs.setdefault("team_domain", self.team_domain)
        kwargs.setdefault("api_app_id", self.app_id)
        kwargs.setdefault("bot_id", self.bot_id)
        kwargs.setdefault("trigger_id", self.new_trigger_id())
        return view_submission(view_callback_id, state_values, private_metadata, user_id, **kwargs)

    def _user_name(self, user_id: str) -> str:
        user = self.users.get(user_id)
        return str(user["name"]) if user else user_id.lower()

    def _channel_name(self, channel_id: str) -> str:
        channel = self.channels.get(channel_id)
        if channel is None:
            return "directmessage" if channel_id.startswith("D") else channel_id.lower()
        if channel.get("is_im"):
            return "directmessage"
        return str(channel.get("name", channel_id.lower()))

    # ------------------------------------------------------------------ Socket Mode API

    @property
    def socket_connected(self) -> bool:
        return any(not ws.closed for ws in self._sockets)

    async def wait_socket_connected(self, timeout: float = 5.0) -> None:
        await _poll(lambda: self.socket_connected, timeout, "a Socket Mode connection")

    async def socket_send(
        self,
        envelope_type: str,
        payload: Mapping[str, Any],
        envelope_id: str | None = None,
        retry_attempt: int = 0,
        retry_reason: str = "",
        *,
        accepts_response_payload: bool | None = None,
        connect_timeout: float = 5.0,
    ) -> str:
        """Push an envelope (``slash_commands``, ``events_api``, ``interactive``) to the newest
        connected client; waits up to ``connect_timeout`` for a connection. Returns envelope_id.

        ``retry_attempt``/``retry_reason`` are put on ``events_api`` envelopes only (as Slack
        does: ``0``/``""`` on the first delivery)."""
        envelope_id = envelope_id or str(uuid.uuid4())
        if accepts_response_payload is None:
            accepts_response_payload = envelope_type == "slash_commands" or (
                envelope_type == "interactive" and payload.get("type") in ("view_submission", "block_suggestion")
            )
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id,
            "payload": dict(payload),
            "type": envelope_type,
            "accepts_response_payload": accepts_response_payload,
        }
        if envelope_type == "events_api":
            envelope["retry_attempt"] = retry_attempt
            envelope["retry_reason"] = retry_reason
        trigger_id = payload.get("trigger_id")
        if isinstance(trigger_id, str):
            self.triggers[trigger_id] = time.monotonic()  # the 3 s start when Slack sends it
        await self.wait_socket_connected(connect_timeout)
        await self._on_server_loop(self._send_json(envelope, record_sent_at=envelope_id))
        return envelope_id

    async def wait_ack(self, envelope_id: str, timeout: float = 3.0) -> dict[str, Any]:
        """The ack the client sent for ``envelope_id``: ``{"envelope_id", "payload"?, ...}`` plus
        ``"elapsed"`` = seconds between our send and the ack's arrival.

        Raises TimeoutError. NB: Bolt sends *no ack at all* when its dispatch result is not 200
        (no listener matched -> 404, or a listener never called ack())."""
        await _poll(
            lambda: envelope_id in self.acks,
            timeout,
            f"ack of envelope {envelope_id} (Bolt does not ack unhandled/404 requests)",
        )
        return self.acks[envelope_id]

    async def socket_disconnect(self, reason: str = "refresh_requested", *, close: bool = False) -> None:
        """Send Slack's ``{"type": "disconnect"}`` (the SDK then reconnects); optionally close."""
        message = {"type": "disconnect", "reason": reason, "debug_info": {"host": "standin"}}

        async def do() -> None:
            for ws in list(self._sockets):
                if not ws.closed:
                    await ws.send_json(message)
                    if close:
                        await ws.close(code=1000)

        await self._on_server_loop(do())

    async def socket_close(self, code: int = 1000) -> None:
        """Close every Socket Mode connection from the server side (no disconnect message).
        Handy before closing the *sync* builtin SocketModeHandler, whose close() otherwise
        waits for its 3 s receive timeout."""

        async def do() -> None:
            for ws in list(self._sockets):
                if not ws.closed:
                    await asyncio.wait_for(ws.close(code=code), timeout=2)

        await self._on_server_loop(do())

    async def _send_json(self, message: dict[str, Any], record_sent_at: str | None = None) -> None:
        live = [ws for ws in self._sockets if not ws.closed]
        if not live:
            raise ConnectionError("no Socket Mode client connected")
        if record_sent_at is not None:
            self._sent_at[record_sent_at] = time.monotonic()
        self.socket_sent.append(message)
        await live[-1].send_str(json.dumps(message))

    async def _on_server_loop(self, coro: Coroutine[Any, Any, T]) -> T:
        loop = self._loop
        if loop is None:
            coro.close()
            raise RuntimeError("stand-in not started")
        if asyncio.get_running_loop() is loop:
            return await coro
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, loop))

    # ------------------------------------------------------------------ HTTP handlers

    async def _handle_socket(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(autoping=True, timeout=2.0)
        await ws.prepare(request)
        self._sockets.append(ws)
        self.socket_connect_count += 1
        try:
            if self.send_hello:
                await ws.send_json(
                    {
                        "type": "hello",
                        "num_connections": len(self._sockets),
                        "debug_info": {
                            "host": "applink-standin",
                            "build_number": 1,
                            "approximate_connection_time": 18060,
                        },
                        "connection_info": {"app_id": self.app_id},
                    }
                )
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    self._on_client_message(msg.data)
                elif msg.type == WSMsgType.ERROR:
                    break
        finally:
            if ws in self._sockets:
                self._sockets.remove(ws)
        return ws

    def _on_client_message(self, data: str) -> None:
        try:
            message = json.loads(data)
        except ValueError:
            message = {"_raw": data}
        if not isinstance(message, dict):
            message = {"_raw": message}
        self.socket_received.append(message)
        envelope_id = message.get("envelope_id")
        if isinstance(envelope_id, str):
            ack = dict(message)
            sent_at = self._sent_at.get(envelope_id)
            ack["elapsed"] = (time.monotonic() - sent_at) if sent_at is not None else None
            self.acks.setdefault(envelope_id, ack)

    async def _handle_response_url(self, request: web.Request) -> web.StreamResponse:
        params = await _read_params(request)
        headers = {k.lower(): v for k, v in request.headers.items()}
        body: dict[str, Any] = {"ok": True}
        status = 200
        try:
            check_blocks(_maybe_json(params.get("blocks")))
        except StandinError as exc:
            body, status = {"ok": False, "error": exc.error}, 400
        self.response_posts.append(
            RecordedCall(
                method="response_url",
                params=params,
                headers=headers,
                status=status,
                response=body,
                http_verb=request.method,
                at=time.monotonic(),
                response_id=request.match_info["response_id"],
            )
        )
        return web.json_response(body, status=status)

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        params = await _read_params(request)
        headers = {k.lower(): v for k, v in request.headers.items()}
        status, body, extra_headers = self._dispatch(method, params, headers)
        self.calls.append(
            RecordedCall(
                method=method,
                params=params,
                headers=headers,
                status=status,
                response=body,
                http_verb=request.method,
                at=time.monotonic(),
            )
        )
        return web.json_response(body, status=status, headers=extra_headers)

    def _dispatch(
        self, method: str, params: dict[str, Any], headers: dict[str, str]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        fault = self._take_fault(method)
        if fault is not None:
            return fault.status, dict(fault.body), dict(fault.headers)
        auth = headers.get("authorization", "")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else params.get("token")
        if not token:
            return 200, {"ok": False, "error": "not_authed"}, {}
        if self.valid_tokens is not None and token not in self.valid_tokens:
            return 200, {"ok": False, "error": "invalid_auth"}, {}
        is_app_token = str(token).startswith("xapp-")
        if (method == "apps.connections.open") != is_app_token:
            return 200, {"ok": False, "error": "not_allowed_token_type"}, {}
        handler = self._methods.get(method)
        if handler is None:
            return 200, {"ok": True}, {}
        try:
            return 200, handler(self, params), {}
        except _ApiError as exc:
            return 200, {"ok": False, "error": exc.error, **exc.extra}, {}
        except StandinError as exc:
            return 200, {"ok": False, "error": exc.error}, {}

    # ------------------------------------------------------------------ Web API methods

    def _auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": True,
            "url": f"https://{self.team_domain}.slack.com/",
            "team": self.team_name,
            "user": self.bot_name,
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }
        if self.enterprise_id:
            body["enterprise_id"] = self.enterprise_id
        return body

    def _apps_connections_open(self, params: dict[str, Any]) -> dict[str, Any]:
        ticket = uuid.uuid4()
        return {"ok": True, "url": f"{self.socket_url}?ticket={ticket}&app_id={self.app_id}"}

    def _resolve_channel(self, channel: Any) -> str:
        if not channel:
            raise _ApiError("channel_not_found")
        channel = str(channel)
        if channel[:1] in ("U", "W"):  # posting to a user id opens/uses the DM, like Slack
            return self.dm_channel_for(channel)
        return channel

    def _bot_message(self, params: dict[str, Any], ts: str) -> dict[str, Any]:
        message: dict[str, Any] = {
            "user": self.bot_user_id,
            "type": "message",
            "ts": ts,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "text": str(params.get("text") or ""),
            "team": self.team_id,
            "bot_profile": {
                "id": self.bot_id,
                "app_id": self.app_id,
                "name": self.bot_name,
                "deleted": False,
                "team_id": self.team_id,
            },
        }
        for key in ("blocks", "attachments", "metadata"):
            if params.get(key) not in (None, ""):
                message[key] = _maybe_json(params[key])
        if params.get("thread_ts"):
            message["thread_ts"] = str(params["thread_ts"])
            message["parent_user_id"] = self.bot_user_id
        return message

    @staticmethod
    def _require_content(params: dict[str, Any]) -> None:
        if not any(params.get(k) not in (None, "", "[]") for k in ("text", "blocks", "attachments")):
            raise _ApiError("no_text")
        check_blocks(_maybe_json(params.get("blocks")))

    def _chat_post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_channel(params.get("channel"))
        self._require_content(params)
        ts = self.new_ts()
        message = self._bot_message(params, ts)
        self.messages[(channel, ts)] = message
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _chat_post_ephemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_channel(params.get("channel"))
        if not params.get("user"):
            raise _ApiError("user_not_in_channel")
        self._require_content(params)
        ts = self.new_ts()
        self.ephemerals.append(
            {"channel": channel, "user": str(params["user"]), "message": self._bot_message(params, ts)}
        )
        return {"ok": True, "message_ts": ts}

    def _find_message(self, params: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
        channel = self._resolve_channel(params.get("channel"))
        ts = str(params.get("ts") or "")
        message = self.messages.get((channel, ts))
        if message is None:
            raise _ApiError("message_not_found")
        return channel, ts, message

    def _chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, ts, message = self._find_message(params)
        if "text" in params:
            message["text"] = str(params["text"] or "")
        for key in ("blocks", "attachments", "metadata"):
            if key in params:
                message[key] = _maybe_json(params[key])
        message["edited"] = {"user": self.bot_user_id, "ts": self.new_ts()}
        return {"ok": True, "channel": channel, "ts": ts, "text": message.get("text", ""), "message": message}

    def _chat_delete(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, ts, _ = self._find_message(params)
        del self.messages[(channel, ts)]
        return {"ok": True, "channel": channel, "ts": ts}

    def _check_trigger(self, params: dict[str, Any]) -> None:
        trigger_id = params.get("trigger_id")
        if not trigger_id:
            raise _ApiError("invalid_arguments")
        issued = self.triggers.get(str(trigger_id))
        if self.trigger_ttl is not None and issued is not None and time.monotonic() - issued > self.trigger_ttl:
            raise _ApiError("expired_trigger_id")

    def _build_view(
        self, params: dict[str, Any], *, view_id: str | None = None, previous: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        spec = _maybe_json(params.get("view"))
        if not isinstance(spec, dict):
            raise _ApiError("invalid_arguments")
        view_id = view_id or _new_id("V")
        root_view_id = previous["root_view_id"] if previous else view_id
        view: dict[str, Any] = {
            "id": view_id,
            "team_id": self.team_id,
            "type": spec.get("type", "modal"),
            "blocks": spec.get("blocks", []),
            "private_metadata": spec.get("private_metadata", ""),
            "callback_id": spec.get("callback_id", ""),
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{uuid.uuid4().hex[:8]}",
            "title": spec.get("title"),
            "clear_on_close": bool(spec.get("clear_on_close", False)),
            "notify_on_close": bool(spec.get("notify_on_close", False)),
            "close": spec.get("close"),
            "submit": spec.get("submit"),
            "previous_view_id": previous["id"] if previous else None,
            "root_view_id": root_view_id,
            "app_id": self.app_id,
            "external_id": spec.get("external_id", ""),
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }
        self.views[view_id] = view
        return view

    def _views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        self._check_trigger(params)
        return {"ok": True, "view": self._build_view(params)}

    def _views_push(self, params: dict[str, Any]) -> dict[str, Any]:
        self._check_trigger(params)
        modals = [v for v in self.views.values() if v["type"] == "modal"]
        previous = modals[-1] if modals else None  # the modal on top of the stack
        return {"ok": True, "view": self._build_view(params, previous=previous)}

    def _views_update(self, params: dict[str, Any]) -> dict[str, Any]:
        view_id = params.get("view_id")
        current: dict[str, Any] | None = None
        if view_id:
            current = self.views.get(str(view_id))
        elif params.get("external_id"):
            current = next((v for v in self.views.values() if v.get("external_id") == params["external_id"]), None)
        else:
            raise _ApiError("invalid_arguments")
        if current is None:
            raise _ApiError("not_found")
        if params.get("hash") and params["hash"] != current["hash"]:
            raise _ApiError("hash_conflict")
        prev = self.views.get(current["previous_view_id"]) if current["previous_view_id"] else None
        view = self._build_view(params, view_id=current["id"], previous=prev)
        view["root_view_id"] = current["root_view_id"]
        return {"ok": True, "view": view}

    def _views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        user_id = params.get("user_id")
        if not user_id:
            raise _ApiError("invalid_arguments")
        if str(user_id) not in self.users:
            raise _ApiError("user_not_found")
        current = self.home_views.get(str(user_id))
        if current and params.get("hash") and params["hash"] != current["hash"]:
            raise _ApiError("hash_conflict")
        view = self._build_view(params, view_id=current["id"] if current else None)
        if view["type"] != "home":
            raise _ApiError("invalid_arguments")
        self.home_views[str(user_id)] = view
        return {"ok": True, "view": view}

    def _users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(params.get("user") or ""))
        if user is None:
            raise _ApiError("user_not_found")
        public = {k: v for k, v in user.items() if not k.startswith("_")}
        if _truthy(params.get("include_locale", False)):
            public["locale"] = user["_locale"]
        return {"ok": True, "user": public}

    def _conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("channel"):
            return {
                "ok": True,
                "no_op": True,
                "already_open": True,
                "channel": {"id": str(params["channel"])},
            }
        raw = params.get("users")
        users = raw if isinstance(raw, list) else str(raw or "").split(",")
        users = [u.strip() for u in users if u and u.strip()]
        if not users:
            raise _ApiError("users_list_not_supplied")
        for user_id in users:
            if user_id not in self.users:
                raise _ApiError("user_not_found")
        known = tuple(sorted(u for u in users if u != self.bot_user_id)) in self.dm_channels
        channel_id = self.dm_channel_for(*users)
        channel: dict[str, Any] = {"id": channel_id}
        if _truthy(params.get("return_im", False)):
            channel = dict(self.channels[channel_id])
        return {"ok": True, "no_op": known, "already_open": known, "channel": channel}

    def _conversations_info(self, params: dict[str, Any]) -> dict[str, Any]:
        channel_id = str(params.get("channel") or "")
        channel = self.channels.get(channel_id)
        if channel is None:
            if channel_id[:1] == "C":
                channel = self.add_channel(channel_id)
            elif channel_id[:1] == "G":
                channel = self.add_channel(channel_id, is_private=True)
            elif channel_id[:1] == "D":
                channel = self.add_channel(channel_id, is_im=True, user=DEFAULT_USER_ID)
            else:
                raise _ApiError("channel_not_found")
        body = dict(channel)
        if _truthy(params.get("include_locale", False)):
            body["locale"] = "en-US"
        if _truthy(params.get("include_num_members", False)):
            body["num_members"] = 2
        return {"ok": True, "channel": body}

    def _reactions_add(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_channel(params.get("channel"))
        ts = str(params.get("timestamp") or "")
        name = str(params.get("name") or "").strip(":")
        if not ts or not name:
            raise _ApiError("invalid_arguments")
        reaction = {"channel": channel, "ts": ts, "name": name, "user": self.bot_user_id}
        if reaction in self.reactions:
            raise _ApiError("already_reacted")
        self.reactions.append(reaction)
        message = self.messages.get((channel, ts))
        if message is not None:
            message.setdefault("reactions", []).append({"name": name, "users": [self.bot_user_id], "count": 1})
        return {"ok": True}

    def _history_page(self, messages: list[dict[str, Any]], params: dict[str, Any]) -> dict[str, Any]:
        """Newest first, ``limit`` per page, an opaque cursor; metadata only when asked (like Slack)."""
        try:
            limit = max(1, min(int(params.get("limit") or 100), 1000))
            start = int(str(params.get("cursor") or "0").removeprefix("next_"))
        except ValueError as exc:
            raise _ApiError("invalid_cursor") from exc
        oldest, latest = float(params.get("oldest") or 0), float(params.get("latest") or "inf")
        chosen = [m for m in messages if oldest <= float(m["ts"]) <= latest]
        page = chosen[start : start + limit]
        with_metadata = _truthy(params.get("include_all_metadata", False))
        out = [m if with_metadata else {k: v for k, v in m.items() if k != "metadata"} for m in page]
        more = start + limit < len(chosen)
        body: dict[str, Any] = {"ok": True, "messages": out, "has_more": more}
        body["response_metadata"] = {"next_cursor": f"next_{start + limit}" if more else ""}
        return body

    def _conversations_history(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_channel(params.get("channel"))
        messages = sorted(
            (m for (c, _), m in self.messages.items() if c == channel and "thread_ts" not in m),
            key=lambda m: float(m["ts"]),
            reverse=True,
        )
        return self._history_page(messages, params)

    def _conversations_replies(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_channel(params.get("channel"))
        parent = str(params.get("ts") or "")
        if (channel, parent) not in self.messages:
            raise _ApiError("thread_not_found")
        thread = [
            m for (c, ts), m in self.messages.items() if c == channel and (ts == parent or m.get("thread_ts") == parent)
        ]
        return self._history_page(sorted(thread, key=lambda m: float(m["ts"])), params)

    _methods: dict[str, Callable[[SlackStandin, dict[str, Any]], dict[str, Any]]] = {
        "auth.test": _auth_test,
        "apps.connections.open": _apps_connections_open,
        "chat.postMessage": _chat_post_message,
        "chat.postEphemeral": _chat_post_ephemeral,
        "chat.update": _chat_update,
        "chat.delete": _chat_delete,
        "views.open": _views_open,
        "views.push": _views_push,
        "views.update": _views_update,
        "views.publish": _views_publish,
        "users.info": _users_info,
        "conversations.open": _conversations_open,
        "conversations.info": _conversations_info,
        "conversations.history": _conversations_history,
        "conversations.replies": _conversations_replies,
        "reactions.add": _reactions_add,
        "conversations.members": ChannelMembers._conversations_members,
        "users.list": ChannelMembers._users_list,
    }


class _ApiError(Exception):
    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


async def _read_params(request: web.Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query)
    if request.content_type.startswith("multipart/"):
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, str):
                params[key] = value
            else:  # uploaded file
                params[key] = {"filename": value.filename, "size": len(value.file.read())}
        return params
    raw = await request.read()
    if not raw:
        return params
    text = raw.decode("utf-8", errors="replace")
    if request.content_type == "application/json" or text.lstrip().startswith("{"):
        try:
            body = json.loads(text)
        except ValueError:
            body = None
        if isinstance(body, dict):
            params.update(body)
            return params
    params.update(parse_qsl(text, keep_blank_values=True))
    return params


async def _poll(predicate: Callable[[], bool], timeout: float, what: str, interval: float = 0.005) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(interval)


def _tz_info(tz: str) -> tuple[str, int]:
    try:
        now = datetime.now(ZoneInfo(tz))
    except Exception:  # noqa: BLE001 - unknown zone / no tzdata: fall back to UTC numbers
        return tz, 0
    offset = now.utcoffset()
    return (now.tzname() or tz), int(offset.total_seconds()) if offset is not None else 0


# ---------------------------------------------------------------------------
# payload builders (Slack's real shapes; pure functions)
# ---------------------------------------------------------------------------


def slash_command(
    command: str,
    text: str = "",
    user_id: str = DEFAULT_USER_ID,
    channel_id: str = DEFAULT_CHANNEL_ID,
    team_id: str = DEFAULT_TEAM_ID,
    trigger_id: str | None = None,
    *,
    response_url: str = "https://hooks.slack.com/commands/T0/0/standin",
    user_name: str | None = None,
    channel_name: str | None = None,
    team_domain: str = DEFAULT_TEAM_DOMAIN,
    api_app_id: str = DEFAULT_APP_ID,
    enterprise_id: str | None = None,
    token: str = DEFAULT_VERIFICATION_TOKEN,
) -> dict[str, str]:
    """A slash command payload: the dict Socket Mode puts in ``payload``; form-encode it with
    :func:`form_encode_slash_command` for HTTP mode. All values are strings, as on the wire."""
    payload = {
        "token": token,
        "team_id": team_id,
        "team_domain": team_domain,
        "channel_id": channel_id,
        "channel_name": channel_name or ("directmessage" if channel_id.startswith("D") else channel_id.lower()),
        "user_id": user_id,
        "user_name": user_name or user_id.lower(),
        "command": command if command.startswith("/") else "/" + command,
        "text": text,
        "api_app_id": api_app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id or new_trigger_id(),
    }
    if enterprise_id:
        payload["enterprise_id"] = enterprise_id
        payload["enterprise_name"] = "Relais Grid"
    return payload


def event_callback(
    event: Mapping[str, Any],
    event_id: str | None = None,
    team_id: str = DEFAULT_TEAM_ID,
    *,
    api_app_id: str = DEFAULT_APP_ID,
    event_time: int | None = None,
    enterprise_id: str | None = None,
    bot_user_id: str = DEFAULT_BOT_USER_ID,
    token: str = DEFAULT_VERIFICATION_TOKEN,
) -> dict[str, Any]:
    """An Events API ``event_callback`` body; ``event_id`` is unique unless given."""
    return {
        "token": token,
        "team_id": team_id,
        "enterprise_id": enterprise_id,
        "context_team_id": team_id,
        "context_enterprise_id": enterprise_id,
        "api_app_id": api_app_id,
        "event": dict(event),
        "type": "event_callback",
        "event_id": event_id or _new_id("Ev", 12),
        "event_time": event_time if event_time is not None else int(time.time()),
        "authorizations": [
            {
                "enterprise_id": enterprise_id,
                "team_id": team_id,
                "user_id": bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": "4-" + uuid.uuid4().hex,
    }


def message_event(
    text: str,
    user_id: str = DEFAULT_USER_ID,
    channel_id: str = DEFAULT_CHANNEL_ID,
    *,
    ts: str | None = None,
    thread_ts: str | None = None,
    channel_type: str | None = None,
    team_id: str = DEFAULT_TEAM_ID,
) -> dict[str, Any]:
    """A user's ``message`` event (put it in :func:`event_callback`)."""
    ts = ts or f"{time.time():.6f}"
    event: dict[str, Any] = {
        "type": "message",
        "user": user_id,
        "text": text,
        "ts": ts,
        "client_msg_id": str(uuid.uuid4()),
        "team": team_id,
        "blocks": [
            {
                "type": "rich_text",
                "block_id": uuid.uuid4().hex[:5],
                "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}],
            }
        ],
        "channel": channel_id,
        "event_ts": ts,
        "channel_type": channel_type or {"D": "im", "G": "group"}.get(channel_id[:1], "channel"),
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def reaction_added_event(
    reaction: str,
    user_id: str = DEFAULT_USER_ID,
    item_channel: str = DEFAULT_CHANNEL_ID,
    item_ts: str = "1700000000.000100",
    item_user: str | None = DEFAULT_BOT_USER_ID,
) -> dict[str, Any]:
    """A ``reaction_added`` event (put it in :func:`event_callback`)."""
    event: dict[str, Any] = {
        "type": "reaction_added",
        "user": user_id,
        "reaction": reaction,
        "item": {"type": "message", "channel": item_channel, "ts": item_ts},
        "event_ts": f"{time.time():.6f}",
    }
    if item_user:
        event["item_user"] = item_user
    return event


def reaction_removed_event(
    reaction: str,
    user_id: str = DEFAULT_USER_ID,
    item_channel: str = DEFAULT_CHANNEL_ID,
    item_ts: str = "1700000000.000100",
    item_user: str | None = DEFAULT_BOT_USER_ID,
) -> dict[str, Any]:
    """A ``reaction_removed`` event (same shape as ``reaction_added``)."""
    event = reaction_added_event(reaction, user_id, item_channel, item_ts, item_user)
    event["type"] = "reaction_removed"
    return event


def app_home_opened_event(
    user_id: str = DEFAULT_USER_ID, tab: str = "home", channel_id: str = "D0HOME0001", view: Any = None
) -> dict[str, Any]:
    """An ``app_home_opened`` event: the user opened the app's Home (or Messages) tab."""
    event: dict[str, Any] = {
        "type": "app_home_opened",
        "user": user_id,
        "channel": channel_id,
        "tab": tab,
        "event_ts": f"{time.time():.6f}",
    }
    if view is not None:
        event["view"] = view
    return event


def block_actions(
    action_id: str,
    value: str | None = None,
    *,
    block_id: str | None = None,
    user_id: str = DEFAULT_USER_ID,
    channel_id: str = DEFAULT_CHANNEL_ID,
    team_id: str = DEFAULT_TEAM_ID,
    team_domain: str = DEFAULT_TEAM_DOMAIN,
    api_app_id: str = DEFAULT_APP_ID,
    message_ts: str | None = None,
    message: Mapping[str, Any] | None = None,
    view: Mapping[str, Any] | None = None,
    state_values: Mapping[str, Any] | None = None,
    trigger_id: str | None = None,
    response_url: str | None = "https://hooks.slack.com/actions/T0/0/standin",
    action_type: str = "button",
    action_extra: Mapping[str, Any] | None = None,
    token: str = DEFAULT_VERIFICATION_TOKEN,
) -> dict[str, Any]:
    """A ``block_actions`` payload for one action, clicked in a message (default) or, when
    ``view`` is given, inside a modal / home tab (then there is no channel nor response_url)."""
    action: dict[str, Any] = {
        "action_id": action_id,
        "block_id": block_id or uuid.uuid4().hex[:5],
        "type": action_type,
        "action_ts": f"{time.time():.6f}",
    }
    if action_type == "button":
        action["text"] = {"type": "plain_text", "text": value or action_id, "emoji": True}
        if value is not None:
            action["value"] = value
    elif action_type in ("static_select", "external_select", "overflow"):
        action["selected_option"] = {
            "text": {"type": "plain_text", "text": value or ""},
            "value": value or "",
        }
    elif value is not None:
        action["value"] = value
    action.update(action_extra or {})
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": team_id},
        "api_app_id": api_app_id,
        "token": token,
        "trigger_id": trigger_id or new_trigger_id(),
        "team": {"id": team_id, "domain": team_domain},
        "enterprise": None,
        "is_enterprise_install": False,
        "state": {"values": dict(state_values or {})},
        "actions": [action],
    }
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view.get("id", _new_id("V"))}
        payload["view"] = dict(view)
        return payload
    ts = message_ts or (message or {}).get("ts") or f"{time.time():.6f}"
    payload["container"] = {
        "type": "message",
        "message_ts": ts,
        "channel_id": channel_id,
        "is_ephemeral": False,
    }
    payload["channel"] = {"id": channel_id, "name": channel_id.lower()}
    payload["message"] = dict(message) if message else {"type": "message", "ts": ts, "text": "", "blocks": []}
    if response_url:
        payload["response_url"] = response_url
    return payload


def view_submission(
    view_callback_id: str,
    state_values: Mapping[str, Any] | None = None,
    private_metadata: str = "",
    user_id: str = DEFAULT_USER_ID,
    *,
    team_id: str = DEFAULT_TEAM_ID,
    team_domain: str = DEFAULT_TEAM_DOMAIN,
    api_app_id: str = DEFAULT_APP_ID,
    bot_id: str = DEFAULT_BOT_ID,
    view_id: str | None = None,
    blocks: list[dict[str, Any]] | None = None,
    title: str = "Relais",
    trigger_id: str | None = None,
    response_urls: list[dict[str, Any]] | None = None,
    token: str = DEFAULT_VERIFICATION_TOKEN,
) -> dict[str, Any]:
    """A ``view_submission`` payload. ``state_values`` is Slack's
    ``{block_id: {action_id: {"type": "plain_text_input", "value": "..."}}}``."""
    view_id = view_id or _new_id("V")
    return {
        "type": "view_submission",
        "team": {"id": team_id, "domain": team_domain},
        "user": {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": team_id},
        "api_app_id": api_app_id,
        "token": token,
        "trigger_id": trigger_id or new_trigger_id(),
        "view": {
            "id": view_id,
            "team_id": team_id,
            "type": "modal",
            "blocks": blocks or [],
            "private_metadata": private_metadata,
            "callback_id": view_callback_id,
            "state": {"values": dict(state_values or {})},
            "hash": f"{int(time.time())}.{uuid.uuid4().hex[:8]}",
            "title": {"type": "plain_text", "text": title, "emoji": True},
            "clear_on_close": False,
            "notify_on_close": False,
            "close": {"type": "plain_text", "text": "Cancel", "emoji": True},
            "submit": {"type": "plain_text", "text": "Submit", "emoji": True},
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": api_app_id,
            "external_id": "",
            "app_installed_team_id": team_id,
            "bot_id": bot_id,
        },
        "response_urls": list(response_urls or []),
        "is_enterprise_install": False,
        "enterprise": None,
    }


# ---------------------------------------------------------------------------
# HTTP-mode helpers
# ---------------------------------------------------------------------------


def signed_request_headers(
    body: str,
    signing_secret: str,
    timestamp: int | None = None,
    *,
    content_type: str | None = None,
    retry_num: int | None = None,
    retry_reason: str | None = None,
) -> dict[str, str]:
    """Headers Slack sends with an HTTP request: v0 HMAC-SHA256 signature over
    ``v0:{timestamp}:{body}``, plus Content-Type (guessed from the body unless given) and,
    optionally, the Events API retry headers."""
    ts = int(time.time()) if timestamp is None else int(timestamp)
    basestring = f"v0:{ts}:{body}".encode()
    digest = hmac.new(signing_secret.encode(), basestring, hashlib.sha256).hexdigest()
    headers = {
        "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": f"v0={digest}",
        "Content-Type": content_type
        or ("application/json" if body.lstrip().startswith("{") else "application/x-www-form-urlencoded"),
    }
    if retry_num is not None:
        headers["X-Slack-Retry-Num"] = str(retry_num)
        headers["X-Slack-Retry-Reason"] = retry_reason or "http_timeout"
    return headers


def form_encode_slash_command(payload: Mapping[str, Any]) -> str:
    """``application/x-www-form-urlencoded`` body of a slash command, as Slack posts it."""
    return urlencode({k: "" if v is None else str(v) for k, v in payload.items()})


def form_encode_interactive(payload: Mapping[str, Any]) -> str:
    """Interactive payloads are posted as one ``payload=<json>`` form field."""
    return urlencode({"payload": json.dumps(payload, separators=(",", ":"))})


def json_encode_event(payload: Mapping[str, Any]) -> str:
    """Events API bodies are JSON."""
    return json.dumps(payload, separators=(",", ":"))


async def asgi_request(
    asgi_app: Callable[..., Awaitable[None]],
    path: str,
    body: str,
    headers: Mapping[str, str],
    *,
    method: str = "POST",
    timeout: float = 10.0,
) -> tuple[int, dict[str, str], bytes]:
    """Call an ASGI app (e.g. Bolt's ``AsyncSlackRequestHandler``) in-process, no server needed.
    Returns ``(status, lower-cased headers, body)``."""
    raw = body.encode()
    received = False
    start: dict[str, Any] = {}
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal received
        if not received:
            received = True
            return {"type": "http.request", "body": raw, "more_body": False}
        await asyncio.sleep(timeout)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    path_only, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path_only,
        "raw_path": path_only.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(k.lower().encode(), str(v).encode()) for k, v in headers.items()]
        + [(b"content-length", str(len(raw)).encode())],
        "client": (_HOST, 50000),
        "server": (_HOST, 80),
    }
    await asyncio.wait_for(asgi_app(scope, receive, send), timeout)
    response_headers = {k.decode().lower(): v.decode() for k, v in start.get("headers", [])}
    return int(start.get("status", 0)), response_headers, b"".join(chunks)
