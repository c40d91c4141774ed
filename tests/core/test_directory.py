"""The store's directory (bot.services.directory): communities, circles and channel mappings read once,
without a query afterwards, and never stale in this process: /map, /unmap, a moved room and a
change inside the current transaction are seen at once; another process' change after the expiry."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, select

from bot.models import Circle, CircleChannel
from bot.reply import Incoming
from bot.services.channels import is_mapped, map_channels, move_channel
from bot.services.community import map_channel
from bot.services.directory import directory_of
from bot.services.membership import mapped_circle, unlink_channel

ROOM = "matrix:!copil:hs"


@contextmanager
def statements(store) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    event.listen(store.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(store.engine, "before_cursor_execute", count)


def test_lookups_need_no_query_once_read(testbot):
    store = testbot.store
    assert is_mapped(testbot.dispatcher, "console:copil")
    with statements(store) as seen:
        assert is_mapped(testbot.dispatcher, "console:copil") and not is_mapped(testbot.dispatcher, ROOM)
    assert seen == []
    with store.unit_of_work() as session, statements(store) as seen:
        circle = mapped_circle(session, "console:copil")
        assert circle is not None and circle.name == "COPIL" and circle in session
        assert [channel.channel for channel in circle.channels] == ["console:copil"]
        assert testbot.dispatcher.community(session).name == "Test community"
    assert not [statement for statement in seen if statement.lstrip().upper().startswith("SELECT")]


def test_map_unmap_and_a_moved_room_are_seen_at_once(testbot):
    dispatcher = testbot.dispatcher
    assert not is_mapped(dispatcher, ROOM)
    map_channels(dispatcher, {ROOM: "COPIL"})
    assert is_mapped(dispatcher, ROOM)
    assert move_channel(dispatcher, ROOM, "matrix:!new:hs") == "COPIL"
    assert not is_mapped(dispatcher, ROOM) and is_mapped(dispatcher, "matrix:!new:hs")
    with testbot.store.unit_of_work() as session:
        unlink_channel(session, "matrix:!new:hs", testbot.clock.now())
    assert not is_mapped(dispatcher, "matrix:!new:hs")


def test_a_transaction_that_changes_a_mapping_reads_the_database(testbot):
    is_mapped(testbot.dispatcher, ROOM)  # the directory is read: ROOM is not mapped
    with testbot.store.unit_of_work() as session:
        circle = session.scalar(select(Circle).where(Circle.slug == "copil"))
        map_channel(session, circle, ROOM)
        found = mapped_circle(session, ROOM)
        assert found is not None and found.id == circle.id
    assert is_mapped(testbot.dispatcher, ROOM)


def test_a_rolled_back_change_leaves_the_directory_right(testbot):
    is_mapped(testbot.dispatcher, ROOM)
    try:
        with testbot.store.unit_of_work() as session:
            circle = session.scalar(select(Circle).where(Circle.slug == "copil"))
            session.add(CircleChannel(circle_id=circle.id, channel=ROOM))
            session.flush()
            raise RuntimeError("the command failed")
    except RuntimeError:
        pass
    assert not is_mapped(testbot.dispatcher, ROOM)


def test_another_process_change_is_seen_after_the_expiry(testbot):
    store = testbot.store
    directory = directory_of(store)
    ticks = [0.0]
    directory.monotonic = lambda: ticks[0]
    directory.invalidate()
    assert not directory.is_mapped(ROOM)
    # another process maps the room: written without this store's unit of work, so unseen here
    with store.session_factory() as other:
        circle = other.scalar(select(Circle).where(Circle.slug == "copil"))
        other.add(CircleChannel(circle_id=circle.id, channel=ROOM))
        other.commit()
    ticks[0] = directory.ttl - 1
    assert not directory.is_mapped(ROOM)
    ticks[0] = directory.ttl + 1
    assert directory.is_mapped(ROOM)


def test_commands_in_a_mapped_channel_use_the_cached_circle(testbot):
    map_channels(testbot.dispatcher, {ROOM: "GT Mobilité"})
    reply = testbot.dispatcher.handle(
        Incoming(identity="matrix:@alice:hs", text="/engage Réserver la salle", channel=ROOM, display_name="Alice")
    )
    assert reply is not None and "GT Mobilité" in reply.text
    again = testbot.dispatcher.handle(
        Incoming(identity="matrix:@alice:hs", text="/engage Préparer le compte rendu", channel=ROOM)
    )
    assert again is not None and "#2" in again.text and "GT Mobilité" in again.text
