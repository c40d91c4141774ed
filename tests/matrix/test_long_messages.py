"""Full text on a real Synapse: an item of any length arrives whole.

A 3,000-character announcement is one message; a long one heavy with accents, emoji and HTML
escapes comes in several messages, in order, each marked "(k/n)" and each within the event size
limit; ✅ on the first part acknowledges the item, a read receipt on the last part counts as seen;
a resend after a crash (same transaction ids) doubles nothing.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from adapters.matrix.render import PART_BYTES
from bot.markup import bold, esc
from bot.models import OutboxMessage
from bot.outbox import enqueue_post
from bot.reply import Post
from bot.services.membership import find_by_identity, mapped_circle
from bot.services.updates import post_item
from tests.support.waiting import eventually

from .kit import ask_until, bot_config, create_room, from_bot, joined, partner, start_bot
from .synapse import MatrixUser, SynapseServer

TIMEOUT = 120.0
MARKER = re.compile(r"^\((\d+)/(\d+)\) ")
HEAVY = 'Réunion « été » à l’Hôtel de Ville 🎉 "ordre du jour" <b>&</b> café ✅ Zoé 👍🏽 '
HEAVIEST = "\"🎉\" <é&> '👍' café "  # about 5 bytes of body + formatted_body a character


def heavy_text(characters: int, pattern: str = HEAVY) -> str:
    paragraphs: list[str] = []
    size = 0
    while size < characters:
        paragraph = f"§{len(paragraphs)} " + (pattern * (1 + len(paragraphs) % 5)).strip()
        paragraphs.append(paragraph.replace("café ", "café\n", 1))
        size += len(paragraph) + 2
    return "\n\n".join(paragraphs)[:characters].strip()


def body(event: dict[str, Any]) -> str:
    return str(event["content"]["body"])


async def parts_of(person: Any, room: str, bot: str, first_words: str, after: int = 0) -> list[dict[str, Any]]:
    """The messages of one long post, in order, from its first part (starting with `first_words`)."""
    first = await person.wait_for(lambda e: from_bot(bot, room)(e) and first_words in body(e), after=after)
    match = MARKER.match(body(first))
    if match is None:
        return [first]
    count = int(match.group(2))
    start = person.seen.index(first)
    found = [first]
    for number in range(2, count + 1):
        found.append(await person.wait_for(from_bot(bot, room, f"({number}/{count}) "), after=start))
    return found


def joined_text(parts: list[dict[str, Any]]) -> list[str]:
    return " ".join(MARKER.sub("", body(part)) for part in parts).split()


def check_sizes(parts: list[dict[str, Any]]) -> None:
    count = len(parts)
    for number, part in enumerate(parts, 1):
        content = part["content"]
        if count > 1:
            assert body(part).startswith(f"({number}/{count}) ")
        assert len(content["body"].encode()) + len(content["formatted_body"].encode()) <= PART_BYTES
        assert len(json.dumps(part, ensure_ascii=False).encode()) < 65_536
        assert content["m.mentions"] == {}


async def test_long_items_arrive_whole_in_order_and_count_on_their_first_part(
    synapse_server: SynapseServer, matrix_user: Callable[..., MatrixUser], tmp_path
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
        room = await create_room(alice, bob, carol, invite=(me,))
        config = bot_config(hs, bot_u, f"sqlite:///{tmp_path / 'relais.db'}", {"COPIL": [f"matrix:{room}"]})
        bot = await start_bot(config)
        try:
            await alice.wait_for(joined(me, room))
            # 3,000 characters: one message, whole
            text = heavy_text(3_000)
            mark = len(bob.seen)
            await alice.reply_to(room, f"!info {text}", "2 membres doivent la lire", me)
            (single,) = await parts_of(bob, room, me, "📢 #1", after=mark)
            assert not MARKER.match(body(single)) and single["content"]["msgtype"] == "m.text"
            assert text in body(single)
            check_sizes([single])

            # 15,000 characters heavy with é, emoji and HTML escapes (the most an item may hold is 16,000)
            text = heavy_text(15_000)
            assert len(json.dumps({"body": f"!info {text}"}, ensure_ascii=False).encode()) < 60_000
            mark = len(bob.seen)
            await alice.reply_to(room, f"!info {text}", "2 membres doivent la lire", me)
            parts = await parts_of(bob, room, me, "📢 #2", after=mark)
            assert len(parts) >= 2
            check_sizes(parts)
            words, expected = joined_text(parts), text.split()
            start = words.index(expected[0])
            assert words[:start] == ["📢", "#2", "Annonce", "d’Alice"] and words[start:][: len(expected)] == expected
            assert "✅" in body(parts[-1]).splitlines()[-1]  # the footer closes the last part
            assert [p["content"]["msgtype"] for p in parts] == ["m.text"] + ["m.notice"] * (len(parts) - 1)
            assert [bob.seen.index(p) for p in parts] == sorted(bob.seen.index(p) for p in parts)

            # ✅ on the first part counts; Carol's read receipt on the last part counts as seen
            await bob.react(room, parts[0]["event_id"], "✅")
            await carol.client.room_read_markers(room, parts[-1]["event_id"], parts[-1]["event_id"])
            who = await ask_until(
                alice, room, "!qui-a-lu #2", "#2 (COPIL)", me, lambda t: "1 sur 2 confirmés, 1 seulement vus" in t
            )
            assert "✅ Bob" in who and "👀 Carol" in who
        finally:
            assert await bot.close() == 0


async def test_an_18000_character_post_in_parts_is_not_doubled_by_a_resend(
    synapse_server: SynapseServer, matrix_user: Callable[..., MatrixUser], tmp_path
) -> None:
    hs = synapse_server
    bot_u, alice_u, bob_u = matrix_user("relais"), matrix_user("alice"), matrix_user("bob")
    async with asyncio.timeout(TIMEOUT), partner(hs, alice_u, "Alice") as alice, partner(hs, bob_u, "Bob") as bob:
        me = bot_u.user_id
        room = await create_room(alice, bob, invite=(me,))
        config = bot_config(hs, bot_u, f"sqlite:///{tmp_path / 'relais.db'}", {"COPIL": [f"matrix:{room}"]})
        bot = await start_bot(config)
        try:
            await alice.wait_for(joined(me, room))
            await alice.reply_to(room, "!actions", "Aucun engagement", me)
            text = heavy_text(18_000, HEAVIEST)
            channel = f"matrix:{room}"
            with bot.app.store.unit_of_work() as session:  # an item posted whole, as the core posts items
                community = bot.app.dispatcher.community(session)
                circle = mapped_circle(session, channel)
                author = find_by_identity(session, f"matrix:{alice.user_id}")
                assert circle is not None and author is not None
                item = post_item(session, community, circle, author, "announcement", text[:16_000], bot.app.clock.now())
                post = Post(
                    f"{bold('📢 Annonce longue')}\n{esc(text, None)}\nFin.", "circle", circle.id, item_id=item.id
                )
                (row,) = enqueue_post(session, post, bot.app.clock.now())
                outbox_id = row.id
            bot.runner.wake()
            parts = await parts_of(bob, room, me, "📢 Annonce longue")
            assert len(parts) >= 3
            check_sizes(parts)
            assert joined_text(parts) == f"📢 Annonce longue {text} Fin.".split()

            def recorded() -> bool:  # recorded once the send came back (off the event loop): wait for it
                with bot.app.store.unit_of_work() as session:
                    return session.get_one(OutboxMessage, outbox_id).status == "sent"

            await eventually(recorded, what="the post to be recorded as sent")
            with bot.app.store.unit_of_work() as session:
                sent = session.get(OutboxMessage, outbox_id)
                assert sent is not None and sent.status == "sent" and sent.message_id == parts[0]["event_id"]
                attempts = sent.attempts
                sent.status = "sending"  # as if the process died before marking it sent: resent at start
                sent.not_before = bot.app.clock.now()
            bot.runner.wake()
            async with asyncio.timeout(20):
                while True:  # the resend goes through the homeserver: ask the store after each round trip
                    await alice.reply_to(room, "!actions", "Aucun engagement", me)
                    with bot.app.store.unit_of_work() as session:
                        again = session.scalar(select(OutboxMessage).where(OutboxMessage.id == outbox_id))
                        assert again is not None
                        if again.status == "sent" and again.attempts > attempts:
                            break
            assert again.message_id == parts[0]["event_id"]  # the same events: Synapse knew the transactions
            await alice.reply_to(room, "!actions", "Aucun engagement", me)
            await bob.sync()
            copies = [e for e in bob.seen if from_bot(me, room)(e) and "§0 " in body(e)]
            assert len(copies) == 1
            assert len([e for e in bob.seen if from_bot(me, room)(e) and MARKER.match(body(e))]) == len(parts)
        finally:
            assert await bot.close() == 0
