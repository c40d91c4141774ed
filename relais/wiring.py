"""The one place where Relais is wired: config -> engine -> store -> router -> dispatcher."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, NoSuchModuleError, OperationalError

from bot.app import App
from bot.clock import Clock, SystemClock
from bot.config import Config, ConfigError, os_reason
from bot.db import Store, current_revision, head_revision, is_sqlite, make_engine, normalise_url, upgrade
from bot.dispatch import Dispatcher
from bot.spelling import Spellings, register
from commands import build_router

BUILT_FROM = "relais.built_from"  # Store.extensions: the database URL this store was built from (build_app)


def build_app(config: Config, clock: Clock | None = None, store: Store | None = None) -> App:
    """Build the app. An SQLite database is upgraded on start; PostgreSQL must be at head.

    A database that cannot be used (unknown kind, driver not installed, server unreachable, file in a
    folder that cannot be written, busy) is a ConfigError saying so in one line, never a traceback.
    """
    with database_errors(config.database_url):
        if store is None:
            kept_somewhere(config.database_url)
            engine = make_engine(config.database_url)
            if is_sqlite(engine):
                upgrade(engine)
            elif current_revision(engine) != head_revision():
                raise ConfigError("the database schema is not up to date: run `relais db upgrade` first")
            store = Store(engine)
            store.extensions[BUILT_FROM] = config.database_url  # a child process may open it again
        clock = clock or SystemClock()
        dispatcher = Dispatcher(store=store, config=config, clock=clock, router=build_router())
        dispatcher.setup()
    return App(config=config, store=store, clock=clock, dispatcher=dispatcher)


class NotThisCode(RuntimeError):
    """The code on disk is not the one `relais run` started with (updated without a restart)."""


def round_store(config: Config) -> Store:
    """The store a scheduled round's own process (relais.round_child) works in: the database `relais run`
    opened, which must be at this code's revision (never upgraded here: that is `relais run`'s start, or
    `relais db upgrade`), with the commands' spellings registered (digests name commands as typed where
    they go). Nothing is written (the community was set up by `relais run`)."""
    with database_errors(config.database_url):
        engine = make_engine(config.database_url)
        found, head = current_revision(engine), head_revision()
        if found != head:
            engine.dispose()
            raise NotThisCode(f"the database is at revision {found}, this code at {head}")
        store = Store(engine)
        store.extensions[BUILT_FROM] = config.database_url
        register(store.extensions, Spellings.of(build_router(), config))
    return store


@contextmanager
def database_errors(url: str) -> Iterator[None]:
    """Turn what goes wrong when opening the database into a one-line ConfigError (passwords hidden)."""
    shown = safe_url(url)
    try:
        yield
    except (NoSuchModuleError, ArgumentError) as error:
        raise unknown_database(url, shown) from error
    except ModuleNotFoundError as error:
        if not normalise_url(url).startswith("postgresql"):  # mysql://…: no extra of Relais installs its driver
            raise unknown_database(url, shown) from error
        raise ConfigError(
            "the database driver is not installed for {url}: pip install 'relais[postgres]'", url=shown
        ) from error
    except OperationalError as error:
        if "locked" in str(error.orig):
            raise ConfigError("the database is busy (another Relais holds it): try again in a moment") from error
        reason = str(error.orig).strip().splitlines()[0][:200] if error.orig else str(error)[:200]
        raise ConfigError("cannot open the database {url}: {reason}", url=shown, reason=reason) from error
    except DatabaseError as error:  # SQLite pointed at a file of another kind (relais.toml, a spreadsheet…)
        reason = str(error.orig).strip().splitlines()[0][:200] if error.orig else str(error)[:200]
        raise ConfigError(
            "{url} is not a database Relais can use ({reason}): database.url names another file",
            url=shown,
            reason=reason,
        ) from error
    except OSError as error:
        raise ConfigError("cannot open the database {url}: {reason}", url=shown, reason=os_reason(error)) from error


def kept_somewhere(url: str) -> None:
    """An SQLite database in memory keeps nothing, and each connection would see an empty one of its own."""
    try:
        parsed = make_url(normalise_url(url))
    except ArgumentError:
        return  # said by database_errors
    if parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:"):
        raise ConfigError(
            "database.url {url} is a database in memory, which keeps nothing: write a file, such as sqlite:///relais.db",
            url=url,
        )


MISTYPED_SCHEME = re.compile(r"\s*(?:sqlite|postgres(?:ql)?)\b", re.IGNORECASE)  # "sqlite//relais.db": no file name


def unknown_database(url: str, shown: str) -> ConfigError:
    """Relais keeps its data in SQLite or PostgreSQL; a bare file name is most likely an SQLite file."""
    if "://" not in url and url.strip() and not MISTYPED_SCHEME.match(url):
        return ConfigError(
            "database.url is not a database Relais knows: {url}; for a file, write sqlite:///{url}", url=shown
        )
    return ConfigError(
        "database.url is not a database Relais knows: {url}; write sqlite:///relais.db or "
        "postgresql://user:password@host/dbname",
        url=shown,
    )


def safe_url(url: str) -> str:
    try:
        return make_url(normalise_url(url)).render_as_string(hide_password=True)
    except ArgumentError:
        return url[:200]
