"""SchedulerService: catches up on start, plans its timers from the database, fires them (APScheduler)."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

from sqlalchemy import select

from bot.clock import FixedClock, SystemClock
from bot.db import Store, make_engine
from bot.models import Circle, Community, OutboxMessage
from bot.services.meetings import create_meeting
from relais.wiring import build_app
from schedules.scheduler import SchedulerService
from tests.schedules.support import (
    PARIS,
    World,
    paris,
    schedules_config,
    setup_week,
)


def outbox_texts(store: Store) -> list[str]:
    with store.unit_of_work() as session:
        return list(session.scalars(select(OutboxMessage.text).order_by(OutboxMessage.created_at)))


async def test_start_catches_up_then_plans_timers_from_the_database(fresh_url):
    url, options = fresh_url
    config = schedules_config()
    store = Store(make_engine(url, **options))
    # 2037 has the weekdays of 2026 and stays in the future: the timers must not fire during the test
    clock = FixedClock(paris(2037, 11, 26, 10))
    app = build_app(config, clock, store)
    world = World(store, clock, config, app.dispatcher)
    setup_week(world)  # the bot ran on Thursday, then stopped
    clock.set(paris(2037, 11, 30, 10))  # … and starts again on Monday 10:00
    woken: list[int] = []
    service = SchedulerService(app, on_posted=lambda: woken.append(1))
    await service.start()
    try:
        kinds = {(o.kind, o.status) for o in service.outcomes}
        assert ("recap", "late") in kinds and ("digest", "late") in kinds  # within their 12 h grace
        assert ("nudges", "missed") in kinds  # Friday's round: too old
        assert woken == [1]
        assert any(text.startswith("📋") for text in outbox_texts(store))
        timers = service.timers()
        with store.unit_of_work() as session:
            community = session.scalars(select(Community)).one()
            copil = session.scalars(select(Circle).where(Circle.slug == "copil")).one()
        local = {key: when.astimezone(PARIS).strftime("%a %d %H:%M") for key, when in timers.items()}
        assert local[f"recap:{copil.id}"] == "Mon 07 09:00"
        assert local[f"nudges:{community.id}"] == "Tue 01 09:30"
        assert local[f"digest:{community.id}"] == "Mon 07 08:30"
        assert local["agenda:1"] == "Wed 02 14:00" and local["reminder:1:60"] == "Thu 03 13:00"
        # a meeting planned by another process appears at the next resync
        other = Store(make_engine(url, **options))
        with other.unit_of_work() as session:
            community = session.scalars(select(Community)).one()
            circle = session.scalars(select(Circle).where(Circle.slug == "copil")).one()
            meeting = create_meeting(
                session, community, circle, None, "Extra", paris(2037, 12, 4, 10), None, clock.now()
            )
            number = meeting.item_id
        other.engine.dispose()
        assert await service.run_now("resync") == []
        assert f"agenda:{number}" in service.timers()
        # a second service on the same database rebuilds the same timers
        twin = SchedulerService(app)
        await twin.start()
        assert list(twin.outcomes) == [] and twin.timers() == service.timers()
        await twin.stop()
    finally:
        await service.stop()
        store.engine.dispose()
    assert service.timers() == {}


async def test_a_timer_fires_by_itself_and_wakes_the_delivery(fresh_url):
    """Real time: an agenda falls due two seconds after start; APScheduler calls run_due."""
    url, options = fresh_url
    config = schedules_config(agenda_lead_hours=1, reminder_offsets_hours=[0.5])
    store = Store(make_engine(url, **options))
    clock = SystemClock()
    app = build_app(config, clock, store)
    with store.unit_of_work() as session:
        community = session.scalars(select(Community)).one()
        circle = session.scalars(select(Circle).where(Circle.slug == "copil")).one()
        create_meeting(
            session,
            community,
            circle,
            None,
            "Point flash",
            clock.now() + timedelta(hours=1, seconds=2),
            None,
            clock.now(),
        )
    woken = asyncio.Event()
    service = SchedulerService(app, on_posted=woken.set)
    await service.start()
    try:
        assert list(service.outcomes) == []  # nothing due yet
        assert "agenda:1" in service.timers()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(woken.wait(), 20)  # the agenda is due 2 s after start
        assert woken.is_set(), "the agenda timer did not fire"
        assert [(o.kind, o.status) for o in service.outcomes] == [("agenda", "posted")]
        assert any("Ordre du jour — Point flash" in text for text in outbox_texts(store))
        assert "agenda:1" not in service.timers() and "reminder:1:30" in service.timers()
    finally:
        await service.stop()
        store.engine.dispose()
