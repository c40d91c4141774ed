"""Logging in on a real Synapse: a password login keeps its device id across restarts (Synapse
de-duplicates transaction ids per device), and a wrong secret stops the bot with a clear message."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from .kit import bot_config, create_room, joined, partner, run_until_it_stops, sqlite_url, start_bot
from .synapse import MatrixUser, SynapseServer


def devices(hs: SynapseServer, user: MatrixUser) -> set[str]:
    answer = hs.request("GET", "/_matrix/client/v3/devices", access_token=user.access_token)
    return {device["device_id"] for device in answer["devices"]}


async def test_password_login_keeps_one_device_across_restarts(
    synapse_server: SynapseServer, matrix_user: Callable[..., MatrixUser], tmp_path
) -> None:
    hs = synapse_server
    bot_u, alice_u = matrix_user("relais"), matrix_user("alice")
    async with asyncio.timeout(60), partner(hs, alice_u) as alice:
        room = await create_room(alice)
        config = bot_config(
            hs,
            bot_u,
            sqlite_url(tmp_path),
            {"COPIL": [f"matrix:{room}"]},
            language="en",
            access_token="",
            device_id="",
            password=bot_u.password,
        )
        bot = await start_bot(config)
        try:
            first = bot.adapter.client.device_id
            assert bot.adapter.state.get("device_id") == first and first != bot_u.device_id
            await alice.client.room_invite(room, bot_u.user_id)  # invited once Relais runs
            await alice.wait_for(joined(bot_u.user_id, room))
            await alice.reply_to(room, "!actions", "No commitment", bot_u.user_id)
        finally:
            assert await bot.close() == 0
        bot = await start_bot(config)
        try:
            assert bot.adapter.client.device_id == first
            await alice.reply_to(room, "!actions", "No commitment", bot_u.user_id)
        finally:
            assert await bot.close() == 0
    assert devices(hs, bot_u) == {bot_u.device_id, first}  # the registration's device, and Relais' one


async def test_wrong_secret_stops_with_a_clear_message(
    synapse_server: SynapseServer, matrix_user: Callable[..., MatrixUser], tmp_path
) -> None:
    hs = synapse_server
    bot_u = matrix_user("relais")
    for secret in ({"access_token": "syt_not_a_token"}, {"access_token": "", "password": "wrong"}):
        code, problem = await run_until_it_stops(bot_config(hs, bot_u, sqlite_url(tmp_path), {}, **secret))
        assert code == 1
        assert problem is not None and ("refused" in str(problem)), problem
