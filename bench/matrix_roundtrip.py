"""A command's round trip through Relais on Matrix, next to a minimal matrix-nio echo bot (the floor).

One throw-away Synapse on loopback; `relais run` and the echo bot (bench/echo_bot.py) as their own
processes, each in its own room with the same partner, who sends a line and waits for the answer,
one bot then the other, so that both are measured in the same conditions of the same run.

    python -m bench.matrix_roundtrip [--commands 200] [--command '!unread'] [--db URL]

Prints the median and p95 round trip of each, their ratio (target ≤ 1.2), and each bot's CPU time
per command (read from /proc).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from nio import AsyncClient, AsyncClientConfig, RoomCreateResponse, RoomSendResponse, SyncResponse

from bench.processes import Process, cpu_seconds, database, median, percentile, upgrade, write_toml

TARGET = 1.2
DEADLINE = 30.0
PARTNER_FILTER = {"presence": {"not_types": ["*"]}, "room": {"timeline": {"limit": 100}}}
ROUND_COMMANDS = ("!unread", "!actions mine", "!whoami")


def synapse_server(folder: Path) -> Any:
    from tests.matrix.synapse import SynapseServer

    template = Path(tempfile.gettempdir()) / "relais-bench-synapse-template"
    template.mkdir(exist_ok=True)
    return SynapseServer(folder / "synapse", template_dir=template, log_level="WARNING")


class Partner:
    """A member with a real matrix-nio client: sends a line, waits (long-poll) for the bot's answer."""

    def __init__(self, homeserver: str, user_id: str, device_id: str, token: str) -> None:
        self.client = AsyncClient(homeserver, user_id, config=AsyncClientConfig(store_sync_tokens=False))
        self.client.restore_login(user_id, device_id, token)
        self.since: str | None = None
        self.members: list[dict[str, Any]] = []  # membership events seen so far

    async def sync(self, timeout_ms: int) -> list[dict[str, Any]]:
        response = await self.client.sync(timeout=timeout_ms, sync_filter=PARTNER_FILTER, since=self.since)
        assert isinstance(response, SyncResponse), response
        self.since = response.next_batch
        events = [
            {**event.source, "room_id": room_id}
            for room_id, info in response.rooms.join.items()
            for event in info.timeline.events
        ]
        self.members += [event for event in events if event.get("type") == "m.room.member"]
        return events

    async def round_trip(self, room_id: str, line: str, bot: str) -> float:
        """Seconds from sending `line` to receiving the bot's next message in that room."""
        started = time.perf_counter()
        sent = await self.client.room_send(room_id, "m.room.message", {"msgtype": "m.text", "body": line})
        assert isinstance(sent, RoomSendResponse), sent
        mine = False
        async with asyncio.timeout(DEADLINE):
            while True:
                for event in await self.sync(int(DEADLINE * 1000)):
                    if event.get("event_id") == sent.event_id:
                        mine = True
                    elif mine and event.get("room_id") == room_id and event.get("sender") == bot:
                        return time.perf_counter() - started

    async def joined(self, room_id: str, user_id: str) -> None:
        """Until `user_id` has joined `room_id`."""
        async with asyncio.timeout(DEADLINE * 2):
            while True:
                for event in self.members:
                    content = event.get("content") or {}
                    if event.get("state_key") == user_id and event.get("room_id") == room_id:
                        if content.get("membership") == "join":
                            return
                await self.sync(1000)

    async def create_room(self, invite: str) -> str:
        response = await self.client.room_create(
            name=f"bench-{uuid.uuid4().hex[:6]}", invite=[invite], room_version="10"
        )
        assert isinstance(response, RoomCreateResponse), response
        return response.room_id

    async def close(self) -> None:
        await self.client.close()


def relais_config(folder: Path, homeserver: str, user_id: str, device_id: str, room: str, db: str) -> Path:
    return write_toml(
        folder / "relais.toml",
        {
            "community": {"name": "Bench", "language": "fr", "timezone": "Europe/Paris", "default_circle": "COPIL"},
            "database": {"url": db},
            "matrix": {"homeserver": homeserver, "user_id": user_id, "device_id": device_id, "prefix": "!"},
            "log": {"level": "WARNING"},
        },
        {"COPIL": [f"matrix:{room}"]},
    )


async def measure(
    commands: int,
    lines: list[str],
    db: str,
    folder: Path,
    profile: str | None = None,
    hs: Any = None,
    cpu_profile: str | None = None,
) -> dict[str, Any]:
    """`hs`: a running homeserver to use (tests share theirs); by default one is started for the run."""
    own = hs is None
    if own:
        hs = synapse_server(folder)
        hs.start()
    try:
        run = uuid.uuid4().hex[:6]
        users = {name: hs.register(f"{name}-{run}", uuid.uuid4().hex) for name in ("relais", "echo", "alice")}
        alice_user, alice_token, alice_device = users["alice"]
        alice = Partner(hs.base_url, alice_user, alice_device, alice_token)
        try:
            await alice.sync(0)
            relais_user, relais_token, relais_device = users["relais"]
            echo_user, echo_token, echo_device = users["echo"]
            relais_room = await alice.create_room(relais_user)
            echo_room = await alice.create_room(echo_user)
            config = relais_config(folder, hs.base_url, relais_user, relais_device, relais_room, db)
            upgrade(config)
            command = ("relais.cli", "--config", str(config), "run")
            if profile:  # the whole run under cProfile, written at exit
                command = ("cProfile", "-o", profile, "-m", *command)
            elif cpu_profile:  # the same, timed by the processor (bench.cpu_profile)
                command = ("bench.cpu_profile", cpu_profile, "-m", *command)
            relais = Process(*command, env={"RELAIS_MATRIX_ACCESS_TOKEN": relais_token})
            echo = Process(
                "bench.echo_bot", hs.base_url, echo_user, echo_device, env={"RELAIS_MATRIX_ACCESS_TOKEN": echo_token}
            )
            with relais, echo:
                echo.wait_for_output("ready")
                await alice.joined(relais_room, relais_user)
                await alice.joined(echo_room, echo_user)
                for _ in range(min(3, commands)):  # warm-up: both bots have joined, imported and cached what they will
                    await alice.round_trip(relais_room, "!whoami", relais_user)
                    await alice.round_trip(echo_room, "!whoami", echo_user)
                times: dict[str, list[float]] = {"relais": [], "echo": []}
                if cpu_profile:
                    os.kill(relais.pid, signal.SIGUSR1)  # bench.cpu_profile: the measured commands only
                cpu = {"relais": cpu_seconds(relais.pid), "echo": cpu_seconds(echo.pid)}
                cpu["relais main"] = cpu_seconds(relais.pid, relais.pid)
                for number in range(commands):
                    line = lines[number % len(lines)]
                    times["relais"].append(await alice.round_trip(relais_room, line, relais_user))
                    times["echo"].append(await alice.round_trip(echo_room, line, echo_user))
                cpu = {
                    "relais": cpu_seconds(relais.pid) - cpu["relais"],
                    "echo": cpu_seconds(echo.pid) - cpu["echo"],
                    "relais main": cpu_seconds(relais.pid, relais.pid) - cpu["relais main"],
                }
                if cpu_profile:
                    os.kill(relais.pid, signal.SIGUSR2)
        finally:
            await alice.close()
    finally:
        if own:
            hs.cleanup()
    return {"times": times, "cpu": cpu, "commands": commands}


def report(result: dict[str, Any], lines: list[str], db: str) -> str:
    times, cpu, commands = result["times"], result["cpu"], result["commands"]
    relais_median, echo_median = median(times["relais"]), median(times["echo"])
    ratio = relais_median / echo_median
    paired = median([mine / floor for mine, floor in zip(times["relais"], times["echo"], strict=True)])
    rows = [
        f"Matrix command round trip, {commands} commands ({', '.join(lines)}), database {db}",
        "| what | Relais | echo bot (floor) | ratio | target |",
        "| --- | --- | --- | --- | --- |",
        f"| round trip, median | {relais_median * 1000:.1f} ms | {echo_median * 1000:.1f} ms | {ratio:.2f}× "
        f"| ≤ {TARGET}× {'✓' if ratio <= TARGET else '✗'} |",
        f"| round trip, p95 | {percentile(times['relais'], 0.95) * 1000:.1f} ms "
        f"| {percentile(times['echo'], 0.95) * 1000:.1f} ms "
        f"| {percentile(times['relais'], 0.95) / percentile(times['echo'], 0.95):.2f}× | |",
        f"| each command next to the echo's that follows it, median ratio | | | {paired:.2f}× | |",
        f"| CPU per command | {cpu['relais'] / commands * 1000:.1f} ms | {cpu['echo'] / commands * 1000:.1f} ms | | |",
        f"| of which the event loop's thread | {cpu['relais main'] / commands * 1000:.1f} ms | | | |",
    ]
    return "\n".join(rows)


def main(argv: list[str] | None = None, hs: Any = None, out: Any = print) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commands", type=int, default=200, help="commands sent to each bot (default 200)")
    parser.add_argument(
        "--command", action="append", help="a command line (repeat for several; default: unread, actions, whoami)"
    )
    parser.add_argument("--db", help="Relais' database URL (default: an SQLite file in a temporary folder)")
    parser.add_argument("--profile", help="write a cProfile of the Relais process to this file")
    parser.add_argument("--profile-cpu", help="the same, timed by CPU time rather than the wall clock")
    args = parser.parse_args(argv)
    lines = args.command or list(ROUND_COMMANDS)
    with tempfile.TemporaryDirectory(prefix="relais-bench-") as folder:
        with database(args.db, Path(folder)) as url:
            result = asyncio.run(measure(args.commands, lines, url, Path(folder), args.profile, hs, args.profile_cpu))
    out(report(result, lines, "PostgreSQL" if args.db and args.db.startswith("postgres") else "SQLite"))
    return result


if __name__ == "__main__":
    os.environ.setdefault("NO_PROXY", "*")
    main()
