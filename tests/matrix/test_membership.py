"""Who belongs, on a real Synapse, starting the way communities start.

Partners are in their room before Relais; the room is linked to COPIL in the config; Relais is
invited and starts. Members come from Matrix (joined members, then join/leave events), whether
or not they ever typed a command; a stranger on the same homeserver is refused and nothing is
stored for them; invites are accepted from members only; a room linked to no circle says so.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from nio import RoomCreateResponse, RoomPreset
from sqlalchemy import func, select

from adapters.matrix.config import server_of
from bot.models import CircleMember, Identity, Item, Member, PlatformState

from .kit import ask_until, bot_config, create_room, from_bot, joined, membership, partner, sqlite_url, start_bot
from .synapse import MatrixUser, SynapseServer

TIMEOUT = 120.0
REFUSAL = "je ne vous trouve dans aucune de ses instances"
UNLINKED = "Ce salon n’est rattaché à aucune instance"


def body(event: dict) -> str:
    return str(event["content"]["body"])


def identity_stored(bot, user_id: str) -> bool:
    with bot.app.store.unit_of_work() as session:
        return session.scalar(select(Identity.id).where(Identity.identity == f"matrix:{user_id}")) is not None


def member_count(bot) -> int:
    with bot.app.store.unit_of_work() as session:
        return int(session.scalar(select(func.count()).select_from(Member)) or 0)


async def test_people_already_in_the_room_are_members_and_follow_joins_and_leaves(
    synapse_server: SynapseServer, matrix_user: Callable[..., MatrixUser], bot_database: str
) -> None:
    hs = synapse_server
    bot_u = matrix_user("relais")
    users = {name: matrix_user(name) for name in ("alice", "bob", "carol", "bridge")}
    async with (
        asyncio.timeout(TIMEOUT),
        partner(hs, users["alice"], "Alice") as alice,
        partner(hs, users["bob"], "Bob") as bob,
        partner(hs, users["carol"], "Carol") as carol,
        partner(hs, users["bridge"], "Telegram bridge") as bridge,
    ):
        me = bot_u.user_id
        # Alice, Bob and a bridge bot are in the room before Relais; Alice invites Relais
        room = await create_room(alice, bob, bridge, invite=(me,))
        await bridge.send(room, "[telegram] Zoé: bonjour")
        config = bot_config(hs, bot_u, bot_database, {"COPIL": [f"matrix:{room}"]}, ignored_users=[bridge.user_id])
        bot = await start_bot(config)
        try:
            await alice.wait_for(joined(me, room))
            # Bob never typed anything: he must read it; the bridge is nobody
            answer = await alice.reply_to(
                room, "!info Le COPIL de jeudi se tiendra en mairie, salle 2", "1 membre doit la lire", me
            )
            assert "Annonce #1 publiée dans COPIL" in body(answer)
            who = await alice.reply_to(room, "!qui-a-lu #1", "#1 (COPIL)", me)
            assert "0 sur 1 confirmés, 0 seulement vus, 1 pas encore" in body(who) and "⏳ Bob" in body(who)
            assert "bridge" not in body(who).lower()

            # Bob's read receipt marks it seen; his ✅ counts at once (he still never typed a command)
            item = await bob.wait_for(from_bot(me, room, "📢 #1"))
            await bridge.client.room_read_markers(room, item["event_id"], item["event_id"])
            await bob.client.room_read_markers(room, item["event_id"], item["event_id"])
            text = await ask_until(alice, room, "!qui-a-lu #1", "#1 (COPIL)", me, lambda t: "1 seulement vus" in t)
            assert "👀 Bob" in text
            await bob.react(room, item["event_id"], "✅")
            text = await ask_until(alice, room, "!qui-a-lu #1", "#1 (COPIL)", me, lambda t: "1 sur 1 confirmés" in t)
            assert "✅ Bob" in text

            # Carol joins later: in the audience of the next item
            await alice.client.room_invite(room, carol.user_id)
            await carol.client.join(room)
            answer = await alice.reply_to(room, "!info Apportez vos bilans", "2 membres doivent la lire", me)
            who = await alice.reply_to(room, "!qui-a-lu #2", "#2 (COPIL)", me)
            assert "⏳ Bob" in body(who) and "⏳ Carol" in body(who)

            # Bob leaves: not in the next item's audience, still in the older ones'
            await bob.client.room_leave(room)
            await alice.wait_for(membership(bob.user_id, room, "leave"))
            await alice.reply_to(room, "!info Le compte rendu est en ligne", "1 membre doit la lire", me)
            who = await alice.reply_to(room, "!qui-a-lu #3", "#3 (COPIL)", me)
            assert "⏳ Carol" in body(who) and "Bob" not in body(who)
            who = await alice.reply_to(room, "!qui-a-lu #1", "#1 (COPIL)", me)
            assert "✅ Bob" in body(who)  # history stays true
            assert not identity_stored(bot, bridge.user_id)
        finally:
            assert await bot.close() == 0


async def test_a_stranger_in_a_direct_chat_is_refused_and_nothing_is_stored(
    synapse_server: SynapseServer, matrix_user: Callable[..., MatrixUser], tmp_path
) -> None:
    hs = synapse_server
    bot_u, alice_u, mallory_u = matrix_user("relais"), matrix_user("alice"), matrix_user("mallory")
    async with (
        asyncio.timeout(TIMEOUT),
        partner(hs, alice_u, "Alice") as alice,
        partner(hs, mallory_u, "Mallory") as mallory,
    ):
        me = bot_u.user_id
        room = await create_room(alice, invite=(me,))
        # everyone on the homeserver may invite Relais (as on a Tchap-like server): Mallory's DM is accepted
        config = bot_config(
            hs, bot_u, sqlite_url(tmp_path), {"COPIL": [f"matrix:{room}"]}, allowed_homeservers=server_of(me)
        )
        bot = await start_bot(config)
        try:
            await alice.wait_for(joined(me, room))
            await alice.reply_to(room, "!actions", "Aucun engagement", me)
            members_before = member_count(bot)
            created = await mallory.client.room_create(
                is_direct=True, invite=[me], preset=RoomPreset.trusted_private_chat
            )
            assert isinstance(created, RoomCreateResponse), created
            dm = created.room_id
            await mallory.wait_for(joined(me, dm))
            for line in ("info Le COPIL est annulé, ne venez pas", "actions", "who-read 1", "whoami", "!info Annulé"):
                refusal = await mallory.reply_to(dm, line, REFUSAL, me)
                assert refusal["content"]["msgtype"] == "m.notice"
            await mallory.client.room_read_markers(dm, refusal["event_id"], refusal["event_id"])
            await alice.reply_to(room, "!actions", "Aucun engagement", me)  # the bot went on meanwhile
            await mallory.reply_to(dm, "whoami", REFUSAL, me)  # ... and past Mallory's receipt
            assert not [e for e in alice.seen if from_bot(me, room)(e) and "annulé" in body(e).lower()]
            assert not identity_stored(bot, mallory.user_id)
            assert member_count(bot) == members_before
            with bot.app.store.unit_of_work() as session:
                assert session.scalar(select(func.count()).select_from(Item)) == 0
                state = session.execute(select(PlatformState.key, PlatformState.value)).all()
            assert not [row for row in state if mallory.user_id in row.key + row.value]  # not even a DM noted
        finally:
            assert await bot.close() == 0


async def test_invites_from_members_only_and_a_room_linked_to_no_circle(
    synapse_server: SynapseServer, matrix_user: Callable[..., MatrixUser], tmp_path
) -> None:
    hs = synapse_server
    bot_u = matrix_user("relais")
    users = {name: matrix_user(name) for name in ("alice", "bob", "fabienne", "camille", "mallory")}
    async with (
        asyncio.timeout(TIMEOUT),
        partner(hs, users["alice"], "Alice") as alice,
        partner(hs, users["bob"], "Bob") as bob,
        partner(hs, users["fabienne"], "Fabienne") as fabienne,
        partner(hs, users["camille"], "Camille") as camille,
        partner(hs, users["mallory"], "Mallory") as mallory,
    ):
        me = bot_u.user_id
        copil = await create_room(alice, bob, invite=(me,))
        config = bot_config(
            hs,
            bot_u,
            sqlite_url(tmp_path),
            {"COPIL": [f"matrix:{copil}"]},
            facilitators=(f"matrix:{fabienne.user_id}",),
            allowed_users=[camille.user_id],
        )
        bot = await start_bot(config)
        try:
            await alice.wait_for(joined(me, copil))
            await alice.reply_to(copil, "!actions", "Aucun engagement", me)
            # a member's group room: accepted, and Relais says once that it is linked to no circle
            workshop = await create_room(alice, bob, invite=(me,))
            notice = await bob.wait_for(from_bot(me, workshop, UNLINKED))
            assert "!rattacher <instance>" in body(notice) and notice["content"]["msgtype"] == "m.notice"
            # a stranger's room is declined; the allow-listed Camille and the facilitator get in
            declined = await create_room(mallory, invite=(me,))
            await mallory.wait_for(membership(me, declined, "leave"))
            listed = await create_room(camille, invite=(me,))
            await camille.wait_for(joined(me, listed))
            facilitated = await create_room(fabienne, invite=(me,))
            await fabienne.wait_for(joined(me, facilitated))

            # in the room linked to no circle, commands are not run; a facilitator links it
            answer = await bob.reply_to(workshop, "!actions", UNLINKED, me)
            assert "!rattacher <instance>" in body(answer)  # the prefix commands take here
            refused = answer["event_id"]  # the same words as the notice said when it joined
            await alice.client.room_invite(workshop, fabienne.user_id)
            await fabienne.client.join(workshop)
            await fabienne.reply_to(workshop, "!rattacher GT Mobilité", "maintenant rattaché à GT Mobilité", me)
            # its members are counted at once: Bob and Fabienne must read Alice's announcement
            answer = await alice.reply_to(workshop, "!info Atelier mardi", "2 membres doivent la lire", me)
            assert "GT Mobilité" in body(answer)
            await mallory.send(declined, "!actions")
            await alice.reply_to(copil, "!actions", "Aucun engagement", me)
            await bob.sync()
            notices = [
                e for e in bob.seen if from_bot(me, workshop, "!rattacher <instance>")(e) and e["event_id"] != refused
            ]
            assert len(notices) == 1  # said once
            assert not [e for e in mallory.seen if from_bot(me, declined)(e)]
            assert not identity_stored(bot, mallory.user_id)
            with bot.app.store.unit_of_work() as session:
                rows = session.execute(
                    select(Member.display_name, func.count(CircleMember.circle_id))
                    .join(CircleMember, CircleMember.member_id == Member.id)
                    .where(CircleMember.left_at.is_(None))
                    .group_by(Member.display_name)
                ).all()
            assert dict(rows) == {"Alice": 2, "Bob": 2, "Fabienne": 1}
        finally:
            assert await bot.close() == 0
