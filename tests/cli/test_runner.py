"""The runner behind `relais run`, with a fake adapter (no chat platform): delivery per platform,
waiting while the platform is away, waking on demand, the scheduler, stop and fatal errors."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from functools import partial

import pytest
from click.testing import CliRunner

from bot.app import App, RunHooks
from bot.config import ConfigError, config_from_dict
from bot.outbox import enqueue
from relais.cli import main
from relais.cli_support import said
from relais.runner import Runner, enabled_platforms
from tests.support.sender import RecordingSender
from tests.support.waiting import eventually


@dataclass
class FakeAdapter:
    hooks: RunHooks
    platform: str = "matrix"
    sender: RecordingSender = field(default_factory=RecordingSender)
    online: asyncio.Event = field(default_factory=asyncio.Event)
    started: bool = False
    stopped: bool = False

    async def start(self) -> None:
        self.started = True

    async def stop(self) -> None:
        self.stopped = True


def app_for(testbot) -> App:
    dispatcher = testbot.dispatcher
    return App(config=dispatcher.config, store=dispatcher.store, clock=dispatcher.clock, dispatcher=dispatcher)


def test_enabled_platforms():
    assert enabled_platforms(config_from_dict({})) == []
    assert enabled_platforms(config_from_dict({"matrix": {"homeserver": "x"}, "slack": {"enabled": "false"}})) == [
        "matrix"
    ]
    assert enabled_platforms(config_from_dict({"matrix": {"a": 1}, "slack": {"a": 1}})) == ["matrix", "slack"]


async def test_delivery_waits_for_the_platform_then_sends_on_wake(testbot):
    adapters: list[FakeAdapter] = []

    def factory(app: App, hooks: RunHooks) -> FakeAdapter:
        adapters.append(FakeAdapter(hooks))
        return adapters[-1]

    runner = Runner(app_for(testbot), {"matrix": factory}, poll_seconds=30, schedule=False)
    stop = asyncio.Event()
    serving = asyncio.create_task(runner.serve(stop))
    await eventually(lambda: adapters and adapters[0].started)
    adapter = adapters[0]
    with testbot.store.unit_of_work() as session:
        enqueue(session, testbot.clock.now(), "queued while away", channel="matrix:!r:hs")
    adapter.hooks.outbox_written()
    deliverer = runner.deliverers[0]
    await eventually(lambda: not deliverer.wake.is_set(), what="the delivery loop to take the wake-up")
    assert adapter.sender.sent == []  # the platform is away: no attempt spent
    adapter.online.set()
    adapter.hooks.outbox_written()
    await eventually(lambda: adapter.sender.sent == ["queued while away"])
    with testbot.store.unit_of_work() as session:
        enqueue(session, testbot.clock.now(), "second", channel="matrix:!r:hs")
    runner.wake()  # what the scheduler's on_posted does
    await eventually(lambda: adapter.sender.sent == ["queued while away", "second"])
    stop.set()
    assert await asyncio.wait_for(serving, 5) == 0
    assert adapter.stopped


async def test_fatal_error_stops_with_exit_code_1(testbot):
    def factory(app: App, hooks: RunHooks) -> FakeAdapter:
        adapter = FakeAdapter(hooks)
        asyncio.get_running_loop().call_soon(hooks.fatal, "matrix: the access token was refused")
        return adapter

    runner = Runner(app_for(testbot), {"matrix": factory}, schedule=False)
    assert await asyncio.wait_for(runner.serve(asyncio.Event()), 5) == 1
    assert str(runner.problem) == "matrix: the access token was refused"


async def test_why_relais_stopped_is_said_in_the_operators_language(testbot, caplog):
    """A Matrix token revoked while Relais serves: the log says why in English, the command line's last line
    in the operator's language (before: the adapter's English words inside « Relais s’est arrêté : … »)."""
    revoked = (
        "the Matrix homeserver refused Relais' session ({reason}): its access token was revoked or its account "
        "deactivated"
    )

    def factory(app: App, hooks: RunHooks) -> FakeAdapter:
        asyncio.get_running_loop().call_soon(partial(hooks.fatal, revoked, reason="M_UNKNOWN_TOKEN"))
        return FakeAdapter(hooks)

    runner = Runner(app_for(testbot), {"matrix": factory}, schedule=False)
    assert await asyncio.wait_for(runner.serve(asyncio.Event()), 5) == 1
    assert runner.problem is not None
    english = revoked.format(reason="M_UNKNOWN_TOKEN")
    assert str(runner.problem) == english and english in caplog.text
    assert said(runner.problem, "fr").replace("\u00a0", " ").replace("\u202f", " ") == (
        "le serveur Matrix a refusé la session de Relais (M_UNKNOWN_TOKEN) : son jeton d’accès a été révoqué ou son "
        "compte désactivé"
    )


async def test_no_platform_configured(testbot):
    with pytest.raises(ConfigError, match=r"\[matrix\] or \[slack\]"):
        await Runner(app_for(testbot), schedule=False).serve(asyncio.Event())


def test_cli_run_without_platform_says_what_to_do(tmp_path):
    config = tmp_path / "relais.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "r.db"}"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["--config", str(config), "run"])
    assert result.exit_code == 2 and "[matrix] ou [slack]" in result.output
    assert "Lancer le bot sur les messageries" in CliRunner().invoke(main, ["run", "--help"]).output


async def test_a_platform_refused_later_stops_alone_and_the_other_goes_on(testbot, caplog):
    """Matrix's token revoked while Relais serves Matrix and Slack: Slack goes on, Matrix's messages wait in
    the outbox (before: the whole process stopped, Slack's members without Relais)."""
    adapters: dict[str, FakeAdapter] = {}

    def factory(platform: str):
        def make(app: App, hooks: RunHooks) -> FakeAdapter:
            adapters[platform] = FakeAdapter(hooks, platform=platform, sender=RecordingSender(platform))
            adapters[platform].online.set()
            return adapters[platform]

        return make

    runner = Runner(app_for(testbot), {"matrix": factory("matrix"), "slack": factory("slack")}, schedule=False)
    stop = asyncio.Event()
    serving = asyncio.create_task(runner.serve(stop))
    await eventually(lambda: runner.served == {"matrix", "slack"})
    adapters["matrix"].hooks.fatal("matrix: the homeserver refused Relais' session: M_UNKNOWN_TOKEN")
    assert not serving.done() and not runner.stopping.is_set()
    assert "matrix is stopped; Relais goes on with slack" in caplog.text
    with testbot.store.unit_of_work() as session:
        enqueue(session, testbot.clock.now(), "pour Slack", channel="slack:T1/C1")
        enqueue(session, testbot.clock.now(), "pour Matrix", channel="matrix:!r:hs")
    runner.wake()
    await eventually(lambda: adapters["slack"].sender.sent == ["pour Slack"])
    assert adapters["matrix"].sender.sent == []  # kept for when Matrix is back
    adapters["slack"].hooks.fatal("slack: refused too")  # the last platform: Relais stops
    assert await asyncio.wait_for(serving, 5) == 1


async def test_a_platform_refused_at_start_stops_relais_even_with_another(testbot):
    """A token refused before the platform ever came online is a mistake to fix now: exit code 1."""

    def make(platform: str, online: bool):
        def build(app: App, hooks: RunHooks) -> FakeAdapter:
            adapter = FakeAdapter(hooks, platform=platform)
            if online:
                adapter.online.set()
            else:
                asyncio.get_running_loop().call_soon(hooks.fatal, f"{platform}: login refused")
            return adapter

        return build

    runner = Runner(app_for(testbot), {"slack": make("slack", True), "matrix": make("matrix", False)}, schedule=False)
    assert await asyncio.wait_for(runner.serve(asyncio.Event()), 5) == 1
    assert str(runner.problem) == "matrix: login refused"


def test_nio_says_nothing_before_a_refusal_relais_says_itself():
    """Before: "WARNING nio.responses: Error validating response: 'user_id' is a required property" came first,
    before Relais' own line about the refused password or token."""
    import logging

    from relais.runner import setup_logging

    setup_logging(config_from_dict({}))
    assert not logging.getLogger("nio.responses").isEnabledFor(logging.WARNING)
    assert logging.getLogger("nio.responses").isEnabledFor(logging.ERROR)


def leases_taken_by_a_file(tmp_path) -> str:
    """An operator's relais.toml for Matrix, whose SQLite file's `<db>-leases` folder cannot be made."""
    database = tmp_path / "relais.db"
    (tmp_path / "relais.db-leases").write_text("not a folder\n")
    config = tmp_path / "relais.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{database}"\n'
        '[matrix]\nhomeserver = "http://127.0.0.1:9"\nuser_id = "@relais:example.org"\naccess_token = "x"\n'
        '[[circles]]\nname = "COPIL"\nchannels = ["matrix:!r:example.org"]\n',
        encoding="utf-8",
    )
    return str(config)


def test_run_with_a_leases_folder_that_cannot_be_made_stops_at_once_and_says_it(tmp_path):
    """Before: with the homeserver down, `relais run` went on forever without a word, its delivery loop dead of
    a FileExistsError (nothing it wrote would ever be sent); with Slack, a raw English OSError."""
    result = CliRunner().invoke(main, ["--config", leases_taken_by_a_file(tmp_path), "run"])
    assert result.exit_code == 2, result.output
    assert "relais.db-leases" in result.output and "Traceback" not in result.output
    assert "impossible de créer" in result.output and "(un fichier de ce nom est déjà là)" in result.output


async def test_the_leases_lock_is_taken_before_any_adapter_starts(testbot, tmp_path):
    from bot.db import Store, make_engine, upgrade

    (tmp_path / "r.db-leases").write_text("")
    store = Store(make_engine(f"sqlite:///{tmp_path / 'r.db'}"))
    upgrade(store.engine)
    adapters: list[FakeAdapter] = []

    def factory(app: App, hooks: RunHooks) -> FakeAdapter:
        adapters.append(FakeAdapter(hooks))
        return adapters[-1]

    app = App(config=testbot.dispatcher.config, store=store, clock=testbot.clock, dispatcher=testbot.dispatcher)
    try:
        with pytest.raises(ConfigError, match="r.db-leases"):
            await Runner(app, {"matrix": factory}, schedule=False).serve(asyncio.Event())
    finally:
        store.engine.dispose()
    assert adapters == []  # nothing half-started
