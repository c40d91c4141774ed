"""The one place where Relais is wired: config -> engine -> store -> router -> dispatcher."""

from __future__ import annotations

from bot.app import App
from bot.clock import Clock, SystemClock
from bot.config import Config, ConfigError
from bot.db import Store, current_revision, head_revision, is_sqlite, make_engine, upgrade
from bot.dispatch import Dispatcher
from commands import build_router


def build_app(config: Config, clock: Clock | None = None, store: Store | None = None) -> App:
    """Build the app. An SQLite database is upgraded on start; PostgreSQL must be at head."""
    if store is None:
        engine = make_engine(config.database_url)
        if is_sqlite(engine):
            upgrade(engine)
        elif current_revision(engine) != head_revision():
            raise ConfigError("the database schema is not up to date: run `relais db upgrade` first")
        store = Store(engine)
    clock = clock or SystemClock()
    dispatcher = Dispatcher(store=store, config=config, clock=clock, router=build_router())
    dispatcher.setup()
    return App(config=config, store=store, clock=clock, dispatcher=dispatcher)
