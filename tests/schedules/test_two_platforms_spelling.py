"""A community on Slack and Matrix at once: a circle's post (an item, the recap, the agenda, a reminder) is
written once, and each of the circle's rooms reads its commands as typed there: `/relais lu #1` in the Slack
channel (French), `/read #1` (English), `!lu #1` in the Matrix room; a member's words as written in both."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from bot.clock import FixedClock
from bot.config import CircleConfig
from bot.db import Store
from bot.i18n import SLOT_CLOSE, SLOT_OPEN
from bot.markup import to_plain
from bot.models import OutboxMessage
from bot.reply import Incoming
from tests.schedules.support import World, make_world, paris, schedules_config, setup_week

SLACK, MATRIX = "slack:T1/C1", "matrix:!copil:hs"


def two_platforms(store: Store, clock: FixedClock, language: str = "fr") -> World:
    config = schedules_config()
    circles = (CircleConfig("COPIL", (SLACK, MATRIX)), CircleConfig("GT Mobilité", ("matrix:!gt:hs",)))
    return make_world(store, clock, replace(config, circles=circles, language=language))


def post(world: World, who: str, line: str) -> str:
    """A command typed in the COPIL's Matrix room, its posts written to the outbox (as the adapter has it)."""
    incoming = Incoming(identity=f"matrix:@{who}:hs", text=line, channel=MATRIX, display_name=who.capitalize())
    reply = world.dispatcher.handle(incoming, deliver=True)
    assert reply is not None
    return to_plain(reply.text)


def copies(world: World, starting: str) -> dict[str, str]:
    """The text of each copy of a post (by channel) whose plain text starts with or contains `starting`."""
    with world.store.unit_of_work() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.channel.is_not(None)))
        found = {row.channel: to_plain(row.text) for row in rows if starting in to_plain(row.text)}
    assert all(SLOT_OPEN not in text and SLOT_CLOSE not in text for text in found.values()), found
    return found


def test_an_item_names_commands_as_typed_in_each_room_and_keeps_the_members_words(store, clock):
    world = two_platforms(store, clock)
    answer = post(world, "alice", "/info Tapez /lu dans le salon du GT")
    assert "Annonce #1 publiée" in answer
    found = copies(world, "Tapez /lu dans le salon du GT")
    assert set(found) == {SLACK, MATRIX}, found  # one copy per room, nothing doubled
    assert "tapez /relais lu #1" in found[SLACK] and "!lu" not in found[SLACK], found[SLACK]
    assert "tapez !lu #1" in found[MATRIX] and "/relais" not in found[MATRIX], found[MATRIX]
    with world.store.unit_of_work() as session:
        items = {
            row.item_id
            for row in session.scalars(select(OutboxMessage))
            if row.channel in (SLACK, MATRIX) and not row.ephemeral
        }
    assert len(items) == 1 and None not in items  # the same item: ✅ on either copy counts for it


def test_an_english_community_reads_the_slack_slash_command(store, clock):
    world = two_platforms(store, clock, language="en")
    post(world, "alice", "/info Type /lu in the GT room")
    found = copies(world, "Type /lu in the GT room")
    assert "type /read #1" in found[SLACK] and "/relais" not in found[SLACK], found[SLACK]
    assert "type !read #1" in found[MATRIX], found[MATRIX]


def test_the_recap_agenda_and_reminder_are_spelled_for_each_room(store, clock):
    world = two_platforms(store, clock)
    setup_week(world)
    world.until(paris(2026, 12, 3, 23))
    recap = copies(world, "Récapitulatif de la semaine — COPIL")
    assert "Réagissez avec ✅ ou tapez /relais lu" in recap[SLACK], recap[SLACK]
    assert "Réagissez avec ✅ ou tapez !lu" in recap[MATRIX], recap[MATRIX]
    agenda = copies(world, "Ordre du jour — COPIL de rentrée")
    assert set(agenda) == {SLACK, MATRIX} and "/relais " in agenda[SLACK] and "/relais" not in agenda[MATRIX]
    reminder = copies(world, "⏰")
    assert set(reminder) == {SLACK, MATRIX} and "/relais " in reminder[SLACK], reminder
    assert "/relais" not in reminder[MATRIX] and "!" in reminder[MATRIX], reminder


def test_the_console_reads_a_two_platform_post_with_a_slash(store, clock):
    world = two_platforms(store, clock)
    reply = world.dispatcher.handle(
        Incoming(identity="console:alice", text="/info Salle réservée", channel="console:copil")
    )
    assert reply is not None and SLOT_OPEN not in reply.text and "/lu #1" in to_plain(reply.text), reply.text


def test_relais_own_slot_marks_typed_by_a_member_are_not_read_as_a_command(store, clock):
    """The two private-use characters that mark a command's name in a post for several platforms, typed in a
    title (pasted from anywhere), are removed as the line comes in: the rest of the title shows as written."""
    world = two_platforms(store, clock)
    post(world, "alice", f"/info Budget {SLOT_OPEN}lu voté, reste{SLOT_CLOSE} à signer")
    found = copies(world, "Budget lu voté, reste à signer")
    assert set(found) == {SLACK, MATRIX}, found
    assert "/relais lu voté" not in found[SLACK] and "!lu voté" not in found[MATRIX], found
