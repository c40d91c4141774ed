"""The weekly recap's chart on Matrix (a real Synapse, real matrix-nio clients): an m.image right
after the recap, whose file is a PNG of the size it announces; in an encrypted room the file is
encrypted and a member's client decrypts it; a restart does not post it again."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from nio import AsyncClient, MemoryDownloadResponse, RoomEncryptedImage, SyncResponse
from nio.crypto import decrypt_attachment

from adapters.matrix.client import e2e_available
from bot.clock import FixedClock
from bot.images import png_size

from .kit import bot_config, create_room, from_bot, joined, partner, sqlite_url, start_bot
from .synapse import MatrixUser, SynapseServer
from .test_e2e import ENCRYPTION, answers, encrypted_partner, say

TIMEOUT = 120.0
PARIS = ZoneInfo("Europe/Paris")
PNG = b"\x89PNG\r\n\x1a\n"


def picture_of(bot: str, room: str) -> Callable[[dict], bool]:
    return lambda e: from_bot(bot, room)(e) and e["content"].get("msgtype") == "m.image"


async def download(client: AsyncClient, mxc: str) -> bytes:
    response = await client.download(mxc)
    assert isinstance(response, MemoryDownloadResponse), response
    return response.body


async def test_recap_chart_is_an_image_posted_once(
    synapse_server: SynapseServer, matrix_user: Callable[..., MatrixUser], tmp_path
) -> None:
    hs = synapse_server
    bot_u, alice_u, bob_u = matrix_user("relais"), matrix_user("alice"), matrix_user("bob")
    clock = FixedClock(datetime(2026, 11, 30, 8, 50, tzinfo=PARIS))
    async with asyncio.timeout(TIMEOUT), partner(hs, alice_u, "Alice") as alice, partner(hs, bob_u, "Bob") as bob:
        me = bot_u.user_id
        room = await create_room(alice, bob, invite=(me,))
        config = bot_config(hs, bot_u, sqlite_url(tmp_path), {"COPIL": [f"matrix:{room}"]}, language="en")
        bot = await start_bot(config, clock)
        try:
            await alice.wait_for(joined(me, room))
            await alice.reply_to(room, "!engage Write the charter", "Commitment #1 saved", me)
            mark = len(bob.seen)
            clock.set(datetime(2026, 11, 30, 9, 0, 20, tzinfo=PARIS))
            assert bot.runner.scheduler is not None
            await bot.runner.scheduler.run_now("test")
            recap = await bob.wait_for(from_bot(me, room, "Weekly recap — COPIL"), after=mark)
            image = await bob.wait_for(picture_of(me, room), after=bob.seen.index(recap) + 1)
        finally:
            assert await bot.close() == 0
        content = image["content"]
        assert "Commitments done: 0; overdue: 0; open, on time: 1." in content["body"]  # the alt text
        assert content["body"].startswith("COPIL, the week from Monday 23 November 2026 to Monday 30 November 2026.")
        info = content["info"]
        assert info["mimetype"] == "image/png" and "file" not in content
        data = await download(bob.client, content["url"])
        assert data.startswith(PNG) and len(data) == info["size"]
        assert png_size(data) == (info["w"], info["h"])
        bot = await start_bot(config, clock)  # a restart: nothing posted again
        try:
            await alice.reply_to(room, "!actions", "1 commitment", me)
        finally:
            assert await bot.close() == 0
        await bob.sync()
        assert [e["event_id"] for e in bob.seen if picture_of(me, room)(e)] == [image["event_id"]]


@pytest.mark.skipif(not e2e_available(), reason="the e2e extra is not installed: pip install 'relais[e2e]'")
async def test_recap_chart_is_encrypted_in_an_encrypted_room(
    synapse_server: SynapseServer, matrix_user: Callable[..., MatrixUser], tmp_path
) -> None:
    hs = synapse_server
    bot_u, alice_u = matrix_user("relais"), matrix_user("alice")
    clock = FixedClock(datetime(2026, 11, 30, 8, 50, tzinfo=PARIS))
    async with asyncio.timeout(TIMEOUT), encrypted_partner(hs, alice_u, tmp_path / "alice") as alice:
        me = bot_u.user_id
        room = (await alice.room_create(invite=[me], initial_state=[ENCRYPTION])).room_id
        config = bot_config(
            hs,
            bot_u,
            sqlite_url(tmp_path),
            {"COPIL": [f"matrix:{room}"]},
            language="fr",
            store_path=str(tmp_path / "relais-crypto"),
        )
        bot = await start_bot(config, clock)
        try:
            async with asyncio.timeout(30):
                while me not in (alice.rooms.get(room).users if room in alice.rooms else {}):
                    await alice.sync(timeout=500)
            await say(alice, room, "!engage Chiffrer les comptes rendus")
            await answers(alice, room, me, "Engagement #1 enregistré")
            clock.set(datetime(2026, 11, 30, 9, 0, 20, tzinfo=PARIS))
            assert bot.runner.scheduler is not None
            await bot.runner.scheduler.run_now("test")
            image = await encrypted_image(alice, room, me)
        finally:
            assert await bot.close() == 0
        assert image.decrypted  # the event came encrypted, and so did its file
        body = image.body.replace("\u202f", " ").replace("\u00a0", " ")  # French typography aside
        assert "Engagements faits : 0 ; en retard : 0 ; en cours dans les temps : 1." in body
        info = image.source["content"]["info"]
        assert "url" not in image.source["content"] and info["mimetype"] == "image/png"
        ciphertext = await download(alice, image.url)
        assert not ciphertext.startswith(PNG)
        data = decrypt_attachment(ciphertext, image.key["k"], image.hashes["sha256"], image.iv)
        assert data.startswith(PNG) and len(data) == info["size"]
        assert png_size(data) == (info["w"], info["h"])


async def encrypted_image(client: AsyncClient, room: str, bot: str, timeout: float = 30) -> RoomEncryptedImage:
    async with asyncio.timeout(timeout):
        while True:
            response = await client.sync(timeout=500)
            assert isinstance(response, SyncResponse)
            info = response.rooms.join.get(room)
            for event in info.timeline.events if info else []:
                if isinstance(event, RoomEncryptedImage) and event.sender == bot:
                    return event
