"""`relais run` on Slack as a real process (tests/matrix/crashing.py kills it at the point named), against the
Slack stand-in, in Socket Mode or HTTP mode (its front process too): what the spool's kill tests drive."""

from __future__ import annotations

import asyncio
import json
import signal
import time
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import create_engine, text

from adapters.slack.front_spool import read_records

from ..matrix.botproc import BotProcess
from ..matrix.synapse import free_port
from .harness import ALICE, APP_TOKEN, BOT_TOKEN, GENERAL, SIGNING_SECRET
from .standin import (
    DEFAULT_CHANNEL_ID,
    DEFAULT_TEAM_ID,
    SlackStandin,
    form_encode_interactive,
    form_encode_slash_command,
    signed_request_headers,
)

CRASHING = "tests.matrix.crashing"
TITLE = "Appeler la préfecture"


class Relais:
    """`relais run` on Slack, configured in `folder`; each `start` is a new process on the same files."""

    def __init__(self, folder: Path, standin: SlackStandin, mode: str) -> None:
        self.folder, self.standin, self.mode = folder, standin, mode
        standin.set_members(GENERAL, [ALICE, standin.bot_user_id])  # as communities start
        self.port = free_port()
        self.database = folder / "relais.db"
        self.spool = folder / "slack.spool"
        self.config = folder / "relais.toml"
        self.config.write_text(
            "\n".join(
                [
                    "[community]", 'name = "Essonne"', 'language = "fr"', 'timezone = "Europe/Paris"',
                    "[database]", f"url = {json.dumps(f'sqlite:///{self.database}')}",
                    "[[circles]]", 'name = "COPIL"',
                    f"channels = [{json.dumps(f'slack:{DEFAULT_TEAM_ID}/{DEFAULT_CHANNEL_ID}')}]",
                    "[slack]", f'mode = "{mode}"', f'bot_token = "{BOT_TOKEN}"', f'app_token = "{APP_TOKEN}"',
                    f'signing_secret = "{SIGNING_SECRET}"', f"port = {self.port}",
                    f"api_url = {json.dumps(standin.api_url)}", f"spool = {json.dumps(str(self.spool))}",
                    "[matrix]", "enabled = false", "[log]", 'level = "INFO"', "",
                ]
            ),
            encoding="utf-8",
        )  # fmt: skip
        self.runs = 0

    async def start(self, crash: str = "") -> BotProcess:
        self.runs += 1
        env = {"CRASH_AT": crash} if crash else {}
        connections = self.standin.socket_connect_count
        process = BotProcess(self.config, "", self.folder / f"relais-{self.runs}.log", env, CRASHING).start()
        deadline = time.monotonic() + 30
        while not await self.ready(connections):
            assert process.running and time.monotonic() < deadline, process.output()
            await asyncio.sleep(0.05)
        return process

    async def ready(self, connections: int) -> bool:
        if self.mode == "socket":  # its own connection (a killed process' may not look closed yet)
            return self.standin.socket_connect_count > connections and self.standin.socket_connected
        try:
            async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{self.port}/healthz") as answer:
                return answer.status == 200
        except aiohttp.ClientError:
            return False

    async def send_command(self, payload: dict[str, str]) -> None:
        """As Slack does; returns once Slack has its acknowledgement. In Socket Mode a command's work waits until
        its ack is sent (adapters/slack/spooled.ack_sent): a process armed to kill itself in the command acks
        first (before, Bolt sent the ack up to 10 ms after the listener's ack() while the listener went on, and on
        a loaded machine the kill came first)."""
        if self.mode == "socket":
            envelope = await self.standin.socket_send("slash_commands", payload)
            ack = await self.standin.wait_ack(envelope, timeout=10)
            assert ack["elapsed"] < 3
            return
        await self.post(form_encode_slash_command(payload))

    async def send_event(self, body: dict[str, Any], retry: int = 0) -> None:
        """Socket Mode: an event as Slack delivers it, sent again (retry_attempt + 1, the same event_id) until
        acknowledged, as Slack does; a connection that closes under it (the SDK reconnecting) is one more try."""
        for attempt in range(retry, retry + 4):
            try:
                envelope = await self.standin.socket_send(
                    "events_api", body, retry_attempt=attempt, retry_reason="timeout" if attempt else ""
                )
                await self.standin.wait_ack(envelope, timeout=5)
                return
            except (ConnectionError, TimeoutError):
                continue
        raise TimeoutError("Slack's event was never acknowledged")

    async def send_interactive(self, payload: dict[str, Any]) -> None:
        """A button clicked, as Slack sends it; returns once Slack has its acknowledgement."""
        if self.mode == "socket":
            envelope = await self.standin.socket_send("interactive", payload)
            await self.standin.wait_ack(envelope, timeout=10)
            return
        await self.post(form_encode_interactive(payload))

    async def post(self, raw: str, retry: int = 0) -> None:
        headers = signed_request_headers(raw, SIGNING_SECRET)
        if retry:
            headers.update({"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"})
        async with (
            aiohttp.ClientSession() as http,
            http.post(f"http://127.0.0.1:{self.port}/slack/events", data=raw.encode(), headers=headers) as answer,
        ):
            assert answer.status == 200

    def titles(self) -> list[str]:
        engine = create_engine(f"sqlite:///{self.database}")
        try:
            with engine.connect() as connection:
                return list(connection.scalars(text("SELECT title FROM commitments")))
        finally:
            engine.dispose()


async def died(process: BotProcess) -> int:
    return await asyncio.to_thread(process.wait, 30)


async def killed_in_the_command(relais: Relais, slack_standin: SlackStandin) -> BotProcess:
    """A member's /engage acknowledged, then Relais killed (kill -9) inside its transaction, before the commit."""
    first = await relais.start("in-command:" + TITLE)
    try:
        await relais.send_command(slack_standin.slash_command("/engage", f"{TITLE} tomorrow"))
        assert await died(first) == -signal.SIGKILL
    finally:
        first.reap()
    return first


async def stopped(process: BotProcess) -> int:
    process.signal(signal.SIGTERM)
    return await asyncio.to_thread(process.wait, 30)


def confirmations(standin: SlackStandin) -> list[str]:
    texts = [str(call.params.get("text", "")) for call in standin.response_posts]
    texts += [str(call.params.get("text", "")) for call in standin.calls_to("chat.postEphemeral")]
    return [text for text in texts if TITLE in text and "#1" in text]


async def emptied(relais: Relais, process: BotProcess) -> None:
    """Until every request in the spool is marked done (run again at a start, and finished)."""
    deadline = time.monotonic() + 20
    while read_pending(relais.spool):
        assert time.monotonic() < deadline, process.output()
        await asyncio.sleep(0.05)


def read_pending(path: Path) -> list[str]:
    """The spool's requests not marked done (read only: a front may have it open)."""
    records, _end = read_records(path.read_bytes()) if path.exists() else ([], 0)
    pending = {str(record["s"]): None for record in records if "s" in record}
    for record in records:
        pending.pop(str(record.get("done")), None)
    return list(pending)
