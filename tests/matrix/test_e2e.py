"""End-to-end encryption (the optional `e2e` extra: matrix-nio[e2e], vodozemac): a command in an
encrypted room is read and answered encrypted, and the crypto store survives a restart.

Skipped when the extra is not installed (it is not part of the `test` extra).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from nio import AsyncClient, AsyncClientConfig, MegolmEvent, RoomMessageNotice, RoomSendResponse, SyncResponse

from adapters.matrix.client import e2e_available

from .kit import bot_config, sqlite_url, start_bot
from .synapse import MatrixUser, SynapseServer

pytestmark = pytest.mark.skipif(not e2e_available(), reason="the e2e extra is not installed: pip install 'relais[e2e]'")
ENCRYPTION = {"type": "m.room.encryption", "state_key": "", "content": {"algorithm": "m.megolm.v1.aes-sha2"}}


@contextlib.asynccontextmanager
async def encrypted_partner(hs: SynapseServer, user: MatrixUser, store: Path) -> Any:
    store.mkdir(parents=True, exist_ok=True)
    config = AsyncClientConfig(request_timeout=15, max_timeouts=2, encryption_enabled=True, store_sync_tokens=False)
    client = AsyncClient(hs.base_url, user.user_id, store_path=str(store), config=config)
    client.restore_login(user.user_id, user.device_id, user.access_token)
    try:
        await client.keys_upload()
        yield client
    finally:
        await client.close()


async def answers(client: AsyncClient, room: str, bot: str, expect: str, timeout: float = 30) -> str:
    async with asyncio.timeout(timeout):
        while True:
            response = await client.sync(timeout=500)
            assert isinstance(response, SyncResponse)
            if client.should_query_keys:
                await client.keys_query()
            info = response.rooms.join.get(room)
            for event in info.timeline.events if info else []:
                if isinstance(event, RoomMessageNotice) and event.sender == bot and expect in event.body:
                    assert event.decrypted  # it came encrypted
                    return event.body
                assert not (isinstance(event, MegolmEvent) and event.sender == bot), "could not decrypt"


async def say(client: AsyncClient, room: str, text: str) -> None:
    await client.joined_members(room)
    if client.should_query_keys:
        await client.keys_query()
    response = await client.room_send(
        room, "m.room.message", {"msgtype": "m.text", "body": text}, ignore_unverified_devices=True
    )
    assert isinstance(response, RoomSendResponse), response
    assert response.room_id == room


@pytest.mark.parametrize("login", ["access_token", "password"])
async def test_encrypted_room_round_trip_and_store_kept_across_restart(
    synapse_server: SynapseServer, matrix_user: Callable[..., MatrixUser], tmp_path, login: str
) -> None:
    hs = synapse_server
    bot_u, alice_u = matrix_user("relais"), matrix_user("alice")
    async with asyncio.timeout(120), encrypted_partner(hs, alice_u, tmp_path / "alice") as alice:
        me = bot_u.user_id
        created = await alice.room_create(invite=[me], initial_state=[ENCRYPTION])
        room = created.room_id
        secret = {} if login == "access_token" else {"access_token": "", "device_id": "", "password": bot_u.password}
        config = bot_config(
            hs,
            bot_u,
            sqlite_url(tmp_path),
            {"COPIL": [f"matrix:{room}"]},
            language="en",
            store_path=str(tmp_path / "relais-crypto"),
            **secret,
        )
        bot = await start_bot(config)
        try:
            assert bot.adapter.e2e
            async with asyncio.timeout(30):
                while me not in (alice.rooms.get(room).users if room in alice.rooms else {}):
                    await alice.sync(timeout=500)
            await say(alice, room, "!engage Chiffrer les comptes rendus")
            body = await answers(alice, room, me, "Commitment #1 saved")
            assert "Chiffrer les comptes rendus" in body
        finally:
            assert await bot.close() == 0
        bot = await start_bot(config)  # same device, same crypto store
        try:
            await say(alice, room, "!actions")
            body = await answers(alice, room, me, "1 commitment")
            assert "#1" in body
        finally:
            assert await bot.close() == 0
        assert any((tmp_path / "relais-crypto").iterdir())  # the keys live in the store on disk
