"""`relais run`: the chat adapters enabled in the config, one outbox delivery loop per platform,
and the scheduler, in one process; SIGINT or SIGTERM stops it cleanly.

An adapter is anything with a `platform` name, a `sender` (bot.delivery.Sender), and
`async start()` / `async stop()`; it may expose `online` (an asyncio.Event set while its
platform answers): delivery then waits for it instead of spending attempts on an outage.
Nothing polls: what this process writes is delivered as it commits, what other processes write
is heard through bot.wakeups (PostgreSQL LISTEN/NOTIFY, SQLite data_version), and a pass runs
anyway every `poll_seconds` (a safety net, a minute by default).
Adapters are found by config section: `[matrix]` -> `adapters.matrix.create(app, hooks)`,
`[slack]` -> `adapters.slack.create(app, hooks)`; the modules are imported only when enabled.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from bot.app import Adapter, AdapterFactory, App, RunHooks, Stop
from bot.config import Config, ConfigError
from bot.delivery import Deliverer
from bot.outbox import NOTIFY_CHANNEL as OUTBOX_CHANNEL
from bot.outbox_leases import lease_owner
from bot.services.directory import NOTIFY_CHANNEL as DIRECTORY_CHANNEL
from bot.services.directory import directory_of
from bot.wakeups import Wakeups
from relais.memory import fewer_arenas, settle_memory
from relais.round_process import apart_for
from relais.slack_stores import slack_stores
from relais.web import web_server
from schedules.scheduler import SchedulerService

log = logging.getLogger(__name__)

ADAPTER_MODULES = {"matrix": "adapters.matrix", "slack": "adapters.slack"}
STOP_TIMEOUT = 10.0


def enabled_platforms(config: Config) -> list[str]:
    """Platforms whose section is in the config and not `enabled = false`."""
    return [name for name in ADAPTER_MODULES if config.enabled(name)]


def import_factory(platform: str, config: Config | None = None) -> AdapterFactory:
    """The adapter's `create`; a missing SDK is a configuration problem with a clear message. With the `config`,
    an adapter may leave out what it will not use (Matrix: the end-to-end stack without a key store)."""
    try:
        module = importlib.import_module(ADAPTER_MODULES[platform])
        factory = module.create
        if hasattr(module, "load"):
            module.load(config)  # imports the SDK itself, the adapter's own way
        else:
            importlib.import_module(f"{ADAPTER_MODULES[platform]}.adapter")
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
    poll_seconds: float = 60.0  # a delivery pass at least this often, whatever was heard
    schedule: bool = True  # False: no scheduler (tests of the delivery alone)
    adapters: list[Adapter] = field(default_factory=list)
    deliverers: list[Deliverer] = field(default_factory=list)
    exit_code: int = 0
    problem: Stop | None = None
    scheduler: SchedulerService | None = None
    watch: Wakeups | None = None  # what other processes write (bot.wakeups), once serving
    served: set[str] = field(default_factory=set)  # platforms that came online (their `online` was set)
    down: set[str] = field(default_factory=set)  # platforms stopped by a fatal error while others go on
    stopping: asyncio.Event = field(default_factory=asyncio.Event)

    def wake(self, *_args: Any, **_kwargs: Any) -> None:
        """Something was written to the outbox: every delivery loop looks now."""
        for deliverer in self.deliverers:
            deliverer.poke()

    def heard(self, platform: str | None) -> None:
        """Another process wrote to the outbox (for `platform`, or maybe for any)."""
        for deliverer in self.deliverers:
            if platform is None or deliverer.platform == platform:
                deliverer.poke()

    def wakeups(self) -> Wakeups:
        wakeups = Wakeups(self.app.store)
        wakeups.on(OUTBOX_CHANNEL, self.heard)
        if self.app.store.dialect == "postgresql":  # SQLite: the directory's own expiry covers other processes
            directory = directory_of(self.app.store)
            wakeups.on(DIRECTORY_CHANNEL, lambda _payload: directory.invalidate())
        return wakeups

    def fatal(self, message: str, **values: object) -> None:
        """Stop Relais: `message` (an English msgid, `values` fill it) is logged in English and said by the
        command line in the operator's language."""
        self.problem, self.exit_code = Stop(message, values), 1
        log.critical("%s", self.problem)
        self.stopping.set()

    def platform_fatal(self, platform: str, message: str, **values: object) -> None:
        """A platform cannot go on (its token refused…). If it never came online (a mistake at start), or no
        other platform is left, Relais stops; if it was serving and another platform still is (a token
        revoked later), that platform alone stops: said in the log, its messages kept in the outbox."""
        others = [other.platform for other in self.adapters if other.platform not in {platform, *self.down}]
        if platform not in self.served or not others:
            self.fatal(message, **values)
            return
        self.down.add(platform)
        for adapter in self.adapters:
            if adapter.platform == platform:
                adapter.online.clear()  # type: ignore[attr-defined]  # its deliveries wait, nothing is given up
        log.error(
            "%s — %s is stopped; Relais goes on with %s. What is for %s is kept and sent once Relais is restarted "
            "with this fixed",
            str(Stop(message, values)).rstrip(". "),
            platform,
            ", ".join(others),
            platform,
        )

    async def came_online(self, adapter: Adapter) -> None:
        online = getattr(adapter, "online", None)
        if online is not None:
            await online.wait()
            self.served.add(adapter.platform)

    def build_adapters(self) -> None:
        factories = self.factories
        if factories is None:
            platforms = enabled_platforms(self.app.config)
            if not platforms:
                raise ConfigError("no chat platform is configured: add a [matrix] or [slack] section")
            factories = {platform: import_factory(platform, self.app.config) for platform in platforms}
        for platform, factory in factories.items():
            hooks = RunHooks(
                outbox_written=self.wake,
                fatal=partial(self.platform_fatal, platform),
                slack_stores=lambda client_id: slack_stores(self.app.store.engine, client_id),
            )
            adapter = factory(self.app, hooks)
            self.adapters.append(adapter)
            online = getattr(adapter, "online", None)
            self.deliverers.append(Deliverer(self.app.store, self.app.clock, adapter.sender, online=online))

    async def serve(self, stop: asyncio.Event | None = None) -> int:
        """Run until `stop` (or a fatal adapter error); returns the exit code."""
        stop = stop or self.stopping
        lease_owner(self.app.store)  # its lock (a ConfigError) taken before anything starts, not in a delivery task
        self.build_adapters()
        scheduler = self.scheduler = make_scheduler(self.app, self.wake) if self.schedule else None
        tasks = [
            asyncio.create_task(deliverer.serve(self.poll_seconds), name=f"deliver-{deliverer.platform}")
            for deliverer in self.deliverers
        ]
        self.watch = self.wakeups()
        tasks.append(asyncio.create_task(self.watch.run(), name="wakeups"))
        tasks += [asyncio.create_task(self.came_online(adapter)) for adapter in self.adapters]
        started: list[Adapter] = []
        web = web_server(self.app)  # the dashboard, when [web] is configured
        try:
            for adapter in self.adapters:
                try:
                    await adapter.start()
                except BaseException:  # (a port taken: a ConfigError) what it opened is closed
                    await _bounded(adapter.stop(), adapter.platform)
                    raise
                started.append(adapter)
            if web is not None:
                await web.start()
            if scheduler is not None:
                await scheduler.start()
            settle_memory()
            log.info("relais: running (%s)", ", ".join(adapter.platform for adapter in self.adapters))
            waiters = [asyncio.create_task(stop.wait()), asyncio.create_task(self.stopping.wait())]
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()
        finally:
            log.info("relais: stopping")
            if scheduler is not None:
                await _bounded(scheduler.stop(), "scheduler")
            if web is not None:
                await _bounded(web.stop(), "web")
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


def make_scheduler(app: App, on_posted: Callable[..., None]) -> SchedulerService:
    """The scheduler: recaps, agendas, reminders, digests and nudges, posted when they fall due."""
    return SchedulerService(app, on_posted=on_posted, apart=apart_for(app))  # heavy rounds in a process of their own


def run_app(app: App) -> tuple[int, Stop | None]:
    """Run until SIGINT or SIGTERM; returns the exit code, and what stopped it (a platform's fatal problem)."""

    fewer_arenas()
    runner = Runner(app)

    async def main() -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        return await runner.serve(stop)

    return asyncio.run(main()), runner.problem


def setup_logging(config: Config) -> None:
    level = str(config.section("log").get("level", "INFO")).upper()
    logging.basicConfig(
        level=getattr(logging, level, logging.INFO), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("nio").setLevel(logging.WARNING)
    # "Error validating response: 'user_id' is a required property" before every refusal Relais says itself
    logging.getLogger("nio.responses").setLevel(logging.ERROR)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # "setup plugin …": nothing to act on
