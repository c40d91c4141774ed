"""Twenty processes starting at once on a fresh database: the community, its circles, channels and
members are created once, and every first command is answered (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from dataclasses import replace

from sqlalchemy import func, select

from bot.clock import FixedClock
from bot.db import Store, make_engine
from bot.dispatch import Dispatcher
from bot.models import Circle, CircleChannel, Community, Identity, Member
from bot.reply import Incoming
from commands import build_router
from tests.conftest import NOW, make_config

STARTS = 20


def test_twenty_first_starts_at_once(fresh_url):
    url, options = fresh_url
    config = replace(make_config(), database_url=url)
    barrier = threading.Barrier(STARTS)
    answers: list[bool] = []
    errors: list[BaseException] = []

    def start(number: int) -> None:
        engine = make_engine(url, **options)
        try:
            dispatcher = Dispatcher(store=Store(engine), config=config, clock=FixedClock(NOW), router=build_router())
            barrier.wait()
            dispatcher.setup()
            for who in (f"p{number}", "shared"):  # everyone also speaks as one shared member
                reply = dispatcher.handle(
                    Incoming(identity=f"console:{who}", text=f"/engage Action {number}", channel="console:atelier")
                )
                answers.append(reply is not None and reply.ok)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=start, args=(number,)) for number in range(STARTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors[:3]
    assert answers == [True] * (2 * STARTS)
    engine = make_engine(url, **options)
    try:
        store = Store(engine)
        with store.unit_of_work() as session:
            assert session.scalar(select(func.count()).select_from(Community)) == 1
            assert session.scalar(select(func.count()).select_from(Circle).where(Circle.slug == "atelier")) == 1
            assert session.scalar(select(func.count()).select_from(CircleChannel)) == 3  # copil, gt, atelier
            assert session.scalar(select(func.count()).select_from(Identity)) == STARTS + 1
            assert session.scalar(select(func.count()).select_from(Member)) == STARTS + 1
    finally:
        engine.dispose()


def test_names_without_latin_letters_are_different_circles(testbot):
    for name in ("日本", "中文", "عربي"):
        testbot.say("alice", f"/engage Action {name}", circle=name)
    with testbot.store.unit_of_work() as session:
        slugs = set(session.scalars(select(Circle.slug)))
    assert {"日本", "中文", "عربي"} <= slugs


def test_long_organisation_names_set_twice_do_not_collide(testbot):
    testbot.say("alice", "/whoami")
    long_name = "Association " + "très " * 80
    first = testbot.say("fabienne", f"/member @alice org {long_name}")
    second = testbot.say("fabienne", f"/member @alice org {long_name}")
    assert first == second and "Alice fait désormais partie d’Association très" in second
