"""The Matrix adapter (matrix-nio): `relais run` with a `[matrix]` section in the config.

`create(app, hooks)` builds it; see adapters/matrix/adapter.py. Importing this package does
not import nio: the core and the other adapters stay light.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from adapters.matrix.adapter import MatrixAdapter
    from bot.app import App, RunHooks
    from bot.config import Config

# nio's key store (peewee) imports every database driver it can find, at import time, though nio
# only ever opens SQLite files with it: psycopg alone is about 9 MB of a process' memory. And
# pycryptodome (attachments) prefers cffi, which parses C declarations at import (1.5 MB); without
# it, pycryptodome uses ctypes, as it does wherever cffi is not installed.
UNUSED_MODULES = ("psycopg", "psycopg2", "pymysql", "MySQLdb", "cffi")
# nio's end-to-end stack: its key store (peewee) and vodozemac, 4.4 MB of an idle `relais run`. nio decides once,
# when it is first imported, whether it supports encryption: without a key store (`store_path`) Relais never
# encrypts, so a process that starts without one imports nio without them.
E2E_MODULES = ("peewee", "vodozemac", "olm")


def wants_e2e(config: Config | None) -> bool:
    """False only when the config is known and has no key store: then nothing encrypted is ever read or sent."""
    return config is None or bool(str(config.section("matrix").get("store_path") or "").strip())


@contextmanager
def without_unused_drivers(unused: tuple[str, ...] = UNUSED_MODULES) -> Iterator[None]:
    """Import nio without the modules Relais itself has not loaded (loaded later if Relais needs them)."""
    hidden = [name for name in unused if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # `import name` raises ImportError
    try:
        yield
    finally:
        for name in hidden:
            if sys.modules.get(name, False) is None:
                del sys.modules[name]


def load(config: Config | None = None) -> None:
    """Import the adapter and its SDK (ModuleNotFoundError when matrix-nio is not installed); with `config`,
    without nio's end-to-end stack when it has no key store."""
    unused = UNUSED_MODULES if wants_e2e(config) else UNUSED_MODULES + E2E_MODULES
    with without_unused_drivers(unused):
        import adapters.matrix.adapter  # noqa: F401
    from adapters.matrix.schema_checks import install

    install()  # nio's schema checks compiled once per schema (a tenth of their CPU; same answers)


def create(app: App, hooks: RunHooks) -> MatrixAdapter:
    load()
    from adapters.matrix.adapter import create as build

    return build(app, hooks)
