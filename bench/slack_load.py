"""Slack HTTP mode under load: signed slash commands, N at a time, to `relais run` and to a bare Bolt
app that only acks (bench/bare_bolt.py, the floor), one after the other in the same run.

    python -m bench.slack_load [--commands 2000] [--concurrency 50] [--users 50] [--db URL]

For each: the acknowledgement time of every request (p50, p99; target p99 < 200 ms), the
throughput in acknowledged commands per second (target ≥ 0.6× the bare app's) and, for Relais,
when each command's confirmation reached the Slack stand-in (its response_url), measured from the
moment the command was sent.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from bench.idle_memory import free_port
from bench.processes import Process, children, cpu_seconds, database, percentile, upgrade, write_toml
from bench.slack_standin import BOT_TOKEN, SIGNING_SECRET, user_id
from tests.slack.standin import DEFAULT_CHANNEL_ID, form_encode_slash_command, new_trigger_id, signed_request_headers
from tests.slack.standin.payloads import slash_command

ACK_P99_MS = 200.0
THROUGHPUT_SHARE = 0.6
LINES = (("/unread", ""), ("/actions", "mine"), ("/relais", "whoami"))
CONFIRMATIONS = ("response_url", "chat.postEphemeral")


@dataclass
class Run:
    acks: list[float] = field(default_factory=list)  # seconds, per request
    sent_at: dict[str, float] = field(default_factory=dict)  # response id -> monotonic time sent
    statuses: dict[int, int] = field(default_factory=dict)
    seconds: float = 0.0
    ended: float = 0.0  # monotonic time of the last acknowledgement
    confirmed: list[float] = field(default_factory=list)  # seconds from sending to the confirmation
    last_confirmed: float = 0.0  # monotonic time of the last confirmation
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds per process over the run

    @property
    def throughput(self) -> float:
        return len(self.acks) / self.seconds if self.seconds else 0.0


async def fire(url: str, base: str, commands: int, concurrency: int, users: int) -> Run:
    """`commands` signed slash commands, `concurrency` in flight, from `users` different people."""
    run = Run()
    numbers = iter(range(commands))
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as http:

        async def worker() -> None:
            for number in numbers:
                command, text = LINES[number % len(LINES)]
                response_id = f"R{number:09d}"
                payload = slash_command(
                    command,
                    text,
                    user_id=user_id(number % users),
                    channel_id=DEFAULT_CHANNEL_ID,
                    trigger_id=new_trigger_id(),
                    response_url=f"{base}/response/{response_id}",
                )
                body = form_encode_slash_command(payload)
                headers = signed_request_headers(body, SIGNING_SECRET)
                started = time.monotonic()
                run.sent_at[response_id] = started
                async with http.post(url, data=body.encode(), headers=headers) as response:
                    await response.read()
                    run.acks.append(time.monotonic() - started)
                    run.statuses[response.status] = run.statuses.get(response.status, 0) + 1

        began = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        run.ended = time.monotonic()
        run.seconds = run.ended - began
    return run


async def confirmations(base: str, run: Run, since: float, deadline: float) -> None:
    """When the confirmations reached the stand-in (waits up to `deadline` seconds for all of them).

    A confirmation goes through a response_url (a member's latest one serves up to five answers) or
    chat.postEphemeral: they are matched to the commands by rank, the k-th to arrive with the k-th sent.
    """
    async with aiohttp.ClientSession() as http:
        ends = time.monotonic() + deadline
        while True:
            async with http.get(f"{base}/bench/traffic") as response:
                traffic = json.loads(await response.text())
            arrived = sorted(
                call["at"]
                for call in traffic["calls"]
                if call["method"] in CONFIRMATIONS and call["at"] >= since and call["status"] == 200
            )
            if len(arrived) >= len(run.sent_at) or time.monotonic() > ends:
                sent = sorted(run.sent_at.values())
                run.confirmed = sorted(at - sent_at for at, sent_at in zip(arrived, sent, strict=False))
                run.last_confirmed = max(arrived, default=0.0)
                return
            await asyncio.sleep(0.5)  # polling the stand-in for what arrived, with a deadline


async def wait_listening(url: str, timeout: float = 60.0) -> None:
    ends = time.monotonic() + timeout
    async with aiohttp.ClientSession() as http:
        while True:
            try:
                async with http.get(url.replace("/slack/events", "/healthz")) as response:
                    if response.status in (200, 404):
                        return
            except aiohttp.ClientError:
                if time.monotonic() > ends:
                    raise
            await asyncio.sleep(0.05)  # readiness polling


def relais_config(folder: Path, port: int, base: str, db: str, **slack: object) -> Path:
    return write_toml(
        folder / "relais.toml",
        {
            "community": {"name": "Bench", "language": "fr", "timezone": "Europe/Paris", "default_circle": "COPIL"},
            "database": {"url": db},
            "slack": {
                "mode": "http",
                "bot_token": BOT_TOKEN,
                "signing_secret": SIGNING_SECRET,
                "host": "127.0.0.1",
                "port": port,
                "api_url": f"{base}/api/",
                "channels": {DEFAULT_CHANNEL_ID: "COPIL"},
                "spool": str(folder / "slack.spool"),  # (PostgreSQL: not in the working directory)
                **slack,
            },
            "log": {"level": "WARNING"},
        },
        {},
    )


async def measure(args: argparse.Namespace, folder: Path, db: str) -> dict[str, Any]:
    with Process("bench.slack_standin", str(args.users)) as standin:
        standin.wait_for_output("ready")
        base = standin.output().split("ready", 1)[1].split()[0]
        port = free_port()
        with Process("bench.bare_bolt", str(port), f"{base}/api/", env={"SLACK_SIGNING_SECRET": SIGNING_SECRET}):
            url = f"http://127.0.0.1:{port}/slack/events"
            await wait_listening(url)
            await fire(url, base, min(50, args.commands), args.concurrency, args.users)  # warm-up
            bare = await fire(url, base, args.commands, args.concurrency, args.users)
        port = free_port()
        config = relais_config(folder, port, base, db, **dict(setting.split("=", 1) for setting in args.slack))
        upgrade(config)
        command = ("relais.cli", "--config", str(config), "run")
        if args.profile:  # the whole run under cProfile (its event loop's thread), written at exit
            command = ("cProfile", "-o", args.profile, "-m", *command)
        with Process(*command) as relais:
            url = f"http://127.0.0.1:{port}/slack/events"
            await wait_listening(url)
            since = time.monotonic()
            warm = await fire(url, base, min(50, args.commands), args.concurrency, args.users)
            await confirmations(base, warm, since, 60)
            pids = {"Relais": relais.pid, "its HTTP front": children(relais.pid)[0], "Slack stand-in": standin.pid}
            before = {name: cpu_seconds(pid) for name, pid in pids.items()}
            since = time.monotonic()
            loaded = await fire(url, base, args.commands, args.concurrency, args.users)
            await confirmations(base, loaded, since, args.deadline)
            loaded.cpu = {name: cpu_seconds(pid) - before[name] for name, pid in pids.items()}
            return {"bare": bare, "relais": loaded}


def report(result: dict[str, Any], args: argparse.Namespace) -> str:
    bare, relais = result["bare"], result["relais"]
    confirmed = relais.confirmed
    ratio = relais.throughput / bare.throughput if bare.throughput else 0.0
    p99 = percentile(relais.acks, 0.99) * 1000
    rows = [
        f"Slack HTTP mode, {args.commands} signed slash commands, {args.concurrency} at a time, {args.users} people, "
        f"database {kind(args.db)}",
        "| what | Relais | bare Bolt app (floor) | target |",
        "| --- | --- | --- | --- |",
        f"| ack p50 | {percentile(relais.acks, 0.5) * 1000:.1f} ms | {percentile(bare.acks, 0.5) * 1000:.1f} ms | |",
        f"| ack p99 | {p99:.1f} ms | {percentile(bare.acks, 0.99) * 1000:.1f} ms "
        f"| < {ACK_P99_MS:g} ms {'✓' if p99 < ACK_P99_MS else '✗'} |",
        f"| throughput | {relais.throughput:.0f}/s ({ratio:.2f}×) | {bare.throughput:.0f}/s "
        f"| ≥ {THROUGHPUT_SHARE}× {'✓' if ratio >= THROUGHPUT_SHARE else '✗'} |",
        f"| HTTP statuses | {relais.statuses} | {bare.statuses} | |",
    ]
    if confirmed:
        rows += [
            f"| confirmation after sending, p50 | {percentile(confirmed, 0.5):.2f} s | — | |",
            f"| confirmation after sending, p99 | {percentile(confirmed, 0.99):.2f} s | — | |",
            f"| confirmations received | {len(confirmed)} of {len(relais.acks)}, the last "
            f"{relais.last_confirmed - relais.ended:.2f} s after the last ack | — | |",
        ]
    if relais.cpu:
        spent = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in relais.cpu.items())
        rows.append(f"| CPU time during the run | {spent} | — | |")
    return "\n".join(rows)


def kind(url: str | None) -> str:
    return "PostgreSQL" if url and url.startswith("postgres") else "SQLite"


def main(argv: list[str] | None = None, out: Any = print) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commands", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--users", type=int, default=50, help="people sending them (default 50)")
    parser.add_argument("--deadline", type=float, default=180.0, help="seconds to wait for the confirmations")
    parser.add_argument("--db", help="Relais' database URL (default: an SQLite file in a temporary folder)")
    parser.add_argument("--slack", action="append", default=[], help="a [slack] setting for Relais, e.g. db_threads=1")
    parser.add_argument("--profile", help="write a cProfile of the Relais process to this file")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="relais-bench-") as folder:
        with database(args.db, Path(folder)) as url:
            result = asyncio.run(measure(args, Path(folder), url))
    out(report(result, args))
    return result


if __name__ == "__main__":
    main()
