"""Replies that read well in a busy room, on a real Synapse with matrix-nio clients.

Answers are rich replies to the command; an edited `!engage` changes its commitment and Relais edits
its own confirmation (never a second commitment); other edits, someone else's edit, an edit too late
or of a commitment changed since, are answered or ignored as a member would expect; a mention
anywhere before a known command works; 👍 with a skin tone confirms; Relais offers ✅ under its items
and its own reaction is never counted.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from nio import RoomSendResponse

from bot.clock import FixedClock
from bot.models import OutboxMessage
from tests.support.waiting import eventually

from .kit import Partner, ask_until, bot_config, create_room, from_bot, joined, partner, start_bot
from .synapse import MatrixUser, SynapseServer

TIMEOUT = 120.0
PARIS = ZoneInfo("Europe/Paris")


async def edit(person: Partner, room: str, original: str, body: str, **extra: Any) -> str:
    """What Element sends when one edits a message: an m.replace with the new content."""
    new = {"msgtype": "m.text", "body": body, **extra}
    content = {**new, "body": f"* {body}", "m.new_content": new}
    content["m.relates_to"] = {"rel_type": "m.replace", "event_id": original}
    response = await person.client.room_send(room, "m.room.message", content)
    assert isinstance(response, RoomSendResponse), response
    return response.event_id


def edit_of(bot: str, event_id: str) -> Callable[[dict[str, Any]], bool]:
    """Relais' edit of its own message `event_id`."""
    return lambda e: (
        (e.get("sender") == bot and e.get("content", {}).get("m.relates_to", {}).get("event_id") == event_id)
        and e["content"]["m.relates_to"].get("rel_type") == "m.replace"
    )


def reaction_by(user: str, event_id: str, key: str) -> Callable[[dict[str, Any]], bool]:
    return lambda e: (
        e.get("type") == "m.reaction"
        and e.get("sender") == user
        and e.get("content", {}).get("m.relates_to", {}).get("event_id") == event_id
        and e["content"]["m.relates_to"].get("key") == key
    )


async def test_rich_replies_edited_commands_mentions_and_one_tap_check(
    synapse_server: SynapseServer, matrix_user: Callable[..., MatrixUser], bot_database: str
) -> None:
    hs = synapse_server
    bot_u, alice_u, bob_u = matrix_user("relais"), matrix_user("alice"), matrix_user("bob")
    clock = FixedClock(datetime(2026, 11, 23, 10, 0, tzinfo=PARIS))  # a Monday
    async with asyncio.timeout(TIMEOUT), partner(hs, alice_u, "Alice") as alice, partner(hs, bob_u, "Bob") as bob:
        me = bot_u.user_id
        room = await create_room(alice, bob, invite=(me,))
        bot = await start_bot(bot_config(hs, bot_u, bot_database, {"COPIL": [f"matrix:{room}"]}), clock)
        try:
            await alice.wait_for(joined(me, room))
            # an answer is a rich reply to the command, naming its author only, without a quoted fallback
            command = await alice.send(room, "!engage Préparer la réunion vendredi")
            answer = await alice.wait_for(from_bot(me, room, "Engagement #1 enregistré"))
            content = answer["content"]
            assert content["m.relates_to"] == {"m.in_reply_to": {"event_id": command}}
            assert content["m.mentions"] == {"user_ids": [alice.user_id]}
            assert not content["body"].startswith(">") and "mx-reply" not in content["formatted_body"]
            assert "vendredi 27 novembre" in content["body"]

            # the author edits the command: the commitment changes, and so does Relais' confirmation
            # (once Relais has recorded where its confirmation landed: an edit that arrives while the
            # confirmation is still being sent gets the new confirmation as a message of its own)
            def recorded() -> bool:
                with bot.app.store.unit_of_work() as session:
                    rows = session.query(OutboxMessage).filter(OutboxMessage.message_id == answer["event_id"]).all()
                    return bool(rows)

            await eventually(recorded, what="the confirmation to be recorded as sent")
            clock.advance(timedelta(minutes=3))
            await edit(alice, room, command, "!engage Préparer la réunion des partenaires samedi")
            edited = await alice.wait_for(edit_of(me, answer["event_id"]))
            new = edited["content"]["m.new_content"]
            assert "Préparer la réunion des partenaires" in new["body"] and "samedi 28 novembre" in new["body"]
            assert new["msgtype"] == "m.notice" and "m.relates_to" not in new
            actions = await alice.reply_to(room, "!actions", "engagement", me)
            assert "1 engagement" in actions["content"]["body"]  # never a second one
            assert "réunion des partenaires" in actions["content"]["body"]

            # someone else's edit is ignored; so is an edit of ordinary chat
            mark = len(alice.seen)
            await edit(bob, room, command, "!engage Rien du tout demain")
            chat = await bob.send(room, "Bonjour à tous")
            await edit(bob, room, chat, "!engage Coucou")
            # another command, edited: not run again, said in a short answer that replies to it
            other = await alice.send(room, "!actions")
            await alice.wait_for(from_bot(me, room, "engagement"), after=mark)
            await edit(alice, room, other, "!actions mine")
            said = await alice.wait_for(from_bot(me, room, "commande modifiée"), after=mark)
            assert said["content"]["m.relates_to"] == {"m.in_reply_to": {"event_id": other}}
            texts = [e["content"]["body"] for e in alice.seen[mark:] if from_bot(me, room)(e)]
            assert not any("Rien du tout" in text or "Coucou" in text for text in texts)
            assert sum("commande modifiée" in text for text in texts) == 1

            # an edit after ten minutes, or of a commitment done since, changes nothing and says why
            clock.advance(timedelta(minutes=8))
            await edit(alice, room, command, "!engage Trop tard")
            await alice.wait_for(from_bot(me, room, "plus de 10 minutes"), after=mark)
            second = await alice.send(room, "!engage Réserver la salle")
            await alice.wait_for(from_bot(me, room, "Engagement #2 enregistré"), after=mark)
            await alice.reply_to(room, "!done #2", "#2", me)
            await edit(alice, room, second, "!engage Réserver la grande salle")
            await alice.wait_for(from_bot(me, room, "a changé depuis"), after=mark)
            shown = await alice.reply_to(room, "!show #2", "#2", me)
            assert "grande salle" not in shown["content"]["body"]

            # a mention anywhere before a known command; a mention in a sentence is only chat
            pill = f'<a href="https://matrix.to/#/{me}">Relais du COPIL</a>'  # the name Element shows
            whoami = await alice.reply_to(
                room,
                "hey Relais du COPIL whoami",
                "Alice",
                me,
                format="org.matrix.custom.html",
                formatted_body=f"hey {pill} whoami",
                **{"m.mentions": {"user_ids": [me]}},
            )
            assert whoami["content"]["m.relates_to"]["m.in_reply_to"]["event_id"]
            mark = len(alice.seen)
            await alice.send(room, "merci @relais pour tout", **{"m.mentions": {"user_ids": [me]}})
            await alice.reply_to(room, "!help", "Relais", me)
            answers = [e["content"]["body"] for e in alice.seen[mark:] if from_bot(me, room)(e)]
            assert not any("inconnue" in text for text in answers)

            # Relais offers ✅ under its items; a 👍 with a skin tone confirms; Relais' own ✅ never counts
            await alice.reply_to(room, "!update Le compte rendu est en ligne", "#3", me)
            item = await bob.wait_for(from_bot(me, room, "📣 #3"))
            await bob.wait_for(reaction_by(me, item["event_id"], "✅"))
            await bob.react(room, item["event_id"], "👍🏽")
            text = await ask_until(alice, room, "!who-read #3", "#3", me, lambda t: "Bob" in t and "1 sur" in t)
            assert "Relais" not in text
        finally:
            assert await bot.close() == 0
