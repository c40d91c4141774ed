"""`relais run`: the chat adapters enabled in the config, one outbox delivery loop per platform,
and the scheduler, in one process; SIGINT or SIGTERM stops it cleanly.

An adapter is anything with a `platform` name, a `sender` (bot.delivery.Sender), and
`async start()` / `async stop()`; it may expose `online` (an asyncio.Event set while its
platform answers): delivery then waits for it instead of spending attempts on an outage.
Adapters are found by config section: `[matrix]` -> `adapters.matrix.create(app, hooks)`,
`[slack]` -> `adapters.slack.create(app, hooks)`; the modules are imported only when enabled.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.app import Adapter, AdapterFactory, App, RunHooks
from bot.config import Config, ConfigError
from bot.delivery import Deliverer
from schedules.scheduler import SchedulerService

log = logging.getLogger(__name__)

ADAPTER_MODULES = {"matrix": "adapters.matrix", "slack": "adapters.slack"}
STOP_TIMEOUT = 10.0


def enabled_platforms(config: Config) -> list[str]:
    """Platforms whose section is in the config and not `enabled = false`."""
    return [name for name in ADAPTER_MODULES if config.enabled(name)]


def import_factory(platform: str) -> AdapterFactory:
    """The adapter's `create`; a missing SDK is a configuration problem with a clear message."""
    try:
        module = importlib.import_module(ADAPTER_MODULES[platform])
        factory = module.create
        importlib.import_module(f"{ADAPTER_MODULES[platform]}.adapter")  # imports the SDK itself
    except ModuleNotFoundError as error:
        raise ConfigError(
            "[{platform}] is configured but its software is missing ({module}): pip install 'relais[{platform}]'",
            platform=platform,
            module=error.name,
        ) from error
    return factory  # type: ignore[no-any-return]


@dataclass
class Runner:
    app: App
    factories: dict[str, AdapterFactory] | None = None  # None: the platforms enabled in the config
    poll_seconds: float = 1.0
    schedule: bool = True  # False: no scheduler (tests of the delivery alone)
    adapters: list[Adapter] = field(default_factory=list)
    deliverers: list[Deliverer] = field(default_factory=list)
    exit_code: int = 0
    problem: str | None = None
    scheduler: SchedulerService | None = None
    stopping: asyncio.Event = field(default_factory=asyncio.Event)

    def wake(self, *_args: Any, **_kwargs: Any) -> None:
        """Something was written to the outbox: every delivery loop looks now."""
        for deliverer in self.deliverers:
            deliverer.poke()

    def fatal(self, message: str) -> None:
        log.critical("%s", message)
        self.problem, self.exit_code = message, 1
        self.stopping.set()

    def build_adapters(self) -> None:
        factories = self.factories
        if factories is None:
            platforms = enabled_platforms(self.app.config)
            if not platforms:
                raise ConfigError("no chat platform is configured: add a [matrix] or [slack] section")
            factories = {platform: import_factory(platform) for platform in platforms}
        hooks = RunHooks(outbox_written=self.wake, fatal=self.fatal)
        for factory in factories.values():
            adapter = factory(self.app, hooks)
            self.adapters.append(adapter)
            self.deliverers.append(Deliverer(self.app.store, self.app.clock, adapter.sender))

    async def serve(self, stop: asyncio.Event | None = None) -> int:
        """Run until `stop` (or a fatal adapter error); returns the exit code."""
        stop = stop or self.stopping
        self.build_adapters()
        scheduler = self.scheduler = make_scheduler(self.app, self.wake) if self.schedule else None
        tasks = [
            asyncio.create_task(
                deliver_forever(deliverer, getattr(adapter, "online", None), self.poll_seconds),
                name=f"deliver-{adapter.platform}",
            )
            for adapter, deliverer in zip(self.adapters, self.deliverers, strict=True)
        ]
        started: list[Adapter] = []
        try:
            for adapter in self.adapters:
                await adapter.start()
                started.append(adapter)
            if scheduler is not None:
                await scheduler.start()
            log.info("relais: running (%s)", ", ".join(adapter.platform for adapter in self.adapters))
            waiters = [asyncio.create_task(stop.wait()), asyncio.create_task(self.stopping.wait())]
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()
        finally:
            log.info("relais: stopping")
            if scheduler is not None:
                await _bounded(scheduler.stop(), "scheduler")
            for adapter in reversed(started):
                await _bounded(adapter.stop(), adapter.platform)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        return self.exit_code


async def _bounded(work: Any, what: str) -> None:
    try:
        await asyncio.wait_for(work, STOP_TIMEOUT)
    except Exception:
        log.exception("stopping %s failed", what)


async def deliver_forever(deliverer: Deliverer, online: asyncio.Event | None, poll_seconds: float) -> None:
    """Deliver due outbox rows, on a poke or every poll; while the platform is away, wait for it."""
    while True:
        deliverer.wake.clear()
        if online is None or online.is_set():
            try:
                await deliverer.deliver_due()
            except Exception:  # the database may be briefly unavailable; keep going
                log.exception("outbox delivery pass failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(deliverer.wake.wait(), timeout=poll_seconds)


def make_scheduler(app: App, on_posted: Callable[..., None]) -> SchedulerService:
    """The scheduler: recaps, agendas, reminders, digests and nudges, posted when they fall due."""
    return SchedulerService(app, on_posted=on_posted)


def run_app(app: App) -> int:
    """Run until SIGINT or SIGTERM; returns the exit code."""

    async def main() -> int:
        runner = Runner(app)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        return await runner.serve(stop)

    return asyncio.run(main())


def setup_logging(config: Config) -> None:
    level = str(config.section("log").get("level", "INFO")).upper()
    logging.basicConfig(
        level=getattr(logging, level, logging.INFO), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("nio").setLevel(logging.WARNING)
