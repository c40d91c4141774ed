"""The processor time of a Matrix command in Relais itself, without Synapse: what the round trip's
"CPU per command" is made of, measured in one quiet process (bench.matrix_roundtrip runs two bots and a
homeserver on a shared machine, and its CPU figure moves by a millisecond from run to run).

The commands of bench.matrix_roundtrip, typed by a member in a circle's room, each through
`Dispatcher.handle(deliver=True)` on the event loop as the Matrix adapter calls it, its answer handed
at commit to a delivery loop (bot.delivery) whose sender answers at once, and recorded as sent.

    python -m bench.command_cpu [--commands 300] [--db URL]

Prints the CPU per command: the whole process, the event loop's thread, the dispatcher alone, and
the other threads (the delivery's records in a worker thread).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from bench.matrix_roundtrip import ROUND_COMMANDS, relais_config
from bench.processes import database, upgrade
from bot.app import App
from bot.config import load_config
from bot.delivery import Deliverer, Outgoing, Sent
from bot.reply import Incoming
from relais.wiring import build_app

ROOM = "!bench:hs"
WARM_UP = 9
PAUSE = 0.06  # seconds between commands, as in the round trip: the answer is recorded meanwhile


class AtOnce:
    """A sender whose platform takes every message at once."""

    platform = "matrix"

    async def send(self, message: Outgoing, resend: bool) -> Sent:
        return Sent("$" + message.id)


async def measure(app: App, commands: int, lines: list[str]) -> dict[str, float]:
    deliverer = Deliverer(app.store, app.clock, AtOnce())
    deliverer.start()

    def command(number: int) -> float:
        incoming = Incoming(
            identity="matrix:@alice:hs",
            text=lines[number % len(lines)],
            channel=f"matrix:{ROOM}",
            display_name="Alice",
            event_id=f"${uuid.uuid4().hex}",
        )
        started = time.thread_time()
        reply = app.dispatcher.handle(incoming, deliver=True)
        assert reply is not None and reply.ok, reply
        return time.thread_time() - started

    for number in range(WARM_UP):
        command(number)
        await asyncio.sleep(PAUSE)
    process, main, dispatcher = time.process_time(), time.thread_time(), 0.0
    for number in range(commands):
        dispatcher += command(number)
        await asyncio.sleep(PAUSE)
    process, main = time.process_time() - process, time.thread_time() - main
    await deliverer.stop()
    return {"process": process, "main": main, "dispatcher": dispatcher, "other threads": process - main}


def report(result: dict[str, float], commands: int, lines: list[str], db: str) -> str:
    rows = [
        f"Relais' CPU per Matrix command, in process, {commands} commands ({', '.join(lines)}), database {db}",
        "| what | CPU per command |",
        "| --- | --- |",
        *(f"| {what} | {seconds / commands * 1000:.2f} ms |" for what, seconds in result.items()),
    ]
    return "\n".join(rows)


def main(argv: list[str] | None = None, out: Any = print) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commands", type=int, default=300, help="commands measured (default 300)")
    parser.add_argument("--db", help="Relais' database URL (default: an SQLite file in a temporary folder)")
    args = parser.parse_args(argv)
    lines = list(ROUND_COMMANDS)
    with tempfile.TemporaryDirectory(prefix="relais-bench-") as folder:
        with database(args.db, Path(folder)) as url:
            config = relais_config(Path(folder), "http://127.0.0.1:9", "@relais:hs", "BENCH", ROOM, url)
            upgrade(config)
            app = build_app(load_config(config))
            try:
                result = asyncio.run(measure(app, args.commands, lines))
            finally:
                app.close()
    out(report(result, args.commands, lines, "PostgreSQL" if args.db and args.db.startswith("postgres") else "SQLite"))
    return result


if __name__ == "__main__":
    main()
