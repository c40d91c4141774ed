"""Resident memory of `relais run` idle with both adapters (Matrix on a throw-away Synapse, Slack in
HTTP mode on the stand-in), next to the minimal matrix-nio echo bot idle on the same Synapse.

    python -m bench.idle_memory [--idle 30] [--db URL]

Both bots start, connect and sit idle for `--idle` seconds; then their resident memory (VmRSS) is
read, Relais' with the processes it started (its Slack HTTP front: its VmRSS counts the interpreter's code
that the main process maps too, so its own part is shown as well), and that of a process that only
imports the modules Relais runs on (bench/import_floor.py: what any start of Relais holds), and that
of one that imports them without Relais' own code (the libraries alone). Target: ≤ 80 MB. Relais'
database is already at head, as at any start after the first one.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from bench.matrix_roundtrip import Partner, synapse_server
from bench.processes import Process, children, database, rss_mb, upgrade, write_toml
from bench.slack_standin import BOT_TOKEN, SIGNING_SECRET

TARGET_MB = 80.0
# a member's first commands: a translated answer, a date read and written, a list (the echo bot gets them too)
FIRST_COMMANDS = ("!whoami", "!unread", "!engage Réserver la salle d'ici vendredi", "!actions")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def relais_config(folder: Path, matrix: dict[str, Any], room: str, api_url: str, db: str) -> Path:
    return write_toml(
        folder / "relais.toml",
        {
            "community": {"name": "Bench", "language": "fr", "timezone": "Europe/Paris", "default_circle": "COPIL"},
            "database": {"url": db},
            "matrix": matrix,
            "slack": {
                "mode": "http",
                "bot_token": BOT_TOKEN,
                "signing_secret": SIGNING_SECRET,
                "host": "127.0.0.1",
                "port": free_port(),
                "api_url": api_url,
                "channels": {"C0GENERAL01": "COPIL"},
                "spool": str(folder / "slack.spool"),  # (PostgreSQL: not in the working directory)
            },
            "log": {"level": "INFO"},
        },
        {"COPIL": [f"matrix:{room}"]},
    )


async def measure(idle: float, db: str, folder: Path, hs: Any = None) -> dict[str, float]:
    """`hs`: a running homeserver to use (tests share theirs); by default one is started for the run."""
    own = hs is None
    if own:
        hs = synapse_server(folder)
        hs.start()
    try:
        run = uuid.uuid4().hex[:6]
        users = {name: hs.register(f"{name}-{run}", uuid.uuid4().hex) for name in ("relais", "echo", "alice")}
        alice = Partner(hs.base_url, users["alice"][0], users["alice"][2], users["alice"][1])
        try:
            rooms = {
                "relais": await alice.create_room(users["relais"][0]),
                "echo": await alice.create_room(users["echo"][0]),
            }
            return await run_both(alice, rooms, users, idle, db, folder, hs)
        finally:
            await alice.close()
    finally:
        if own:
            hs.cleanup()


async def run_both(
    alice: Partner, rooms: dict[str, str], users: dict[str, Any], idle: float, db: str, folder: Path, hs: Any
) -> dict[str, float]:
    """Relais and the echo bot idle, then again after a member's first commands to each."""
    room = rooms["relais"]
    with Process("bench.slack_standin", "5") as standin:
        standin.wait_for_output("ready")
        base = standin.output().split("ready", 1)[1].split()[0]
        matrix = {"homeserver": hs.base_url, "user_id": users["relais"][0], "device_id": users["relais"][2]}
        config = relais_config(folder, matrix, room, f"{base}/api/", db)
        relais = Process(
            "relais.cli", "--config", str(config), "run", env={"RELAIS_MATRIX_ACCESS_TOKEN": users["relais"][1]}
        )
        upgrade(config)  # as after the first start: the schema is at head (a new database would import alembic)
        echo_user, echo_token, echo_device = users["echo"]
        echo = Process(
            "bench.echo_bot", hs.base_url, echo_user, echo_device, env={"RELAIS_MATRIX_ACCESS_TOKEN": echo_token}
        )
        libraries = Process("bench.import_floor", "--libraries-only")
        with relais, echo, Process("bench.import_floor") as imports, libraries:
            relais.wait_for_output("relais: running (matrix, slack)")
            relais.wait_for_output("room " + room)  # the first sync handled: the room's members read
            echo.wait_for_output("ready")
            imports.wait_for_output("ready")
            libraries.wait_for_output("ready")
            time.sleep(idle)  # the benchmark's point: what an idle bot holds after a while
            result = figures(relais.pid, echo.pid, imports.pid, libraries.pid)
            for line in FIRST_COMMANDS:  # what a bot holds once people have used it
                await alice.round_trip(room, line, users["relais"][0])
                await alice.round_trip(rooms["echo"], line, echo_user)
            time.sleep(idle)
            after = figures(relais.pid, echo.pid, imports.pid, libraries.pid)
            return {**result, "relais_used": after["relais"], "echo_used": after["echo"]}


def figures(relais: int, echo: int, imports: int, libraries: int) -> dict[str, float]:
    helpers = children(relais)
    return {
        "relais": rss_mb(relais) + sum(rss_mb(pid) for pid in helpers),
        "relais_main": rss_mb(relais),
        "helpers": float(len(helpers)),
        "helpers_rss": sum(rss_mb(pid) for pid in helpers),
        "helpers_own": sum(private_mb(pid) for pid in helpers),
        "echo": rss_mb(echo),
        "imports": rss_mb(imports),
        "libraries": rss_mb(libraries),
    }


def private_mb(pid: int) -> float:
    """The part of a process's resident memory no other process maps (Private_Clean + Private_Dirty), in MB:
    the rest of its VmRSS is the interpreter's and the libraries' code, shared with the main process."""
    total = 0
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith(("Private_Clean:", "Private_Dirty:")):
            total += int(line.split()[1])
    return total / 1024


def report(result: dict[str, float], idle: float, db: str | None = None) -> str:
    relais, echo = result["relais"], result["echo"]
    helper = ""
    if result["helpers"]:
        helper = (
            f" (main process {result['relais_main']:.1f} MB + {int(result['helpers'])} helper, the Slack HTTP front:"
            f" {result['helpers_rss']:.1f} MB, {result['helpers_own']:.1f} MB of it not shared with other processes)"
        )
    verdict = "✓" if relais <= TARGET_MB else "✗"
    return "\n".join(
        [
            f"Resident memory after {idle:g} s idle, relais run with Matrix and Slack (HTTP mode), "
            f"database {'PostgreSQL' if db and db.startswith('postgres') else 'SQLite'}",
            "| what | Relais | echo bot (floor) | target |",
            "| --- | --- | --- | --- |",
            f"| VmRSS | {relais:.1f} MB{helper} | {echo:.1f} MB | ≤ {TARGET_MB:g} MB {verdict} |",
            f"| VmRSS after a member's first {len(FIRST_COMMANDS)} commands ({', '.join(FIRST_COMMANDS)}) and"
            f" {idle:g} s idle again | {result['relais_used']:.1f} MB | {result['echo_used']:.1f} MB | |",
            f"| the same libraries imported, nothing started (bench.import_floor) | {result['imports']:.1f} MB | | |",
            "| the same without Relais' own modules (bench.import_floor --libraries-only) | "
            f"{result['libraries']:.1f} MB | | |",
        ]
    )


def main(argv: list[str] | None = None, hs: Any = None, out: Any = print) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--idle", type=float, default=30.0, help="seconds idle before reading (default 30)")
    parser.add_argument("--db", help="Relais' database URL (default: an SQLite file in a temporary folder)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="relais-bench-") as folder:
        with database(args.db, Path(folder)) as url:
            result = asyncio.run(measure(args.idle, url, Path(folder), hs))
    out(report(result, args.idle, args.db))
    return result


if __name__ == "__main__":
    main()
