"""The floor of the Matrix benchmarks: a minimal matrix-nio bot that answers `!…` with an echo.

What any matrix-nio bot pays (a long-polling sync, parsing it, one room_send per answer) and
nothing else: no database, no commands. Same sync filter and long-poll as Relais.

    python -m bench.echo_bot HOMESERVER USER_ID DEVICE_ID   # access token in RELAIS_MATRIX_ACCESS_TOKEN
"""

from __future__ import annotations

import asyncio
import os
import sys

from nio import AsyncClient, AsyncClientConfig, MatrixRoom, RoomMessageText

SYNC_FILTER = {"presence": {"not_types": ["*"]}, "room": {"timeline": {"limit": 50}}}


async def main(homeserver: str, user_id: str, device_id: str, token: str) -> None:
    client = AsyncClient(homeserver, user_id, config=AsyncClientConfig(store_sync_tokens=False))
    client.restore_login(user_id, device_id, token)
    first = await client.sync(timeout=0, sync_filter=SYNC_FILTER)  # history is not answered
    for room_id in getattr(getattr(first, "rooms", None), "invite", {}) or {}:
        await client.join(room_id)

    async def on_message(room: MatrixRoom, event: RoomMessageText) -> None:
        if event.sender != user_id and event.body.startswith("!"):
            content = {"msgtype": "m.notice", "body": "echo: " + event.body}
            await client.room_send(room.room_id, "m.room.message", content)

    client.add_event_callback(on_message, RoomMessageText)  # type: ignore[arg-type]
    print("ready", flush=True)
    await client.sync_forever(timeout=30_000, sync_filter=SYNC_FILTER, since=client.next_batch)


if __name__ == "__main__":
    homeserver, user, device = sys.argv[1:4]
    asyncio.run(main(homeserver, user, device, os.environ["RELAIS_MATRIX_ACCESS_TOKEN"]))
