"""Commands through the real bot on a real Synapse: !engage, !update, !actions, in French and English.

Also: /cmd typed as text, `@relais: cmd`, bare commands in a direct chat, threads, what is
ignored, m.notice for replies, and the round-trip time through the bot. Who may invite Relais,
and what strangers get, is in test_membership.py.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable

from nio import RoomCreateResponse, RoomPreset

from .kit import bot_config, create_room, from_bot, joined, partner, sqlite_url, start_bot
from .synapse import MatrixUser, SynapseServer

TIMEOUT = 90.0


def body(event: dict) -> str:
    return event["content"]["body"]


async def test_engage_update_actions_in_french_and_english(
    synapse_server: SynapseServer, matrix_user: Callable[..., MatrixUser], bot_database: str
) -> None:
    hs = synapse_server
    bot_u, alice_u, bob_u = matrix_user("relais"), matrix_user("alice"), matrix_user("bob")
    async with asyncio.timeout(TIMEOUT), partner(hs, alice_u, "Alice") as alice, partner(hs, bob_u, "Bob") as bob:
        room = await create_room(alice, bob, invite=(bot_u.user_id,))
        # said before Relais ever started: history, never handled
        await alice.send(room, "!engage Vieille commande à ne pas rejouer")
        bot = await start_bot(bot_config(hs, bot_u, bot_database, {"COPIL": [f"matrix:{room}"]}))
        try:
            me = bot_u.user_id
            await alice.wait_for(
                lambda e: (
                    e.get("type") == "m.room.member"
                    and e.get("state_key") == me
                    and e["content"].get("membership") == "join"
                )
            )
            reply = await alice.reply_to(
                room, "!engage Préparer la réunion des partenaires vendredi", "Engagement #1 enregistré", me
            )
            assert reply["content"]["msgtype"] == "m.notice"
            assert "Préparer la réunion des partenaires" in body(reply) and "vendredi" in body(reply)
            assert "<strong>Préparer la réunion des partenaires</strong>" in reply["content"]["formatted_body"]

            mark = len(bob.seen)
            confirm = await alice.reply_to(room, "!update #1 Salle réservée 50%", "Point d’étape #2 partagé", me)
            post = await bob.wait_for(from_bot(me, room, "📣 #2 Point d’étape d’Alice"), after=mark)
            assert (
                "Salle réservée" in body(post) and "50\u00a0%" in body(post) and confirm["event_id"] != post["event_id"]
            )

            listing = await bob.reply_to(room, "!actions", "1 engagement", me)
            assert "#1" in body(listing) and "Alice" in body(listing) and "50\u00a0%" in body(listing)

            # English for Bob from now on; the same commands answer in English
            await bob.reply_to(room, "!lang en", "From now on I answer you in English.", me)
            english = await bob.reply_to(room, "!engage Book the room for the workshop", "Commitment #3 saved", me)
            assert "Book the room for the workshop" in body(english)
            await bob.reply_to(room, "!update #3 Room booked 100%", "Update #4 shared with COPIL", me)
            listing = await bob.reply_to(room, "!actions", "2 commitments", me)
            assert "#1" in body(listing) and "#3" in body(listing)

            # /engage typed as text, and a mention, are commands too; plain chat is not
            await bob.reply_to(room, "/actions mine", "1 commitment", me)
            await alice.reply_to(room, f"{me}: actions mine", "1 engagement", me)
            mark = len(alice.seen)
            await alice.send(room, "bonne journée à tous !")
            await alice.send(room, "/shrug pas une commande de Relais")
            await alice.reply_to(room, "!aide", "Relais", me)
            said = [e for e in alice.seen[mark:] if from_bot(me, room)(e)]
            assert len(said) == 1, [body(e) for e in said]

            # a mistyped command: the commands offered go by the speaker's names (Alice French, Bob English),
            # with the prefix commands take here (Element takes an unknown /word for one of its own commands)
            french = await alice.reply_to(room, "!shedule", "Je ne connais pas la commande !shedule", me)
            assert "!programme" in body(french) and "!aide liste" in body(french) and "schedule" not in body(french)
            english = await bob.reply_to(room, "!programe", "I do not know the command !programe", me)
            assert "!schedule" in body(english) and "programme" not in body(english)
            usage = await alice.reply_to(room, "!lu n'importe quoi", "Utilisation", me)
            assert "Utilisation\u00a0: !lu #N" in body(usage) and "/lu" not in body(usage)
            # what a member wrote is repeated as written
            quoted = await alice.reply_to(room, "!engage Relire /lu et /aide d'ici vendredi", "Engagement #5", me)
            assert "Relire /lu et /aide" in body(quoted)
            # a post to the circle: its way to confirm reading with the prefix, the member's text as written
            mark = len(bob.seen)
            await alice.reply_to(room, "!info Tapez /lu dans le salon du GT", "Annonce #6", me)
            post = await bob.wait_for(from_bot(me, room, "Tapez /lu dans le salon du GT"), after=mark)
            assert "!lu #6" in body(post) and "/lu #6" not in body(post)

            # nothing from before the start was handled, and no command twice
            everything = [body(e) for e in alice.seen if from_bot(me, room)(e)]
            assert not any("Vieille commande" in text for text in everything)
            assert sum("Engagement #1 enregistré" in text for text in everything) == 1
        finally:
            assert await bot.close() == 0


async def test_thread_direct_chat_and_round_trip_time(
    synapse_server: SynapseServer, matrix_user: Callable[..., MatrixUser], tmp_path
) -> None:
    hs = synapse_server
    bot_u, alice_u = matrix_user("relais"), matrix_user("alice")
    async with asyncio.timeout(TIMEOUT), partner(hs, alice_u, "Alice") as alice:
        room = await create_room(alice, invite=(bot_u.user_id,))
        bot = await start_bot(bot_config(hs, bot_u, sqlite_url(tmp_path), {"COPIL": [f"matrix:{room}"]}, language="en"))
        me = bot_u.user_id
        try:
            await alice.wait_for(joined(me, room))
            # a command in a thread is answered in that thread
            root = await alice.send(room, "Planning the workshop")
            threaded = await alice.reply_to(
                room,
                "!engage Send the invitations",
                "Commitment #1 saved",
                me,
                **{"m.relates_to": {"rel_type": "m.thread", "event_id": root}},
            )
            assert threaded["content"]["m.relates_to"]["rel_type"] == "m.thread"
            assert threaded["content"]["m.relates_to"]["event_id"] == root
            # a reply (with its quoted fallback) is parsed without the quote
            quoted = await alice.reply_to(
                room,
                f"> <{me}> Commitment #1 saved\n\n!actions",
                "1 commitment",
                me,
                **{"m.relates_to": {"m.in_reply_to": {"event_id": threaded["event_id"]}}},
            )
            assert "Send the invitations" in body(quoted)

            # a direct chat: bare commands
            created = await alice.client.room_create(
                is_direct=True, invite=[me], preset=RoomPreset.trusted_private_chat
            )
            assert isinstance(created, RoomCreateResponse)
            dm = created.room_id
            await alice.wait_for(
                lambda e: (
                    e.get("room_id") == dm
                    and e.get("state_key") == me
                    and e.get("content", {}).get("membership") == "join"
                )
            )
            await alice.reply_to(dm, "actions", "1 commitment", me)
            await alice.reply_to(dm, "help", "Relais", me)

            # round trip: a member's command -> the bot's answer seen by the member
            times = []
            for _ in range(8):
                started = time.perf_counter()
                await alice.reply_to(room, "!actions", "1 commitment", me)
                times.append(time.perf_counter() - started)
            median = statistics.median(times) * 1000
            print(
                f"\n[relais matrix] command round trip through the bot: median {median:.0f} ms, "
                f"max {max(times) * 1000:.0f} ms"
            )
            assert median < 2000
        finally:
            assert await bot.close() == 0
