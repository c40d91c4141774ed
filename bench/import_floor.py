"""A floor of the idle-memory benchmark: the libraries `relais run` imports with both adapters
(SQLAlchemy, the models, the commands, matrix-nio and its stack, Bolt), imported and then settled as
Relais settles after starting (relais.runner.settle_memory), with nothing started: no database, no
connection, no task. What `relais run` holds above it is what running holds.

    python -m bench.import_floor    # prints "ready", then sleeps until stopped
"""

from __future__ import annotations

import time

from relais.runner import fewer_arenas, import_factory, settle_memory


def main() -> None:
    fewer_arenas()
    for platform in ("matrix", "slack"):
        import_factory(platform)
    settle_memory()
    print("ready", flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
