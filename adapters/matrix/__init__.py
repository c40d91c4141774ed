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

# nio's key store (peewee) imports every database driver it can find, at import time, though nio
# only ever opens SQLite files with it: psycopg alone is about 9 MB of a process' memory. And
# pycryptodome (attachments) prefers cffi, which parses C declarations at import (1.5 MB); without
# it, pycryptodome uses ctypes, as it does wherever cffi is not installed.
UNUSED_MODULES = ("psycopg", "psycopg2", "pymysql", "MySQLdb", "cffi")


@contextmanager
def without_unused_drivers() -> Iterator[None]:
    """Import nio without the modules Relais itself has not loaded (loaded later if Relais needs them)."""
    hidden = [name for name in UNUSED_MODULES if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # `import name` raises ImportError
    try:
        yield
    finally:
        for name in hidden:
            if sys.modules.get(name, False) is None:
                del sys.modules[name]


def load() -> None:
    """Import the adapter and its SDK (ModuleNotFoundError when matrix-nio is not installed)."""
    with without_unused_drivers():
        import adapters.matrix.adapter  # noqa: F401


def create(app: App, hooks: RunHooks) -> MatrixAdapter:
    load()
    from adapters.matrix.adapter import create as build

    return build(app, hooks)
