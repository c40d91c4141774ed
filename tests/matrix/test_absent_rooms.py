"""A room linked to a circle that Relais is not in, or is removed from, is said in the log, and Relais
goes on serving its other rooms (an operator's first hour: a wrong room id, an invite never sent, a kick)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import pytest

from .kit import bot_config, create_room, joined, partner, sqlite_url, start_bot
from .synapse import MatrixUser, SynapseServer

TIMEOUT = 90.0


async def said(caplog: pytest.LogCaptureFixture, *words: str) -> str:
    """The first warning holding every word, once it is logged."""
    while True:
        for record in caplog.records:
            text = record.getMessage()
            if record.levelno == logging.WARNING and all(word in text for word in words):
                return text
        await asyncio.sleep(0.02)  # the log is written by the bot's own task


async def test_a_linked_room_relais_is_not_in_is_said_at_start(
    synapse_server: SynapseServer, matrix_user: Callable[..., MatrixUser], tmp_path, caplog
) -> None:
    """Before: nothing in the log; the operator waited for answers that could never come."""
    caplog.set_level(logging.INFO)
    hs = synapse_server
    bot_u, alice_u = matrix_user("relais"), matrix_user("alice")
    async with asyncio.timeout(TIMEOUT), partner(hs, alice_u, "Alice") as alice:
        me = bot_u.user_id
        served = await create_room(alice, invite=(me,))
        never_invited = await create_room(alice)
        mistyped = served + ":localhost"  # a version 12 room id with a server added by hand
        channels = [f"matrix:{served}", f"matrix:{never_invited}", f"matrix:{mistyped}"]
        bot = await start_bot(bot_config(hs, bot_u, sqlite_url(tmp_path), {"COPIL": channels}))
        try:
            for room in (never_invited, mistyped):
                text = await said(caplog, f"room {room} is linked to a circle but {me} is not in it", "invite it")
                assert "Internal room ID" in text
            await alice.wait_for(joined(me, served))
            await alice.reply_to(served, "!actions", "Aucun engagement", me)
        finally:
            assert await bot.close() == 0
        absent = [r for r in caplog.records if "is not in it" in r.getMessage()]
        assert sorted(r.getMessage().split()[1] for r in absent) == sorted([never_invited, mistyped])


async def test_relais_removed_from_a_linked_room_says_so_and_serves_the_others(
    synapse_server: SynapseServer, matrix_user: Callable[..., MatrixUser], tmp_path, caplog
) -> None:
    """Before: a kick went without a word in the log."""
    caplog.set_level(logging.INFO)
    hs = synapse_server
    bot_u, alice_u = matrix_user("relais"), matrix_user("alice")
    async with asyncio.timeout(TIMEOUT), partner(hs, alice_u, "Alice") as alice:
        me = bot_u.user_id
        copil = await create_room(alice, invite=(me,))
        working_group = await create_room(alice, invite=(me,))
        circles = {"COPIL": [f"matrix:{copil}"], "GT": [f"matrix:{working_group}"]}
        bot = await start_bot(bot_config(hs, bot_u, sqlite_url(tmp_path), circles))
        try:
            await alice.wait_for(joined(me, copil))
            await alice.wait_for(joined(me, working_group))
            await alice.client.room_kick(copil, me, reason="ménage")
            text = await said(caplog, f"{me} is no longer in room {copil}", "removed by", alice_u.user_id)
            assert "(ménage)" in text and "invite it back" in text
            await alice.reply_to(working_group, "!actions", "Aucun engagement", me)
        finally:
            assert await bot.close() == 0
