"""A command's speaker read from the cache (bot.services.speakers, PostgreSQL) is never stale: whatever
changes their rows — their name, their organisation or its name, their role, leaving the room and its
circle, joining another circle — by this process or another one, or while Relais was stopped, the next
command sees it. Each test runs on SQLite (no cache: the rows are read every time) and on PostgreSQL,
on real stores with their own connections (two stores on one database: two processes)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import select

from bot.clock import SystemClock
from bot.config import CircleConfig
from bot.db import Store, make_engine
from bot.dispatch import Dispatcher
from bot.kinds import Role
from bot.markup import to_plain
from bot.models import Circle, Identity, Member, Organisation
from bot.reply import Incoming
from bot.services.community import ensure_organisation, set_organisation
from bot.services.membership import channel_joined, channel_left, is_in_circle
from bot.services.speakers import EXTENSION
from commands import build_router
from tests.conftest import make_config

COPIL = "matrix:!copil:hs"
GROUP = "matrix:!group:hs"
ALICE = "matrix:@alice:hs"


class Bot:
    """One Relais process: its own store (connections, caches) on the shared database."""

    def __init__(self, url: str, options: dict[str, Any]) -> None:
        self.store = Store(make_engine(url, **options))
        config = replace(make_config(), circles=(CircleConfig("COPIL", (COPIL,)), CircleConfig("Groupe", (GROUP,))))
        self.dispatcher = Dispatcher(store=self.store, config=config, clock=SystemClock(), router=build_router())
        self.dispatcher.setup()
        self.events = 0

    def say(self, line: str, channel: str = COPIL, name: str | None = "Alice") -> str:
        self.events += 1
        incoming = Incoming(
            identity=ALICE, text=line, channel=channel, display_name=name, event_id=f"${id(self)}-{self.events}"
        )
        reply = self.dispatcher.handle(incoming, deliver=True)
        assert reply is not None
        return to_plain(reply.text)

    def hits(self) -> int:
        speakers = self.store.extensions.get(EXTENSION)
        return speakers.hits if speakers is not None else 0

    def alice(self, session: Any) -> Member:
        return session.scalar(select(Member).join(Identity).where(Identity.identity == ALICE))


@pytest.fixture
def bots(fresh_url: tuple[str, dict[str, Any]]) -> Iterator[tuple[Bot, Bot]]:
    url, options = fresh_url
    first, other = Bot(url, options), Bot(url, options)
    yield first, other
    first.store.engine.dispose()
    other.store.engine.dispose()


def warm(bot: Bot) -> None:
    """Alice known, and (PostgreSQL) her rows in the cache: the next command takes them from it."""
    assert "Alice" in bot.say("!whoami")
    bot.say("!whoami")
    before = bot.hits()
    assert "Alice" in bot.say("!whoami")
    if bot.store.dialect == "postgresql":
        assert bot.hits() == before + 1, "the speaker's rows should come from the cache"


def test_the_rows_are_read_once_and_a_new_name_from_the_platform_is_seen(bots: tuple[Bot, Bot]):
    bot, _other = bots
    warm(bot)
    assert "Alicia" in bot.say("!whoami", name="Alicia")  # the platform's display name changed
    assert "Alicia" in bot.say("!whoami", name="Alicia")
    assert "Alicia" in bot.say("!whoami", name="Alicia")


@pytest.mark.parametrize("by", ["this process", "another process"])
def test_a_name_organisation_and_role_changed_elsewhere_are_seen_at_the_next_command(bots: tuple[Bot, Bot], by: str):
    bot, other = bots
    warm(bot)
    writer = bot if by == "this process" else other
    with writer.store.unit_of_work() as session:
        alice = writer.alice(session)
        alice.display_name = "Alice Martin"
    assert "Vous êtes Alice Martin," in bot.say("!whoami", name=None)
    with writer.store.unit_of_work() as session:
        alice = writer.alice(session)
        community = writer.dispatcher.community(session)
        set_organisation(session, alice, ensure_organisation(session, community, "Mairie"))
    assert "Alice Martin (Mairie)" in bot.say("!whoami", name=None)
    with writer.store.unit_of_work() as session:
        organisation = session.scalar(select(Organisation).where(Organisation.name == "Mairie"))
        organisation.name = "Mairie de Lyon"
    assert "Alice Martin (Mairie de Lyon)" in bot.say("!whoami", name=None)
    with writer.store.unit_of_work() as session:
        writer.alice(session).role = Role.FACILITATOR
    assert "animat" in bot.say("!whoami", name=None)
    with writer.store.unit_of_work() as session:
        writer.alice(session).language = "en"
    assert "You are Alice Martin (Mairie de Lyon), facilitator" in bot.say("!whoami", name=None)


def test_leaving_the_room_and_its_circle_then_speaking_there_again_is_seen(bots: tuple[Bot, Bot]):
    bot, other = bots
    warm(bot)
    with other.store.unit_of_work() as session:  # another process hears that she left the room
        channel_left(session, COPIL, ALICE, other.dispatcher.clock.now())
        copil = session.scalar(select(Circle).where(Circle.slug == "copil"))
        assert copil is not None and not is_in_circle(session, other.alice(session).id, copil.id)
    assert "COPIL" in bot.say("!whoami")  # she speaks in the room again: in its circle again
    with bot.store.unit_of_work() as session:
        copil = session.scalar(select(Circle).where(Circle.slug == "copil"))
        assert copil is not None and is_in_circle(session, bot.alice(session).id, copil.id)
    with bot.store.unit_of_work() as session:  # this process, this time
        channel_left(session, COPIL, ALICE, bot.dispatcher.clock.now())
    bot.say("!whoami")
    with bot.store.unit_of_work() as session:
        copil = session.scalar(select(Circle).where(Circle.slug == "copil"))
        assert copil is not None and is_in_circle(session, bot.alice(session).id, copil.id)


def test_joining_another_circle_is_seen(bots: tuple[Bot, Bot]):
    bot, other = bots
    warm(bot)
    assert "Vos instances\u00a0: COPIL." in bot.say("!whoami")
    with other.store.unit_of_work() as session:
        community = other.dispatcher.community(session)
        channel_joined(session, community, GROUP, ALICE, "Alice", other.dispatcher.config, other.dispatcher.clock.now())
    assert "Vos instances\u00a0: COPIL, Groupe." in bot.say("!whoami")
    assert "Vos instances\u00a0: COPIL, Groupe." in bot.say("!whoami", channel=GROUP)
    assert "Vos instances\u00a0: COPIL, Groupe." in bot.say("!whoami")


def test_a_change_while_relais_was_stopped_is_seen_after_the_restart(fresh_url: tuple[str, dict[str, Any]]):
    url, options = fresh_url
    bot = Bot(url, options)
    warm(bot)
    bot.store.engine.dispose()  # stopped
    meanwhile = Store(make_engine(url, **options))  # the command line, say
    with meanwhile.unit_of_work() as session:
        alice = session.scalar(select(Member).join(Identity).where(Identity.identity == ALICE))
        alice.display_name, alice.language = "Alice Martin", "en"
    meanwhile.engine.dispose()
    again = Bot(url, options)
    try:
        assert "You are Alice Martin," in again.say("!whoami", name=None)
    finally:
        again.store.engine.dispose()
