"""A newcomer's first commands on Matrix: help shows commands as they are typed in Element and Tchap,
with the room's prefix (`!engager`), not `/engager`, which Element takes for one of its own commands
("Unknown command") before Relais ever sees it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from .kit import bot_config, create_room, joined, partner, sqlite_url, start_bot
from .synapse import MatrixUser, SynapseServer

TIMEOUT = 90.0


async def test_help_on_matrix_shows_the_rooms_prefix(
    synapse_server: SynapseServer, matrix_user: Callable[..., MatrixUser], tmp_path
) -> None:
    hs = synapse_server
    bot_u, alice_u = matrix_user("relais"), matrix_user("alice")
    async with asyncio.timeout(TIMEOUT), partner(hs, alice_u, "Alice") as alice:
        me = bot_u.user_id
        room = await create_room(alice, invite=(me,))
        bot = await start_bot(bot_config(hs, bot_u, sqlite_url(tmp_path), {"COPIL": [f"matrix:{room}"]}))
        try:
            await alice.wait_for(joined(me, room))
            listing = (await alice.reply_to(room, "!aide", "Relais suit les engagements", me))["content"]["body"]
            assert "• !engager <quoi> [échéance] (!engage)" in listing
            assert "Tapez !aide <commande> pour le détail" in listing
            assert "/engager" not in listing and "(/engage)" not in listing
            detail = (await alice.reply_to(room, "!aide engager", "Exemple", me))["content"]["body"]
            assert detail.startswith("!engager <quoi> [échéance]") and "Aussi : !commit, !engage." in detail.replace(
                "\u00a0", " "
            )
            await alice.reply_to(room, "!lang en", "English", me)
            english = (await alice.reply_to(room, "!help", "Relais keeps track", me))["content"]["body"]
            assert "• !engage <what> [due date]" in english and "/engage" not in english
        finally:
            assert await bot.close() == 0
