"""SIGTERM (systemd stop) in the middle of a scheduled round: the stop waits for the round (its
posts are written, and leave before the adapters stop) and is clean: no "Job raised an exception"
traceback in the log. A round longer than the wait finishes before the process exits."""

from __future__ import annotations

import asyncio
import logging
import threading

import schedules.scheduler as scheduler_module
from bot.app import App
from schedules.scheduler import SchedulerService, wake
from tests.support.waiting import eventually


def slow_service(testbot, monkeypatch) -> tuple[SchedulerService, threading.Event, threading.Event, threading.Event]:
    dispatcher = testbot.dispatcher
    app = App(config=dispatcher.config, store=dispatcher.store, clock=dispatcher.clock, dispatcher=dispatcher)
    started, release, finished = threading.Event(), threading.Event(), threading.Event()

    def slow_round(target: object, config: object, now: object) -> list:
        started.set()
        release.wait(10)  # a round of 2,000 digests, say
        finished.set()
        return []

    monkeypatch.setattr(scheduler_module, "run_due", slow_round)
    return SchedulerService(app), started, release, finished


async def test_a_stop_in_the_middle_of_a_round_waits_for_it_without_an_error(testbot, monkeypatch, caplog) -> None:
    service, started, release, finished = slow_service(testbot, monkeypatch)
    job = asyncio.create_task(wake(service, "digest:1"))  # as APScheduler runs a timer's job
    await eventually(started.is_set, what="the round to start")
    with caplog.at_level(logging.INFO):
        job.cancel()  # what APScheduler's shutdown does to the job running
        stopping = asyncio.create_task(service.stop())
        await asyncio.gather(job, return_exceptions=True)
        for _ in range(20):
            await asyncio.sleep(0)
        assert not stopping.done()  # the stop waits for the round
        release.set()
        await asyncio.wait_for(stopping, 5)
    assert finished.is_set()
    assert not job.cancelled() and job.exception() is None  # not "Job raised an exception: CancelledError"
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


async def test_a_round_longer_than_the_wait_goes_on_and_the_stop_is_clean(testbot, monkeypatch, caplog) -> None:
    service, started, release, finished = slow_service(testbot, monkeypatch)
    monkeypatch.setattr(scheduler_module, "ROUND_WAIT", 0.05, raising=False)
    job = asyncio.create_task(wake(service, "digest:1"))
    await eventually(started.is_set, what="the round to start")
    with caplog.at_level(logging.INFO):
        job.cancel()
        await asyncio.wait_for(service.stop(), 5)
        await asyncio.gather(job, return_exceptions=True)
    assert not finished.is_set() and job.exception() is None
    release.set()
    await eventually(finished.is_set, what="the round to finish")
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
