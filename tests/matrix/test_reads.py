"""Read signals on a real Synapse: ✅ reaction -> acknowledged, read receipt -> seen, /who-read shows
both, redacting the reaction withdraws it; receipts are one watermark per member and room."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from nio import RoomReadMarkersResponse, RoomRedactResponse
from sqlalchemy import func, select

from bot.models import Acknowledgement, SeenMark
from tests.support.waiting import eventually

from .kit import bot_config, create_room, from_bot, joined, partner, start_bot
from .synapse import MatrixUser, SynapseServer

TIMEOUT = 90.0


async def test_reaction_receipt_and_who_read(
    synapse_server: SynapseServer, matrix_user: Callable[..., MatrixUser], bot_database: str
) -> None:
    hs = synapse_server
    bot_u = matrix_user("relais")
    users = {name: matrix_user(name) for name in ("alice", "bob", "carol")}
    async with (
        asyncio.timeout(TIMEOUT),
        partner(hs, users["alice"], "Alice") as alice,
        partner(hs, users["bob"], "Bob") as bob,
        partner(hs, users["carol"], "Carol") as carol,
    ):
        me = bot_u.user_id
        room = await create_room(alice, invite=(me, bob.user_id, carol.user_id))
        bot = await start_bot(bot_config(hs, bot_u, bot_database, {"COPIL": [f"matrix:{room}"]}, language="en"))
        try:
            await alice.wait_for(joined(me, room))
            for person in (bob, carol):  # they join after Relais: members of the circle from now on
                await person.client.join(room)
                await alice.wait_for(joined(person.user_id, room))
            await alice.reply_to(room, "!help", "Relais", me)  # the joins were handled before this

            mark = len(bob.seen)
            await alice.reply_to(room, "!update The minutes are online", "Update #1 shared", me)
            item = await bob.wait_for(from_bot(me, room, "📣 #1"), after=mark)
            await carol.wait_for(lambda e: e.get("event_id") == item["event_id"])

            reaction = await bob.react(room, item["event_id"], "✅")
            await bob.react(room, item["event_id"], "🎉")  # not an acknowledgement
            read = await carol.client.room_read_markers(room, item["event_id"], item["event_id"])
            assert isinstance(read, RoomReadMarkersResponse), read

            async with asyncio.timeout(20):
                while True:  # the signals arrive through the bot's sync: poll the answer
                    answer = await alice.reply_to(room, "!who-read #1", "#1 (COPIL)", me)
                    text = answer["content"]["body"]
                    if "1 of 2 confirmed, 1 seen only, 0 not yet" in text:
                        break
                    await asyncio.sleep(0.1)
            assert "✅ Bob" in text and "👀 Carol" in text

            # Carol reads on: still one watermark row for her in that room
            later = await alice.send(room, "thanks!")
            await carol.client.room_read_markers(room, later, later)
            await carol.client.update_receipt_marker(room, later)  # threaded "main" receipt

            # Bob takes his ✅ back
            redacted = await bob.client.room_redact(room, reaction, reason="oops")
            assert isinstance(redacted, RoomRedactResponse), redacted
            async with asyncio.timeout(20):
                while True:
                    answer = await alice.reply_to(room, "!who-read #1", "#1 (COPIL)", me)
                    text = answer["content"]["body"]
                    if "0 of 2 confirmed, 1 seen only, 1 not yet" in text:
                        break
                    await asyncio.sleep(0.1)
            assert "⏳ Bob" in text and "👀 Carol" in text
            with bot.app.store.unit_of_work() as session:
                marks = session.scalar(select(func.count()).select_from(SeenMark))
                acks = session.scalar(select(func.count()).select_from(Acknowledgement))
            assert marks == 1 and acks == 0  # Carol's one watermark; Bob's ack withdrawn

            # ✅ again, then 👍 too: removing one of them keeps the acknowledgement
            first = await bob.react(room, item["event_id"], "✅")
            await bob.react(room, item["event_id"], "👍")
            seen = f"reaction:{first}"
            await eventually(lambda: bot.adapter.state.get(seen) is not None, 20, "Relais to see the ✅")
            await bob.client.room_redact(room, first)
            await eventually(lambda: bot.adapter.state.get(seen) is None, 20, "Relais to see its redaction")
            answer = await alice.reply_to(room, "!who-read #1", "#1 (COPIL)", me)
            assert "1 of 2 confirmed" in answer["content"]["body"] and "✅ Bob" in answer["content"]["body"]
        finally:
            assert await bot.close() == 0
