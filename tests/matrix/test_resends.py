"""A message an earlier attempt may have posted is not posted twice, even when Synapse's transaction ids
cannot tell (another device, a day later): each message carries its outbox id in its content
(`org.relais.outbox`, adapters.matrix.resends), the resend looks for it in the room first, and the sync
loop records a row sent when Relais' own message comes back with its id. On a real Synapse; the
"earlier attempt" is posted by another device of Relais' account, with another transaction id, as a
stopped process would have left it.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

import pytest
from nio import RoomMessagesError, RoomMessagesResponse, RoomSendError, RoomSendResponse
from sqlalchemy import event

from adapters.matrix.client import e2e_available
from adapters.matrix.edits import edit_of
from adapters.matrix.render import message_contents
from adapters.matrix.resends import MARKER, marked, marker_of, whole_row
from adapters.matrix.sender import MatrixSender
from adapters.matrix.state import MatrixState
from bot.clock import FixedClock
from bot.db import Store, make_engine, upgrade
from bot.delivery import Deliverer, Outgoing
from bot.dispatch import Dispatcher
from bot.models import OutboxMessage
from bot.outbox import enqueue, new_id
from bot.services.outbox_seen import written_at
from commands import build_router
from tests.support.waiting import eventually

from .kit import Partner, bot_config, create_room, from_bot, joined, partner, sqlite_url, start_bot
from .synapse import MatrixUser, SynapseServer

TIMEOUT = 120.0


def test_the_marker_is_the_transaction_id_and_the_id_says_when_the_row_was_written() -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 11, 30, 15, 4, 5, 123456, tzinfo=UTC)
    row = new_id(SimpleNamespace(info={}), now)  # type: ignore[arg-type]
    assert written_at(row) == now and written_at("not an id") is None
    content = marked({"msgtype": "m.notice", "body": "Hi"}, row)
    assert marker_of(content) == row and content["body"] == "Hi" and MARKER == "org.relais.outbox"
    assert whole_row(row) and not whole_row(f"{row}-2") and not whole_row(f"{row}-ack")
    assert marker_of({"body": "typed by someone"}) is None and marker_of({MARKER: 3}) is None


def earlier_attempt(hs: SynapseServer, token: str, room: str, content: dict[str, Any], tx_id: str) -> str:
    """What an earlier attempt left in the room: `content` marked with `tx_id`, posted by another device of
    Relais' account (another transaction id: Synapse cannot know it is the same message)."""
    path = f"/_matrix/client/v3/rooms/{quote(room)}/send/m.room.message/{uuid.uuid4().hex}"
    return str(hs.request("PUT", path, marked(content, tx_id), access_token=token)["event_id"])


def copies(person: Partner, bot: str, room: str, words: str) -> list[dict[str, Any]]:
    return [e for e in person.seen if from_bot(bot, room, words)(e)]


async def test_a_message_seen_coming_back_is_recorded_sent_and_not_sent_again(
    synapse_server: SynapseServer, matrix_user: Callable[..., MatrixUser], bot_database: str
) -> None:
    hs = synapse_server
    bot_u, alice_u = matrix_user("relais"), matrix_user("alice")
    async with asyncio.timeout(TIMEOUT), partner(hs, alice_u, "Alice") as alice:
        me = bot_u.user_id
        room = await create_room(alice, invite=(me,))
        bot = await start_bot(bot_config(hs, bot_u, bot_database, {"COPIL": [f"matrix:{room}"]}, "en"))
        try:
            await alice.wait_for(joined(me, room))
            await alice.reply_to(room, "!help", "Relais", me)
            now = bot.app.clock.now()
            with bot.app.store.unit_of_work() as session:  # an attempt without an answer: tried again in an hour
                later = now + timedelta(hours=1)
                row = enqueue(session, now, "Posted before the stop", channel=f"matrix:{room}", not_before=later)
                row.attempts, outbox_id = 1, row.id
            _user, other, _device = hs.login(bot_u.localpart, bot_u.password)
            content = message_contents("Posted before the stop")[0]
            event_id = earlier_attempt(hs, other, room, content, outbox_id)

            def recorded() -> bool:
                with bot.app.store.unit_of_work() as session:
                    found = session.get_one(OutboxMessage, outbox_id)
                    return (found.status, found.message_id) == ("sent", event_id)

            await eventually(recorded, what="the row recorded as sent by the sync")
            # a delivery pass once its retry is due has nothing left to send for it (nor to look for)
            handed: list[str] = []

            async def send(message: Outgoing, resend: bool) -> Any:
                handed.append(message.id)
                return await bot.adapter.sender.send(message, resend)

            sender = SimpleNamespace(platform="matrix", send=send)
            await Deliverer(bot.app.store, FixedClock(later + timedelta(seconds=1)), sender).deliver_due()  # type: ignore[arg-type]
            assert outbox_id not in handed
            await alice.reply_to(room, "!help", "Relais", me)
            assert [e["event_id"] for e in copies(alice, me, room, "Posted before the stop")] == [event_id]
        finally:
            assert await bot.close() == 0


async def test_a_resend_posts_only_what_is_not_in_the_room_yet(
    synapse_server: SynapseServer, matrix_user: Callable[..., MatrixUser], bot_database: str
) -> None:
    """A long text whose first part arrived; an edit that arrived; a message that never did."""
    hs = synapse_server
    bot_u, alice_u = matrix_user("relais"), matrix_user("alice")
    async with asyncio.timeout(TIMEOUT), partner(hs, alice_u, "Alice") as alice:
        me = bot_u.user_id
        room = await create_room(alice, invite=(me,))
        channel = f"matrix:{room}"
        bot = await start_bot(bot_config(hs, bot_u, bot_database, {"COPIL": [channel]}, "en"))
        try:
            await alice.wait_for(joined(me, room))
            sender = bot.adapter.sender
            _user, other, _device = hs.login(bot_u.localpart, bot_u.password)
            now = bot.app.clock.now()
            long_id, edit_id, never_id = (new_id(SimpleNamespace(info={}), now) for _ in range(3))  # type: ignore[arg-type]
            text = " ".join(f"word{number:05d}" for number in range(4000))
            first = message_contents(text)[0]
            part_1 = earlier_attempt(hs, other, room, first, f"{long_id}-1")
            sent = await sender.send(Outgoing(long_id, "matrix", text, channel=channel, attempts=2), resend=False)
            assert sent.message_id == part_1
            original = (
                await sender.send(Outgoing(never_id, "matrix", "Never arrived", channel=channel), True)
            ).message_id
            new = message_contents("Edited once")[0]
            edit = earlier_attempt(hs, other, room, edit_of(new, str(original)), edit_id)
            update = Outgoing(edit_id, "matrix", "Edited once", channel=channel, attempts=3, replaces=original)
            assert (await sender.send(update, resend=False)).message_id == original
            await alice.reply_to(room, "!help", "Relais", me)
            parts = [e["content"]["body"] for e in copies(alice, me, room, "word0")]
            words = " ".join(body.split(") ", 1)[1] for body in parts).split()
            assert len(parts) == len(message_contents(text)) and words == text.split()  # whole, nothing twice
            assert [e["event_id"] for e in copies(alice, me, room, "Never arrived")] == [original]
            assert [e["event_id"] for e in copies(alice, me, room, "Edited once")] == [edit]  # the edit, once
        finally:
            assert await bot.close() == 0


@pytest.mark.skipif(not e2e_available(), reason="the e2e extra is not installed: pip install 'relais[e2e]'")
async def test_in_an_encrypted_room_the_id_travels_encrypted_and_the_resend_still_finds_it(
    synapse_server: SynapseServer, matrix_user: Callable[..., MatrixUser], tmp_path: Any
) -> None:
    from .test_e2e import ENCRYPTION, answers, encrypted_partner, say

    hs = synapse_server
    bot_u, alice_u = matrix_user("relais"), matrix_user("alice")
    async with asyncio.timeout(TIMEOUT), encrypted_partner(hs, alice_u, tmp_path / "alice") as alice:
        me = bot_u.user_id
        room = (await alice.room_create(invite=[me], initial_state=[ENCRYPTION])).room_id
        channel = f"matrix:{room}"
        config = bot_config(
            hs, bot_u, sqlite_url(tmp_path), {"COPIL": [channel]}, "en", store_path=str(tmp_path / "crypto")
        )
        bot = await start_bot(config)
        try:
            async with asyncio.timeout(30):
                while me not in (alice.rooms.get(room).users if room in alice.rooms else {}):
                    await alice.sync(timeout=500)
            await say(alice, room, "!engage Chiffrer les comptes rendus")  # keys exchanged both ways
            await answers(alice, room, me, "Commitment #1 saved")
            sender = bot.adapter.sender
            row = new_id(SimpleNamespace(info={}), bot.app.clock.now())  # type: ignore[arg-type]
            client = bot.adapter.client  # the earlier attempt, encrypted, under another transaction id
            content = marked(message_contents("Encrypted once")[0], row)
            earlier = await client.room_send(room, "m.room.message", content, uuid.uuid4().hex, True)
            assert isinstance(earlier, RoomSendResponse), earlier
            path = f"/_matrix/client/v3/rooms/{quote(room)}/event/{quote(earlier.event_id)}"
            raw = hs.request("GET", path, access_token=alice_u.access_token)
            assert raw["type"] == "m.room.encrypted" and MARKER not in str(raw)  # inside the encryption only
            again = await sender.send(Outgoing(row, "matrix", "Encrypted once", channel=channel, attempts=2), True)
            assert again.message_id == earlier.event_id
            fresh = new_id(SimpleNamespace(info={}), bot.app.clock.now())  # type: ignore[arg-type]
            await sender.send(Outgoing(fresh, "matrix", "Sent once, encrypted", channel=channel), resend=False)
            assert "Sent once, encrypted" in await answers(alice, room, me, "Sent once, encrypted")
            found = await client.room_messages(room, limit=20)
            assert isinstance(found, RoomMessagesResponse), found
            mine = [e for e in found.chunk if getattr(e, "sender", None) == me and "once" in str(e.source)]
            assert [marker_of(e.source.get("content")) for e in mine] == [fresh, row]  # decrypted, once each
        finally:
            assert await bot.close() == 0


async def test_a_long_text_held_after_its_first_part_and_during_its_look_arrives_whole_once(
    synapse_server: SynapseServer, matrix_user: Callable[..., MatrixUser], bot_database: str
) -> None:
    """Its first part reached the room (under a transaction id Synapse cannot match: a new login), its second
    got "not now" (M_LIMIT_EXCEEDED: held, the attempt not counted); the next attempt's look got "not now" too:
    nothing posted without looking; the one after finds the first part and sends only the rest."""
    hs = synapse_server
    bot_u, alice_u = matrix_user("relais"), matrix_user("alice")
    async with asyncio.timeout(TIMEOUT), partner(hs, alice_u, "Alice") as alice:
        me = bot_u.user_id
        room = await create_room(alice, invite=(me,))
        bot = await start_bot(bot_config(hs, bot_u, bot_database, {"COPIL": [f"matrix:{room}"]}, "en"))
        try:
            await alice.wait_for(joined(me, room))
            _user, other, _device = hs.login(bot_u.localpart, bot_u.password)
            client, row, first, looks = bot.adapter.client, [], [], []
            room_send, room_messages = client.room_send, client.room_messages
            not_now = {"message": "Too Many Requests", "status_code": "M_LIMIT_EXCEEDED", "retry_after_ms": 100}

            async def send(room_id: str, kind: str, content: dict, tx_id: str | None = None, **kwargs: Any) -> Any:
                if row and tx_id == f"{row[0]}-1" and not first:  # posted, then the process logged in anew
                    first.append(earlier_attempt(hs, other, room, content, tx_id))
                    return RoomSendResponse(first[0], room_id)
                if row and tx_id == f"{row[0]}-2" and len(first) == 1:
                    first.append("refused once")
                    return RoomSendError(**not_now)
                return await room_send(room_id, kind, content, tx_id=tx_id, **kwargs)

            async def look(room_id: str, *args: Any, **kwargs: Any) -> Any:
                looks.append(room_id)
                if len(looks) == 1:
                    return RoomMessagesError(**not_now)
                return await room_messages(room_id, *args, **kwargs)

            client.room_send, client.room_messages = send, look  # type: ignore[method-assign]
            text = " ".join(f"word{number:05d}" for number in range(4000))
            with bot.app.store.unit_of_work() as session:
                row.append(enqueue(session, bot.app.clock.now(), text, channel=f"matrix:{room}").id)

            def delivered() -> tuple[str, int, str | None]:
                with bot.app.store.unit_of_work() as session:
                    found = session.get_one(OutboxMessage, row[0])
                    return found.status, found.attempts, found.message_id

            await eventually(lambda: delivered()[0] == "sent", what="the long text delivered")
            assert delivered() == ("sent", 1, first[0]) and len(looks) >= 2  # held twice, never counted
            await alice.reply_to(room, "!help", "Relais", me)
            parts = [e["content"]["body"] for e in copies(alice, me, room, "word0")]
            words = " ".join(body.split(") ", 1)[1] for body in parts).split()
            assert len(parts) == len(message_contents(text)) and words == text.split()  # whole, nothing twice
        finally:
            assert await bot.close() == 0


async def test_a_message_of_someone_else_carrying_a_rows_id_is_neither_recorded_nor_taken_for_it(
    synapse_server: SynapseServer, matrix_user: Callable[..., MatrixUser], bot_database: str
) -> None:
    """A member posts a message with a waiting row's id in `org.relais.outbox`: the sync does not record the
    row sent, and its resend, which looks in the room, does not take that message for its own."""
    hs = synapse_server
    bot_u, alice_u = matrix_user("relais"), matrix_user("alice")
    async with asyncio.timeout(TIMEOUT), partner(hs, alice_u, "Alice") as alice:
        me = bot_u.user_id
        room = await create_room(alice, invite=(me,))
        channel = f"matrix:{room}"
        bot = await start_bot(bot_config(hs, bot_u, bot_database, {"COPIL": [channel]}, "en"))
        try:
            await alice.wait_for(joined(me, room))
            now = bot.app.clock.now()
            with bot.app.store.unit_of_work() as session:
                later = now + timedelta(hours=1)
                outbox_id = enqueue(session, now, "Really from Relais", channel=channel, not_before=later).id
            forged = await alice.send(room, "Really from Relais", **{MARKER: outbox_id})
            await alice.reply_to(room, "!help", "Relais", me)  # the bot's sync went past the forged message
            with bot.app.store.unit_of_work() as session:
                assert session.get_one(OutboxMessage, outbox_id).status == "pending"
            message = Outgoing(outbox_id, "matrix", "Really from Relais", channel=channel, attempts=2)
            sent = await bot.adapter.sender.send(message, resend=True)
            assert sent.message_id != forged
            await alice.reply_to(room, "!help", "Relais", me)
            assert [e["event_id"] for e in copies(alice, me, room, "Really from Relais")] == [sent.message_id]
        finally:
            assert await bot.close() == 0


async def test_relais_own_echoes_are_recorded_off_the_event_loop_and_write_only_for_a_waiting_row(
    tmp_path: Any, clock: Any, config: Any
) -> None:
    """Echoes of rows already recorded (another process sent them: most echoes) are only read, with no write
    lock; one of a waiting row is recorded in a worker thread, while another process holds the write lock
    the event loop goes on (it was blocked until the lock was free: 1.5 s in the review)."""
    store = Store(make_engine(sqlite_url(tmp_path)))
    upgrade(store.engine)
    dispatcher = Dispatcher(store=store, config=config, clock=clock, router=build_router())
    dispatcher.setup()
    bot, room = "@relais:example.org", "!r:example.org"
    sender = MatrixSender(SimpleNamespace(user_id=bot), None, MatrixState(dispatcher, bot), False)  # type: ignore[arg-type]
    with store.unit_of_work() as session:
        waiting = enqueue(session, clock.now(), "Waiting", channel=f"matrix:{room}").id
        done = enqueue(session, clock.now(), "Done", channel=f"matrix:{room}")
        done.status, done_id = "sent", done.id
    executed: list[str] = []
    event.listen(store.engine, "before_cursor_execute", lambda _c, _k, statement, *_a: executed.append(statement))

    def echo(row: str, event_id: str) -> dict[str, Any]:
        return {"event_id": event_id, "sender": bot, "content": marked({"body": "Hi"}, row)}

    sender.seen(room, echo(done_id, "$done"))
    sender.seen(room, echo("0" * 32, "$elsewhere"))  # a row of another database, or gone
    await sender.settle()
    assert any("FROM outbox" in statement for statement in executed) and "BEGIN IMMEDIATE" not in executed
    other = sqlite3.connect(tmp_path / "relais.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process writing
    try:
        started = time.monotonic()
        sender.seen(room, echo(waiting, "$waiting"))
        for _ in range(5):
            await asyncio.sleep(0)  # the recording has begun, in a worker thread
        assert time.monotonic() - started < 0.5 and sender._recorder is not None and not sender._recorder.done()
    finally:
        other.execute("COMMIT")
        other.close()
    await sender.settle()
    with store.unit_of_work() as session:
        row = session.get_one(OutboxMessage, waiting)
        assert (row.status, row.message_id) == ("sent", "$waiting")
    store.engine.dispose()
