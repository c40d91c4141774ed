"""`@room`, a user id, a display name and HTML typed by a member, repeated by Relais: they ping
nobody (m.mentions is set and empty) and render as text (escaped in formatted_body).

The control message proves the check can fail: the same words sent by the same account
without `m.mentions` do highlight for Bob.
"""

from __future__ import annotations

import asyncio
import urllib.parse
from collections.abc import Callable

from nio import AsyncClient, RoomGetStateEventResponse, RoomPutStateResponse, RoomSendResponse

from .kit import bot_config, client_config, create_room, from_bot, joined, partner, sqlite_url, start_bot
from .synapse import MatrixUser, SynapseServer

TIMEOUT = 90.0
TYPED = '@room <b>urgent</b> <a href="https://evil.example">click</a> {bob} Bob **bold**'


def highlights(hs: SynapseServer, user: MatrixUser) -> set[str]:
    query = urllib.parse.urlencode({"only": "highlight", "limit": 100})
    answer = hs.request("GET", f"/_matrix/client/v3/notifications?{query}", access_token=user.access_token)
    return {n["event"]["event_id"] for n in answer["notifications"]}


async def test_room_mentions_and_html_are_inert(
    synapse_server: SynapseServer, matrix_user: Callable[..., MatrixUser], tmp_path
) -> None:
    hs = synapse_server
    bot_u, alice_u, bob_u = matrix_user("relais"), matrix_user("alice"), matrix_user("bob")
    async with asyncio.timeout(TIMEOUT), partner(hs, alice_u, "Alice") as alice, partner(hs, bob_u, "Bob") as bob:
        me = bot_u.user_id
        room = await create_room(alice, bob, invite=(me,))
        # Relais may ping the whole room if it wants to (power level 100): it must choose not to
        levels = await alice.client.room_get_state_event(room, "m.room.power_levels")
        assert isinstance(levels, RoomGetStateEventResponse)
        content = dict(levels.content)
        content["users"] = {**content.get("users", {}), me: 100}
        assert isinstance(await alice.client.room_put_state(room, "m.room.power_levels", content), RoomPutStateResponse)
        bot = await start_bot(bot_config(hs, bot_u, sqlite_url(tmp_path), {"COPIL": [f"matrix:{room}"]}, language="en"))
        try:
            await alice.wait_for(joined(me, room))
            typed = TYPED.format(bob=bob.user_id)
            mark = len(bob.seen)
            await alice.reply_to(room, f"!update {typed}", "Update #1 shared", me)
            post = await bob.wait_for(from_bot(me, room, "📣 #1"), after=mark)
            content = post["content"]
            assert content["m.mentions"] == {}
            html = content["formatted_body"]
            assert "&lt;b&gt;urgent&lt;/b&gt;" in html and "<b>" not in html
            assert "&lt;a href=&quot;https://evil.example&quot;&gt;" in html and "<a " not in html
            assert "**bold**" in content["body"] and "<strong>bold</strong>" not in html  # markup escaped too
            assert "@room" in content["body"] and bob.user_id in content["body"]

            # the same words from the same account, without m.mentions, would ping Bob
            raw = AsyncClient(hs.base_url, me, config=client_config())
            raw.user_id, raw.device_id, raw.access_token = me, bot_u.device_id, bot_u.access_token
            try:
                control = await raw.room_send(room, "m.room.message", {"msgtype": "m.text", "body": typed})
                assert isinstance(control, RoomSendResponse)
            finally:
                await raw.close()
            await bob.wait_for(lambda e: e.get("event_id") == control.event_id)
            pinged = highlights(hs, bob_u)
            assert control.event_id in pinged
            assert post["event_id"] not in pinged
        finally:
            assert await bot.close() == 0
