"""Stopping (SIGTERM) right after an item was posted: Relais' ✅ under it, on its way beside the
delivery, still leaves before the connection closes (it was lost: members had no ✅ to tap, and a
restart does not offer it again, the post being recorded as sent)."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from nio import RoomSendResponse

from adapters.matrix.adapter import MatrixAdapter
from adapters.matrix.config import MatrixConfig
from bot.app import App, RunHooks
from bot.delivery import Outgoing


class SlowClient:
    """Answers room_send a few turns of the event loop later, like a homeserver; closed, it refuses."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.closed = False

    async def room_send(self, room_id: str, event_type: str, content: dict[str, Any], **kw: Any) -> RoomSendResponse:
        for _ in range(5):
            await asyncio.sleep(0)
        if self.closed:
            raise aiohttp.ClientConnectionError("Connector is closed.")
        self.sent.append(event_type)
        return RoomSendResponse(f"$e{len(self.sent)}", room_id)

    async def close(self) -> None:
        self.closed = True


async def test_a_stop_right_after_an_item_post_keeps_its_check(testbot) -> None:
    dispatcher = testbot.dispatcher
    app = App(config=dispatcher.config, store=dispatcher.store, clock=dispatcher.clock, dispatcher=dispatcher)
    hooks = RunHooks(outbox_written=lambda: None, fatal=lambda message, **values: None)
    adapter = MatrixAdapter(app, hooks, MatrixConfig(homeserver="http://hs", user_id="@relais:hs", access_token="t"))
    await adapter.client.close()
    client = SlowClient()
    adapter.client = adapter.sender.client = client  # type: ignore[assignment]
    post = Outgoing(id="o1", platform="matrix", text="📢 #1 Announcement", channel="matrix:!r:hs", item_id=1)
    await adapter.sender.send(post, resend=False)
    await adapter.stop()  # systemd's stop, the ✅ still on its way
    assert client.sent == ["m.room.message", "m.reaction"]
