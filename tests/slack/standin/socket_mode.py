"""The stand-in's Socket Mode: the websocket ``apps.connections.open`` hands out (``/link``), Slack's
``hello`` on each connection and ``disconnect`` on demand (data/hello.json, data/disconnect.json),
envelopes pushed to the client and the acks read back. Mixed into :class:`SlackStandin`.

The helpers can be awaited from any loop; ``socket_send`` hops to the server loop by itself.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable, Coroutine, Mapping
from typing import Any, TypeVar

from aiohttp import WSMsgType, web

from tests.support.waiting import eventually

from .payloads import recorded

T = TypeVar("T")


class SocketMode:
    """Socket Mode connections, envelopes and acks; the recording lists live on :class:`SlackStandin`."""

    app_id: str
    send_hello: bool
    triggers: dict[str, float]
    monotonic: Callable[[], float]
    socket_received: list[dict[str, Any]]
    socket_sent: list[dict[str, Any]]
    acks: dict[str, dict[str, Any]]
    socket_connect_count: int
    _sockets: list[web.WebSocketResponse]
    _sent_at: dict[str, float]
    _loop: asyncio.AbstractEventLoop | None

    @property
    def socket_connected(self) -> bool:
        return any(not ws.closed for ws in self._sockets)

    async def wait_socket_connected(self, timeout: float = 5.0) -> None:
        await eventually(lambda: self.socket_connected, timeout, "a Socket Mode connection")

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
            self.triggers[trigger_id] = self.monotonic()  # the 3 s start when Slack sends it
        await self.wait_socket_connected(connect_timeout)
        await self._on_server_loop(self._send_json(envelope, record_sent_at=envelope_id))
        return envelope_id

    async def wait_ack(self, envelope_id: str, timeout: float = 3.0) -> dict[str, Any]:
        """The ack the client sent for ``envelope_id``: ``{"envelope_id", "payload"?, ...}`` plus
        ``"elapsed"`` = seconds between our send and the ack's arrival.

        Raises TimeoutError. NB: Bolt sends *no ack at all* when its dispatch result is not 200
        (no listener matched -> 404, or a listener never called ack())."""
        await eventually(
            lambda: envelope_id in self.acks,
            timeout,
            f"ack of envelope {envelope_id} (Bolt does not ack unhandled/404 requests)",
        )
        return self.acks[envelope_id]

    async def socket_disconnect(self, reason: str = "refresh_requested", *, close: bool = False) -> None:
        """Send Slack's ``{"type": "disconnect"}`` (the SDK then reconnects); optionally close."""
        message = recorded("disconnect.json")
        message.update(reason=reason, debug_info={"host": "standin"})

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

    async def _handle_socket(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(autoping=True, timeout=2.0)
        await ws.prepare(request)
        self._sockets.append(ws)
        self.socket_connect_count += 1
        try:
            if self.send_hello:
                hello = recorded("hello.json")
                hello.update(
                    num_connections=len(self._sockets),
                    debug_info={"host": "applink-standin", "build_number": 1, "approximate_connection_time": 18060},
                    connection_info={"app_id": self.app_id},
                )
                await ws.send_json(hello)
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
