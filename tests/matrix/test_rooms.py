"""Rooms and people on a real Synapse: an encrypted room is told once that Relais cannot read it;
a room upgrade moves the circle; direct chats are created on demand and reused; names kept fresh."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from sqlalchemy import select

from bot.models import CircleChannel, Member
from bot.outbox import enqueue_post
from bot.reply import Post

from .kit import bot_config, create_room, from_bot, joined, partner, sqlite_url, start_bot
from .synapse import MatrixUser, SynapseServer

TIMEOUT = 90.0
ENCRYPTION = {"type": "m.room.encryption", "state_key": "", "content": {"algorithm": "m.megolm.v1.aes-sha2"}}
FAKE_CIPHERTEXT = {
    "algorithm": "m.megolm.v1.aes-sha2",
    "ciphertext": "AwgAEn…",
    "session_id": "s",
    "sender_key": "k",
    "device_id": "D",
}


async def test_encrypted_room_is_told_once_even_across_restarts(
    synapse_server: SynapseServer, matrix_user: Callable[..., MatrixUser], tmp_path
) -> None:
    hs = synapse_server
    bot_u, alice_u = matrix_user("relais"), matrix_user("alice")
    async with asyncio.timeout(TIMEOUT), partner(hs, alice_u, "Alice") as alice:
        me = bot_u.user_id
        secret = await create_room(alice, invite=(me,), initial_state=[ENCRYPTION])
        plain = await create_room(alice, invite=(me,))
        config = bot_config(hs, bot_u, sqlite_url(tmp_path), {"COPIL": [f"matrix:{plain}"]})
        bot = await start_bot(config)
        try:
            notice = await alice.wait_for(from_bot(me, secret, "chiffré"))
            assert notice["content"]["msgtype"] == "m.notice"
            assert "je ne peux pas lire" in notice["content"]["body"]
            for _ in range(2):  # encrypted messages Relais cannot read: no second notice
                await alice.client.room_send(secret, "m.room.encrypted", FAKE_CIPHERTEXT)
            await alice.reply_to(plain, "!actions", "Aucun engagement", me)
        finally:
            assert await bot.close() == 0
        bot = await start_bot(config)
        try:
            await alice.client.room_send(secret, "m.room.encrypted", FAKE_CIPHERTEXT)
            await alice.reply_to(plain, "!actions", "Aucun engagement", me)
        finally:
            assert await bot.close() == 0
        notices = [e for e in alice.seen if from_bot(me, secret)(e)]
        assert len(notices) == 1
        assert not [e for e in alice.seen if from_bot(me, plain)(e) and "chiffré" in e["content"]["body"]]


async def test_room_upgrade_moves_the_circle(
    synapse_server: SynapseServer, matrix_user: Callable[..., MatrixUser], tmp_path
) -> None:
    hs = synapse_server
    bot_u, alice_u = matrix_user("relais"), matrix_user("alice")
    async with asyncio.timeout(TIMEOUT), partner(hs, alice_u, "Alice") as alice:
        me = bot_u.user_id
        old = await create_room(alice, invite=(me,))
        config = bot_config(hs, bot_u, sqlite_url(tmp_path), {"COPIL": [f"matrix:{old}"]}, language="en")
        bot = await start_bot(config)
        try:
            await alice.wait_for(joined(me, old))
            await alice.reply_to(old, "!engage Write the charter", "Commitment #1 saved", me)
            upgraded = hs.request(
                "POST",
                f"/_matrix/client/v3/rooms/{old}/upgrade",
                {"new_version": "10"},
                access_token=alice_u.access_token,
            )
            new = upgraded["replacement_room"]
            await alice.client.room_invite(new, me)  # invite-only rooms need an invite to follow
            await alice.sync()
            await alice.wait_for(joined(me, new))
            mark = len(alice.seen)
            await alice.reply_to(new, "!update The charter is drafted", "Update #2 shared with COPIL", me)
            await alice.wait_for(from_bot(me, new, "📣 #2"), after=mark)
            assert not [e for e in alice.seen[mark:] if from_bot(me, old)(e)]
            with bot.app.store.unit_of_work() as session:
                channels = set(session.scalars(select(CircleChannel.channel)))
            assert f"matrix:{new}" in channels and f"matrix:{old}" not in channels
        finally:
            assert await bot.close() == 0
        # the config still names the old room: a restart keeps the circle in the new one
        bot = await start_bot(config)
        try:
            with bot.app.store.unit_of_work() as session:
                channels = set(session.scalars(select(CircleChannel.channel)))
            assert f"matrix:{new}" in channels and f"matrix:{old}" not in channels
        finally:
            assert await bot.close() == 0


async def test_direct_chat_created_on_demand_and_reused_and_names_fresh(
    synapse_server: SynapseServer, matrix_user: Callable[..., MatrixUser], tmp_path
) -> None:
    hs = synapse_server
    bot_u, alice_u = matrix_user("relais"), matrix_user("alice")
    async with asyncio.timeout(TIMEOUT), partner(hs, alice_u, "Alice") as alice:
        me = bot_u.user_id
        room = await create_room(alice, invite=(me,))
        bot = await start_bot(bot_config(hs, bot_u, sqlite_url(tmp_path), {"COPIL": [f"matrix:{room}"]}, language="en"))
        try:
            await alice.wait_for(joined(me, room))
            await alice.reply_to(room, "!actions", "No commitment", me)  # first contact: Alice is a member
            await alice.client.set_displayname("Alice Martin")
            await alice.sync()

            def direct(text: str) -> None:
                with bot.app.store.unit_of_work() as session:
                    member = session.scalar(select(Member).where(Member.display_name.like("Alice%")))
                    assert member is not None
                    enqueue_post(session, Post(text, target="direct", member_id=member.id), bot.app.clock.now())
                bot.runner.wake()

            direct("Your weekly digest: nothing new.")
            async with asyncio.timeout(20):
                while not alice.invites:
                    await alice.sync()
            ((dm, inviter),) = alice.invites.items()
            assert inviter == me
            await alice.client.join(dm)
            first = await alice.wait_for(from_bot(me, dm, "weekly digest"))
            assert first["content"]["msgtype"] == "m.text"  # a direct post should notify
            direct("A second note.")
            await alice.wait_for(from_bot(me, dm, "second note"))
            assert list(alice.invites) == [dm]  # the same direct chat, no new invite
            # and in it, bare commands work
            await alice.reply_to(dm, "actions", "No commitment", me)
            with bot.app.store.unit_of_work() as session:
                names = list(session.scalars(select(Member.display_name)))
            assert "Alice Martin" in names
        finally:
            assert await bot.close() == 0
