"""`relais run` runs a heavy round (digests, nudges, recaps) in a process of its own
(relais.round_process): its pid is not the bot's, a command is answered while it runs, its log reaches
the bot's log; killed half-way, the next run finishes its round without writing to anyone twice; a stop
while it runs is clean and the round still finishes. In-memory databases and stores handed by tests
stay in the bot's process."""

from __future__ import annotations

import asyncio
import logging
import os
from collections import Counter
from dataclasses import replace
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import select

import relais.round_process as round_process
import schedules.scheduler as scheduler_module
from bot.app import App
from bot.clock import FixedClock
from bot.db import Store, make_engine
from bot.models import Occurrence, OutboxMessage
from relais.round_process import apart_for, in_memory
from relais.wiring import build_app
from schedules.scheduler import SchedulerService
from tests.support.waiting import eventually

from . import round_hooks
from .support import World, paris, schedules_config, setup_week

MONDAY_DIGEST = paris(2026, 11, 30, 8, 31)  # the digest round (Monday 08:30) is due


@pytest.fixture
def bot(tmp_path: Path) -> tuple[App, World]:
    config = replace(schedules_config(), database_url=f"sqlite:///{tmp_path / 'relais.db'}")
    clock = FixedClock(paris(2026, 11, 26, 10))
    app = build_app(config, clock)  # as `relais run` builds it: from the configuration
    world = World(app.store, clock, config, app.dispatcher)
    setup_week(world)
    world.say("alice", "/digest me on")
    yield app, world
    app.close()


def digest_rows(world: World) -> list[str]:
    with world.store.unit_of_work() as session:
        keys = session.scalars(
            select(OutboxMessage.occurrence_key).where(OutboxMessage.occurrence_key.like("digest:%"))
        )
        return [key for key in keys if key]


async def test_a_digest_round_runs_in_its_own_process_while_a_command_is_answered(bot, tmp_path, monkeypatch, caplog):
    app, world = bot
    monkeypatch.setattr(round_process, "child_setup", partial(round_hooks.hold, str(tmp_path)))
    service = SchedulerService(app, apart=apart_for(app))
    world.clock.set(MONDAY_DIGEST)
    with caplog.at_level(logging.INFO):
        running = asyncio.create_task(service.run_now("digest"))
        started = tmp_path / "started"
        await eventually(started.exists, timeout=60, what="the round's process to start its digests")
        assert int(started.read_text()) != os.getpid()
        assert world.say("alice", "/mine")  # a command answered meanwhile
        assert not running.done()
        (tmp_path / "go").write_text("")
        outcomes = await asyncio.wait_for(running, 60)
    assert ("digest", "posted") in {(outcome.kind, outcome.status) for outcome in outcomes}
    assert len(digest_rows(world)) == 2  # alice and bob, once each
    theirs = [record for record in caplog.records if record.process != os.getpid()]
    assert any("process of its own" in record.getMessage() for record in theirs)  # its log is the bot's


async def test_the_round_process_killed_half_way_is_finished_by_the_next_run_once_each(bot, monkeypatch, caplog):
    app, world = bot
    monkeypatch.setattr(round_process, "child_setup", partial(round_hooks.kill_after, 1))
    service = SchedulerService(app, apart=apart_for(app))
    world.clock.set(MONDAY_DIGEST)
    with caplog.at_level(logging.INFO):
        assert await service.run_now("digest") == []
    assert any("stopped before the end" in record.getMessage() for record in caplog.records)
    assert len(digest_rows(world)) == 1  # one member written, then killed
    monkeypatch.setattr(round_process, "child_setup", None)
    world.clock.set(MONDAY_DIGEST.replace(minute=32))
    outcomes = await service.run_now("resync")
    assert ("digest", "posted") in {(outcome.kind, outcome.status) for outcome in outcomes}
    rows = digest_rows(world)
    assert len(rows) == 2 and max(Counter(rows).values()) == 1  # the other member, nobody twice
    with world.store.unit_of_work() as session:
        (occurrence,) = session.scalars(select(Occurrence).where(Occurrence.kind == "digest"))
        assert (occurrence.status, occurrence.posts) == ("posted", 2)


async def test_a_stop_during_the_round_process_is_clean_and_the_round_finishes(bot, tmp_path, monkeypatch, caplog):
    app, world = bot
    monkeypatch.setattr(round_process, "child_setup", partial(round_hooks.hold, str(tmp_path)))
    monkeypatch.setattr(scheduler_module, "ROUND_WAIT", 0.05)
    service = SchedulerService(app, apart=apart_for(app))
    world.clock.set(MONDAY_DIGEST)
    job = asyncio.create_task(scheduler_module.wake(service, "digest:1"))
    await eventually((tmp_path / "started").exists, timeout=60, what="the round's process to start")
    with caplog.at_level(logging.INFO):
        job.cancel()  # as APScheduler's shutdown does
        await asyncio.wait_for(service.stop(), 5)
        await asyncio.gather(job, return_exceptions=True)
    assert digest_rows(world) == []
    (tmp_path / "go").write_text("")
    await eventually(lambda: len(digest_rows(world)) == 2, timeout=60, what="the round to finish")
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


async def test_a_round_process_that_cannot_start_leaves_the_round_to_the_bots_process(bot, monkeypatch, caplog):
    app, world = bot
    monkeypatch.setattr(round_process, "child_setup", round_hooks.broken)
    service = SchedulerService(app, apart=apart_for(app))
    world.clock.set(MONDAY_DIGEST)
    with caplog.at_level(logging.INFO):
        outcomes = await service.run_now("digest")
    assert ("digest", "posted") in {(outcome.kind, outcome.status) for outcome in outcomes}
    assert len(digest_rows(world)) == 2
    assert any("runs in this one" in record.getMessage() for record in caplog.records)


def test_rounds_stay_in_the_process_with_an_in_memory_database_or_a_store_handed_over(bot) -> None:
    app, world = bot
    assert apart_for(app) is not None
    assert in_memory("sqlite://") and in_memory("sqlite:///:memory:") and not in_memory(app.config.database_url)
    handed = App(
        config=app.config,
        store=Store(make_engine(app.config.database_url)),
        clock=world.clock,
        dispatcher=world.dispatcher,
    )
    assert apart_for(handed) is None  # a test's store (savepoints, another schema): the rounds stay in its process
    handed.close()
