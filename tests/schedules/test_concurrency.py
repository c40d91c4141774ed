"""Exactly once under stress: two scheduler processes on one database, and a crash between
sending a message and recording it."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select

from bot.clock import FixedClock
from bot.db import Store, make_engine
from bot.delivery import Deliverer
from bot.models import MessageRef, Occurrence, OutboxMessage
from schedules.rounds import Outcome, run_due
from tests.schedules.support import (
    make_world,
    paris,
    schedules_config,
    setup_week,
)
from tests.support.sender import RecordingSender


def race(stores: list[Store], config, now) -> list[list[Outcome]]:
    """run_due in one thread per store, all released at the same instant."""
    barrier = threading.Barrier(len(stores))
    results: list[list[Outcome]] = [[] for _ in stores]
    errors: list[BaseException] = []

    def worker(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = run_due(stores[index], config, now)
        except BaseException as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(len(stores))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


def test_two_schedulers_on_one_database_post_each_occurrence_once(fresh_url):
    url, options = fresh_url
    config = schedules_config()
    engines = [make_engine(url, **options) for _ in range(2)]
    stores = [Store(engine) for engine in engines]
    clock = FixedClock(paris(2026, 11, 26, 10))
    try:
        world = make_world(stores[0], clock, config)
        setup_week(world)
        planned: list = []
        outcomes: list[Outcome] = []
        moments = []
        while (nxt := world.next_due()) is not None and nxt <= paris(2026, 12, 3, 23):
            clock.set(nxt)
            moments.append(nxt)
            first, second = race(stores, config, nxt)
            keys_first = {o.occurrence_key for o in first}
            keys_second = {o.occurrence_key for o in second}
            assert not keys_first & keys_second  # nobody did what the other did
            outcomes += first + second
            planned.append(len(first) + len(second))
        assert len(moments) >= 10 and all(count >= 1 for count in planned)
        assert Counter(o.kind for o in outcomes if o.status == "posted")["recap"] == 2
        with stores[1].unit_of_work() as session:
            occurrences = session.scalar(select(func.count()).select_from(Occurrence))
            keys = list(session.scalars(select(OutboxMessage.occurrence_key)))
        assert occurrences == len(outcomes) == len({o.occurrence_key for o in outcomes})
        assert len(keys) == len(set(keys)) == sum(o.outbox for o in outcomes)
        assert race(stores, config, clock.now() + timedelta(minutes=5)) == [[], []]
    finally:
        for engine in engines:
            engine.dispose()


def test_a_scheduler_that_lost_the_race_skips_what_the_other_claimed(fresh_url):
    """Both computed the same due list; the one that inserts second gets the unique-key error and skips."""
    from schedules.rounds import _Claimed, _prepare, _run_one

    url, options = fresh_url
    config = schedules_config()
    engines = [make_engine(url, **options) for _ in range(2)]
    stores = [Store(engine) for engine in engines]
    clock = FixedClock(paris(2026, 11, 26, 10))
    try:
        world = make_world(stores[0], clock, config)
        setup_week(world)
        clock.set(paris(2026, 11, 30, 9))
        stale = _prepare(stores[0], config, clock.now())
        assert {due.kind for _, due in stale} >= {"recap", "digest", "nudges"}
        winner = run_due(stores[1], config, clock.now())
        assert len(winner) == len(stale)
        for community_id, due in stale:
            try:
                with stores[0].unit_of_work() as session:
                    _run_one(session, community_id, due, config, clock.now())
                raise AssertionError(f"{due.occurrence_key} was claimed twice")
            except _Claimed:
                pass
        with stores[0].unit_of_work() as session:
            assert session.scalar(select(func.count()).select_from(Occurrence)) == len(winner)
    finally:
        for engine in engines:
            engine.dispose()


class Crash(BaseException):
    """The process dies (not an error the delivery loop could catch and record)."""


async def test_crash_between_send_and_record_resends_with_the_same_id(world):
    setup_week(world)
    outcomes = world.until(paris(2026, 11, 30, 9))
    recap_rows = [row for row in world.outbox() if row.text.startswith("📋")]
    assert len(recap_rows) == 2 and any(o.kind == "recap" for o in outcomes)
    killed: list[str] = []

    def die_once_on_an_item(message) -> None:
        if not killed and message.item_id is not None:
            killed.append(message.id)
            raise Crash("killed after the platform accepted the message, before it was recorded")

    platform = RecordingSender(on_accepted=die_once_on_an_item)  # a resend with the same id gets the same event
    first = Deliverer(world.store, world.clock, platform, batch=100)
    try:
        await first.deliver_due()
    except Crash:
        pass
    crashed = killed[0] if killed else None
    assert crashed is not None
    with world.store.unit_of_work() as session:
        assert session.get_one(OutboxMessage, crashed).status == "sending"
    assert run_due(world.store, world.config, world.clock.now()) == []  # the scheduler does not post it again
    world.clock.advance(timedelta(minutes=1))  # after the lease, a new process delivers
    restarted = Deliverer(world.store, world.clock, platform, batch=100)
    assert await restarted.deliver_due() >= 1
    assert platform.calls.count((crashed, True)) == 1  # resent once, flagged as a resend, same id
    assert sum(1 for call in platform.calls if call[0] == crashed) == 2
    assert len(platform.events) == len(world.outbox())  # the platform holds each message once
    with world.store.unit_of_work() as session:
        statuses = set(session.scalars(select(OutboxMessage.status)))
        refs = session.scalars(
            select(MessageRef.message_id).where(MessageRef.item_id == session.get_one(OutboxMessage, crashed).item_id)
        ).all()
    assert statuses == {"sent"}
    assert crashed in {row.id for row in recap_rows}
    assert refs == [platform.events[crashed]]  # reactions on the recap map back to its item
    assert await restarted.deliver_due() == 0
