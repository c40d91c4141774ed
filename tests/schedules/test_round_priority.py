"""A scheduled round runs in a thread of its own at a lower processor priority than the rest of the
process (Linux: nice + schedules.scheduler.ROUND_NICENESS), and the threads that answer commands keep
the process's: a command typed during a round gets the processor first. Issue 11 measured it on
PostgreSQL: a command typed during the nudge round waited in the processor's queue, not on a lock."""

from __future__ import annotations

import asyncio
import os
import sys
import threading

import pytest

import schedules.scheduler as scheduler_module
from bot.app import App
from schedules.scheduler import ROUND_NICENESS, SchedulerService

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a thread's own nice value: Linux")


def priority() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


async def test_rounds_run_lower_on_postgresql_and_commands_keep_the_process_priority(testbot, monkeypatch) -> None:
    dispatcher = testbot.dispatcher
    app = App(config=dispatcher.config, store=dispatcher.store, clock=dispatcher.clock, dispatcher=dispatcher)
    seen: list[tuple[int, int]] = []

    def a_round(target: object, config: object, now: object) -> list:
        seen.append((threading.get_native_id(), priority()))
        return []

    monkeypatch.setattr(scheduler_module, "run_due", a_round)
    service = SchedulerService(app)
    ours = priority()
    await service.run_now("digest:1")
    await service.run_now("nudges:1")
    await service.stop()
    lower = min(ours + ROUND_NICENESS, 19) if app.store.dialect == "postgresql" else ours
    assert [nice for _, nice in seen] == [lower] * 2
    assert seen[0][0] == seen[1][0] != threading.get_native_id()  # one thread of its own, not the event loop's
    assert priority() == ours
    assert await asyncio.to_thread(priority) == ours  # where a Matrix command runs (bot.db.Store.run)
