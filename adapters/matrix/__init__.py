"""The Matrix adapter (matrix-nio): `relais run` with a `[matrix]` section in the config.

`create(app, hooks)` builds it; see adapters/matrix/adapter.py. Importing this package does
not import nio: the core and the other adapters stay light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from adapters.matrix.adapter import MatrixAdapter
    from bot.app import App, RunHooks


def create(app: App, hooks: RunHooks) -> MatrixAdapter:
    from adapters.matrix.adapter import create as build

    return build(app, hooks)
