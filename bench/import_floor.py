"""A floor of the idle-memory benchmark: the libraries `relais run` imports with both adapters
(SQLAlchemy, the models, the commands, matrix-nio and its stack, Bolt), imported and then settled as
Relais settles after starting (relais.memory.settle_memory), with nothing started: no database, no
connection, no task. What `relais run` holds above it is what running holds.

    python -m bench.import_floor                    # prints "ready", then sleeps until stopped
    python -m bench.import_floor --libraries-only   # the same third-party and standard modules, none of Relais'

`--libraries-only` asks a first process (`--list`) which modules a start of Relais has imported, then
imports those that are not Relais' own (bot, commands, schedules, adapters, relais), in the same order
and with the same database drivers hidden from nio: what Relais' own code adds is the difference.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import subprocess
import sys
import time

from adapters.matrix import E2E_MODULES, UNUSED_MODULES  # the package alone: no SDK, nothing else of Relais
from relais.memory import fewer_arenas, settle_memory  # nothing else of Relais either

OURS = ("bot", "commands", "schedules", "adapters", "relais", "bench")


def import_relais() -> None:
    from relais.runner import import_factory

    for name in E2E_MODULES:  # as `relais run` without a key store (store_path), the benchmark's config
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]
    for platform in ("matrix", "slack"):
        import_factory(platform)
    import relais.cli  # noqa: F401  # `relais run` is started by the command line
    from commands import build_router

    build_router()  # the command modules, as every start builds the router


def import_libraries_only() -> None:
    listed = subprocess.run([sys.executable, "-m", "bench.import_floor", "--list"], capture_output=True, check=True)
    for name in UNUSED_MODULES + E2E_MODULES:  # as adapters.matrix.load hides them from nio
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]
    for name in json.loads(listed.stdout):
        if name.split(".")[0] not in OURS and name not in sys.modules:
            with contextlib.suppress(Exception):  # a module some library imports only under conditions
                importlib.import_module(name)


def main(argv: list[str]) -> None:
    fewer_arenas()
    if "--list" in argv:
        import_relais()
        print(json.dumps(list(sys.modules)))
        return
    if "--libraries-only" in argv:
        import_libraries_only()
    else:
        import_relais()
    settle_memory()
    print("ready", flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main(sys.argv[1:])
