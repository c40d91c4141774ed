"""The real Relais Slack adapter against the stand-in, driven the same way in both modes.

Socket Mode: envelopes pushed on the stand-in's websocket, acks read back from it.
HTTP mode: correctly signed requests POSTed to the adapter's aiohttp server (Bolt's web app).

Every `command`/`event`/`interactive` call waits for Slack's acknowledgement (its time is
measured), then for the listener to finish, then delivers the outbox (the runner's Deliverer
with the adapter's sender), so a test reads the effects right after.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import func, select

from adapters.slack.adapter import SlackAdapter, build_adapter
from adapters.slack.pacing import ChannelPacer
from adapters.slack.settings import SlackSettings
from bot.clock import FixedClock
from bot.config import CircleConfig, Config
from bot.db import Store
from bot.delivery import Deliverer
from bot.dispatch import Dispatcher
from commands import build_router

from .standin import (
    DEFAULT_CHANNEL_ID,
    DEFAULT_TEAM_ID,
    DEFAULT_USER_ID,
    SlackStandin,
    form_encode_interactive,
    form_encode_slash_command,
    json_encode_event,
    signed_request_headers,
)

SIGNING_SECRET = "standin-signing-secret"
BOT_TOKEN = "xoxb-test"
APP_TOKEN = "xapp-test"
MODES = ("socket", "http")
ACK_LIMIT = 3.0  # Slack's limit for acknowledging a slash command, a button, a submission

TEAM = DEFAULT_TEAM_ID
ALICE = DEFAULT_USER_ID  # a partner
FABIENNE = "U0FABIENNE1"  # the facilitator
BOB = "U0BOB000001"
GENERAL = DEFAULT_CHANNEL_ID  # mapped to the COPIL circle
GT = "C0GTMOBIL01"  # mapped to "GT Mobilité"
UNMAPPED = "C0RANDOM001"


def identity(user: str) -> str:
    return f"slack:{TEAM}/{user}"


def address(channel: str) -> str:
    return f"slack:{TEAM}/{channel}"


def slack_config(config: Config) -> Config:
    return replace(
        config,
        facilitators=(*config.facilitators, identity(FABIENNE)),
        circles=(
            CircleConfig("COPIL", ("console:copil", address(GENERAL))),
            CircleConfig("GT Mobilité", ("console:gt", address(GT))),
        ),
    )


def shown(message: dict[str, Any]) -> str:
    """What Slack shows of a message: its sections' text (its `text` when it has no blocks)."""
    blocks = message.get("blocks")
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    sections = [block["text"]["text"] for block in blocks or [] if block.get("type") == "section"]
    return "\n".join(sections) if sections else str(message.get("text", ""))


@dataclass
class FakeTime:
    """A monotonic clock and a sleep that advances it at once (the pacer never really waits)."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


@dataclass(frozen=True)
class Answer:
    """Slack's side of one request: how long the ack took, and what came back with it."""

    seconds: float
    status: int = 200
    payload: Any = None  # the ack's payload (Socket Mode) / the response body (HTTP)


class Harness:
    def __init__(
        self, mode: str, standin: SlackStandin, store: Store, clock: FixedClock, config: Config, **settings: Any
    ) -> None:
        self.mode = mode
        self.standin = standin
        self.clock = clock
        self.time = FakeTime()
        self.dispatcher = Dispatcher(store=store, config=slack_config(config), clock=clock, router=build_router())
        self.dispatcher.setup()
        # a French workspace: the partners' Slack is in French (a new member's language follows it)
        standin.add_user(ALICE, name="alice", real_name="Alice Martin", tz="Europe/Paris", locale="fr-FR")
        standin.add_user(FABIENNE, name="fabienne", real_name="Fabienne Roux", tz="Europe/Paris", locale="fr-FR")
        standin.add_user(BOB, name="bob", real_name="Bob Dupont", display_name="Bob", locale="fr-FR")
        standin.add_channel(GT, name="gt-mobilite")
        # as communities start: the partners are already in the circles' channels, with Relais
        for channel in (GENERAL, GT):
            standin.set_members(channel, [ALICE, FABIENNE, BOB, standin.bot_user_id])
        self.settings = SlackSettings(
            mode=mode, bot_token=BOT_TOKEN, app_token=APP_TOKEN, signing_secret=SIGNING_SECRET,
            host="127.0.0.1", port=0, api_url=standin.api_url, db_threads=1, timeout=5,
            spool=str(Path(tempfile.mkdtemp(prefix="relais-spool-")) / "slack.spool"),
        )  # fmt: skip
        stores = settings.pop("stores", None)  # several workspaces (OAuth): relais.slack_stores
        self.settings = replace(self.settings, **settings)
        self.adapter: SlackAdapter = build_adapter(
            self.dispatcher, self.settings, pacer=ChannelPacer(1.0, self.time.monotonic, self.time.sleep), stores=stores
        )
        self.deliverer = Deliverer(store, clock, self.adapter.sender)
        self.http: aiohttp.ClientSession | None = None

    @property
    def store(self) -> Store:
        return self.dispatcher.store

    @property
    def url(self) -> str:
        assert self.adapter.url is not None
        return self.adapter.url

    async def start(self) -> None:
        await self.adapter.start()
        if self.mode == "http":
            self.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))

    async def stop(self) -> None:
        if self.http is not None:
            await self.http.close()
        await self.adapter.stop()

    # ------------------------------------------------------------------ sending like Slack

    async def command(
        self, name: str, text: str = "", user: str = ALICE, channel: str = GENERAL, **extra: Any
    ) -> Answer:
        """`extra`: more of the payload's fields (`team_id` of another workspace)."""
        payload = self.standin.slash_command(f"/{name}", text, user_id=user, channel_id=channel, **extra)
        return await self.send("slash_commands", payload, form_encode_slash_command(payload))

    async def event(self, event: dict[str, Any], event_id: str | None = None, retry: int = 0, **extra: Any) -> Answer:
        body = self.standin.event_callback(event, event_id, **extra)
        return await self.send("events_api", body, json_encode_event(body), retry=retry)

    async def interactive(self, payload: dict[str, Any]) -> Answer:
        return await self.send("interactive", payload, form_encode_interactive(payload))

    async def send(self, kind: str, payload: dict[str, Any], raw: str, retry: int = 0) -> Answer:
        runtime = self.adapter.runtime
        before = runtime.completed
        if self.mode == "socket":
            envelope_id = await self.standin.socket_send(
                kind, payload, retry_attempt=retry, retry_reason="timeout" if retry else ""
            )
            ack = await self.standin.wait_ack(envelope_id, timeout=ACK_LIMIT + 2)
            answer = Answer(float(ack["elapsed"]), 200, ack.get("payload"))
        else:
            answer = await self.post(raw, signed_request_headers(raw, SIGNING_SECRET, retry_num=retry or None))
        await runtime.wait_completed(before + 1)
        await self.settle()
        return answer

    async def post(self, raw: str, headers: dict[str, str]) -> Answer:
        assert self.http is not None
        started = time.monotonic()
        async with self.http.post(self.url, data=raw.encode(), headers=headers) as response:
            text = await response.text()
            seconds = time.monotonic() - started
            body: Any = text
            if response.content_type == "application/json" and text:
                body = await response.json()
            return Answer(seconds, response.status, body)

    async def settle(self) -> int:
        """Wait for the listeners, then deliver everything due (as the runner's Deliverer does)."""
        await self.adapter.idle()
        return await self.deliverer.deliver_due()

    # ------------------------------------------------------------------ reading the effects

    def count(self, model: type) -> int:
        with self.store.unit_of_work() as session:
            return int(session.scalar(select(func.count()).select_from(model)) or 0)

    def replies_to(self, user: str = ALICE) -> list[str]:
        """Texts sent privately to `user` as people see them (the blocks): response_url posts,
        ephemerals, and DMs."""
        texts = [shown(call.params) for call in self.standin.response_posts if call.status == 200]
        texts += [shown(e["message"]) for e in self.standin.ephemerals if e["user"] == user]
        dm = self.standin.dm_channels.get((user,))
        if dm:
            texts += [shown(m) for m in self.standin.messages_in(dm)]
        return texts

    def posts_in(self, channel: str = GENERAL) -> list[dict[str, Any]]:
        return self.standin.messages_in(channel)
