"""SchedulerService: APScheduler (asyncio) decides *when*; run_due decides *what*, from the database.

On start it runs run_due (catching up what fell due while the bot was down), then plans one
timer per schedule (its next occurrence, computed by bot.recurrence in the community's zone)
and per meeting post, plus a periodic resync that picks up meetings created or cancelled by
other processes, pauses and config changes. Every timer calls the module-level `wake`, which
runs run_due for everything due: a timer carries only ids, never what to post.

A heavy round (recaps, digests, nudges: rounds.is_heavy) runs in the process `apart` starts when one
is given (`relais run`: relais.round_process, a child process at a lower priority), so that the
commands answered in this process's threads do not wait for the round's hold on the interpreter; the
rest, and every round without `apart` (tests, the demo), runs in a thread of this process.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.app import App
from schedules.occurrences import planned_occurrences, schedules_in_step, sync_schedules
from schedules.rounds import Outcome, community_of, is_heavy, prepare, run_due

log = logging.getLogger(__name__)
HORIZON = timedelta(days=8)
RESYNC_JOB = "resync"
ROUND_WAIT = 8.0  # seconds a stop waits for a round in progress (relais.runner gives the scheduler 10)


async def wake(service: SchedulerService, job_id: str) -> None:
    """Job target: something is due (job_id names what, for the logs); run everything due."""
    try:
        await service.run_now(job_id)
    except asyncio.CancelledError:  # the process stops (SIGTERM) in the middle of a round
        log.info("stopping during the scheduled run (%s): it finishes before the process exits", job_id)


class SchedulerService:
    def __init__(
        self,
        app: App,
        on_posted: Callable[[], None] | None = None,
        apart: Callable[[datetime], list[Outcome]] | None = None,
    ) -> None:
        self.app = app
        self.on_posted = on_posted
        self.apart = apart  # runs run_due(now) in a process of its own, waits for it and returns its outcomes
        self.settings = app.config.schedules
        self.scheduler: AsyncIOScheduler | None = None
        self.outcomes: deque[Outcome] = deque(maxlen=500)  # the latest, for logs and tests
        self._lock = asyncio.Lock()
        self._planned: dict[str, datetime] = {}
        self._fired: set[tuple[str, datetime]] = set()
        self._round: asyncio.Future[list[Outcome]] | None = None  # the run_due in progress, in its thread

    async def start(self) -> None:
        self.scheduler = AsyncIOScheduler(
            timezone=ZoneInfo(self.app.config.timezone),
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        self.scheduler.start()
        await self.run_now("start")
        self.scheduler.add_job(
            wake,
            IntervalTrigger(seconds=self.settings.resync_seconds),
            id=RESYNC_JOB,
            args=[self, RESYNC_JOB],
            replace_existing=True,
        )

    async def stop(self) -> None:
        """No timer fires any more (APScheduler cancels the job running); the round in progress (its
        thread, or its process, goes on) is given ROUND_WAIT seconds to finish, so that what it writes leaves before the
        adapters stop; past that, it finishes before the process exits and its posts leave at the next start."""
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
            self.scheduler = None
        running = self._round
        if running is not None and not running.done():
            done, _ = await asyncio.wait({running}, timeout=ROUND_WAIT)
            if not done:
                log.info("stopping: the scheduled run in progress finishes before the process exits")

    async def run_now(self, reason: str = "manual") -> list[Outcome]:
        """Run everything due now, wake the delivery loops if rows were written, re-plan the timers."""
        async with self._lock:
            now = self.app.clock.now()
            if reason in self._planned:
                self._fired.add((reason, self._planned.pop(reason)))
            # shielded: a stop cancels this job, not the round's thread, which stop() waits for
            self._round = asyncio.ensure_future(asyncio.to_thread(self._run_due, now))
            try:
                outcomes = await asyncio.shield(self._round)
            except Exception:  # the database may be briefly unavailable: the resync timer retries
                log.exception("scheduled run failed (%s)", reason)
                return []
            self.outcomes.extend(outcomes)
            if self.on_posted is not None and any(outcome.outbox for outcome in outcomes):
                self.on_posted()
            try:
                plan = await asyncio.to_thread(self.plan, now)
            except Exception:
                log.exception("planning the timers failed")
                return outcomes
            self._set_timers(plan)
            return outcomes

    def _run_due(self, now: datetime) -> list[Outcome]:
        """run_due, in a process of its own for a heavy round (when `apart` is given), else right here."""
        if self.apart is None:
            return run_due(self.app, self.app.config, now)
        pending = prepare(self.app.store, self.app.config, now)
        if is_heavy(pending, now):
            return self.apart(now)
        return run_due(self.app, self.app.config, now, pending)  # what was read just now is not read again

    def plan(self, now: datetime) -> dict[str, datetime]:
        """The next time each schedule or meeting post falls due (job id -> instant)."""
        with self.app.store.unit_of_work(reading=True) as session:  # run_due has just put the schedule rows in step
            community = community_of(session, self.app.config)
            if community is None:
                return {}
            rows = schedules_in_step(session, community, self.settings)
            if rows is not None:
                dues = planned_occurrences(session, community, rows, self.settings, now, now + HORIZON)
        if rows is None:
            with self.app.store.unit_of_work() as session:
                community = community_of(session, self.app.config)
                assert community is not None
                rows = sync_schedules(session, community, self.settings, now)
                dues = planned_occurrences(session, community, rows, self.settings, now, now + HORIZON)
        plan: dict[str, datetime] = {}
        for due in dues:
            plan.setdefault(due.key, due.at)
        return plan

    def _set_timers(self, plan: dict[str, datetime]) -> None:
        if self.scheduler is None:
            return
        for job in self.scheduler.get_jobs():
            if job.id != RESYNC_JOB and job.id not in plan:
                job.remove()
        self._fired &= set(plan.items())  # forget timers that are no longer planned
        for job_id, when in plan.items():
            if (job_id, when) in self._fired:
                continue  # fired already and still not due by the app's clock: the resync will look again
            job = self.scheduler.get_job(job_id)
            if job is not None and job.next_run_time == when:
                continue
            self.scheduler.add_job(
                wake, DateTrigger(run_date=when), id=job_id, args=[self, job_id], replace_existing=True
            )
            self._planned[job_id] = when

    def timers(self) -> dict[str, datetime]:
        """The planned timers (job id -> next run), without the resync job."""
        if self.scheduler is None:
            return {}
        return {
            job.id: job.next_run_time
            for job in self.scheduler.get_jobs()
            if job.id != RESYNC_JOB and job.next_run_time is not None
        }
