"""Editing an item posted in several parts, on a real Synapse, read by a matrix-nio member.

A long item arrives as "(1/3)" … "(3/3)". Edited, every part shows its new text (m.replace): with
the same number of parts each one in place; with fewer, the parts no longer needed are redacted; with
more, the existing parts take the start and the last one ends with "…" and `!voir #N` (the
community's language) to read the item whole.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from adapters.matrix.copy_parts import Plan, plan, read_whole
from adapters.matrix.render import PART_BYTES, message_contents
from bot.copies import update_copies
from bot.markup import bold, esc, to_plain
from bot.models import OutboxMessage
from bot.outbox import enqueue_post
from bot.reply import Post
from bot.services.membership import find_by_identity, mapped_circle
from bot.services.updates import post_item
from tests.support.waiting import eventually

from .kit import bot_config, create_room, joined, partner, start_bot
from .synapse import MatrixUser, SynapseServer
from .test_long_messages import HEAVIEST, check_sizes, heavy_text, parts_of

TIMEOUT = 150.0


def long_post(title: str, characters: int) -> str:
    return f"{bold(title)}\n{esc(heavy_text(characters, HEAVIEST), None)}\nFin."


def edit_target(event: dict[str, Any]) -> str | None:
    relation = event.get("content", {}).get("m.relates_to") or {}
    return relation.get("event_id") if relation.get("rel_type") == "m.replace" else None


def redacted(person: Any, event_id: str) -> bool:
    return any(
        e.get("type") == "m.room.redaction" and event_id in (e.get("redacts"), e.get("content", {}).get("redacts"))
        for e in person.seen
    )


def latest_bodies(person: Any, events: list[str]) -> list[str]:
    """What each event says now, as a member's client shows it: the newest edit's new content."""
    bodies = []
    for event_id in events:
        edits = [e for e in person.seen if edit_target(e) == event_id]
        bodies.append(edits[-1]["content"]["m.new_content"]["body"] if edits else "")
    return bodies


async def edited_to(person: Any, events: list[str], expected: list[str]) -> None:
    async with asyncio.timeout(40):
        while latest_bodies(person, events) != expected:
            await person.sync()


def test_the_plan_follows_the_number_of_parts() -> None:
    text = long_post("📢 #7", 16_000)
    contents = message_contents(text, notify=True, budget=PART_BYTES)
    assert len(contents) == 3
    same = plan(["$a", "$b", "$c"], text, True, lambda: None)
    assert same == Plan(list(zip(["$a", "$b", "$c"], contents, strict=True)), [])
    fewer = plan(["$a", "$b", "$c", "$d"], text, True, lambda: None)
    assert [event for event, _ in fewer.edits] == ["$a", "$b", "$c"] and fewer.redactions == ["$d"]
    more = plan(["$a"], text, True, lambda: read_whole("en", "!", 7))
    ((event, content),) = more.edits
    assert event == "$a" and not content["body"].startswith("(1/")
    assert content["body"].endswith(" …\n\nThe rest is too long to fit here: !show #7 shows it whole.")
    assert len(content["body"].encode()) + len(content["formatted_body"].encode()) <= PART_BYTES


async def test_an_item_in_parts_is_edited_part_by_part(
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
            channel = f"matrix:{room}"
            with bot.app.store.unit_of_work() as session:  # a long item posted as the core posts items
                community = bot.app.dispatcher.community(session)
                circle = mapped_circle(session, channel)
                author = find_by_identity(session, f"matrix:{alice.user_id}")
                assert circle is not None and author is not None
                item = post_item(session, community, circle, author, "announcement", "Annonce", bot.app.clock.now())
                item_id, number = item.id, item.number
                post = Post(long_post("📢 V1", 16_000), "circle", circle.id, item_id=item_id)
                (row,) = enqueue_post(session, post, bot.app.clock.now())
                outbox_id = row.id
            bot.runner.wake()
            parts = await parts_of(bob, room, me, "📢 V1")
            assert len(parts) == 3
            events = [part["event_id"] for part in parts]

            def sent(row_id: str) -> Callable[[], bool]:
                def check() -> bool:
                    with bot.app.store.unit_of_work() as session:
                        return session.get_one(OutboxMessage, row_id).status == "sent"

                return check

            await eventually(sent(outbox_id), what="the post to be recorded as sent")

            edits: set[str] = set()

            async def edit(text: str) -> None:
                with bot.app.store.unit_of_work() as session:
                    update_copies(session, item_id, bot.app.clock.now(), text=text, every=timedelta(0))
                    rows = set(session.scalars(select(OutboxMessage.id).where(OutboxMessage.replaces == events[0])))
                (row_id,) = rows - edits  # the update row of this edit
                edits.add(row_id)
                bot.runner.wake()
                await eventually(sent(row_id), what="the edit to be sent")

            # the same number of parts: each one shows its new text
            same = long_post("📢 V2", 16_000)
            expected = [content["body"] for content in message_contents(same, notify=True)]
            assert len(expected) == 3
            await edit(same)
            await edited_to(bob, events, expected)
            assert not any(redacted(bob, event_id) for event_id in events)

            # fewer: two parts edited, the third redacted
            fewer = long_post("📢 V3", 10_000)
            expected = [content["body"] for content in message_contents(fewer, notify=True)]
            assert len(expected) == 2 and expected[1].startswith("(2/2) ")
            await edit(fewer)
            await edited_to(bob, events[:2], expected)
            async with asyncio.timeout(20):
                while not redacted(bob, events[2]):
                    await bob.sync()

            # more (four parts' worth in the two messages left): the last one ends with … and !voir #N
            more = long_post("📢 V4", 24_000)
            assert len(message_contents(more)) == 4
            await edit(more)
            async with asyncio.timeout(40):
                while not latest_bodies(bob, events[:2])[1].endswith("l’affiche en entier."):
                    await bob.sync()
            first, last = latest_bodies(bob, events[:2])
            tail = f" …\n\n{to_plain(read_whole('fr', '!', number))}"
            assert first.startswith("(1/2) 📢 V4") and last.startswith("(2/2) ") and last.endswith(tail)
            assert f"!voir #{number}" in tail
            words = f"{first[6:]} {last[6 : -len(tail)]}".split()
            whole = f"📢 V4 {heavy_text(24_000, HEAVIEST)}".split()
            assert len(words) > len(whole) // 3 and words == whole[: len(words)]  # the start, in order
            check_sizes(
                [{"content": e["content"]["m.new_content"]} for e in bob.seen if edit_target(e) == events[1]][-1:]
            )
            assert not redacted(bob, events[1])
        finally:
            assert await bot.close() == 0
