"""Helpers for the Relais-on-Synapse tests: partners as real matrix-nio clients, a bot in-process.

A `Partner` keeps its own sync token and waits (with a deadline) for events in a room.
`LiveBot` runs the real runner (adapter + outbox delivery) in the test's event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nio import (
    AsyncClient,
    AsyncClientConfig,
    JoinResponse,
    RoomCreateResponse,
    RoomSendResponse,
    SyncResponse,
)

from bot.app import App
from bot.clock import Clock
from bot.config import Config, config_from_dict
from relais.runner import Runner
from relais.wiring import build_app

from .synapse import MatrixUser, SynapseServer

DEADLINE = 20.0  # seconds for any single wait on the homeserver
PARTNER_FILTER = {"room": {"timeline": {"limit": 1000}}}


def client_config() -> AsyncClientConfig:
    return AsyncClientConfig(request_timeout=15, max_timeouts=2, encryption_enabled=False)


@dataclass
class Partner:
    """A member using a Matrix client (a real matrix-nio AsyncClient)."""

    user: MatrixUser
    client: AsyncClient
    seen: list[dict[str, Any]] = field(default_factory=list)  # every room event received, raw
    invites: dict[str, str] = field(default_factory=dict)  # room id -> who invited

    @property
    def user_id(self) -> str:
        return self.user.user_id

    async def sync(self, timeout_ms: int = 1000) -> SyncResponse:
        # a large timeline limit: a busy room must not drop events between two syncs (limited)
        response = await self.client.sync(timeout=timeout_ms, sync_filter=PARTNER_FILTER)
        assert isinstance(response, SyncResponse), response
        for room_id, info in response.rooms.join.items():
            for event in info.timeline.events:
                self.seen.append({**event.source, "room_id": room_id})
        for room_id, info in response.rooms.invite.items():
            for event in info.invite_state:
                mine = getattr(event, "state_key", None) == self.user_id
                if mine and getattr(event, "membership", "") == "invite":
                    self.invites[room_id] = event.sender
        return response

    async def send(self, room_id: str, body: str, **extra: Any) -> str:
        content = {"msgtype": "m.text", "body": body, **extra}
        response = await self.client.room_send(room_id, "m.room.message", content)
        assert isinstance(response, RoomSendResponse), response
        return response.event_id

    async def react(self, room_id: str, event_id: str, key: str = "✅") -> str:
        content = {"m.relates_to": {"rel_type": "m.annotation", "event_id": event_id, "key": key}}
        response = await self.client.room_send(room_id, "m.reaction", content)
        assert isinstance(response, RoomSendResponse), response
        return response.event_id

    async def wait_for(
        self, predicate: Callable[[dict[str, Any]], bool], timeout: float = DEADLINE, after: int = 0
    ) -> dict[str, Any]:
        """The first event (raw, with room_id) at index >= `after` of `seen` matching `predicate`."""
        async with asyncio.timeout(timeout):
            while True:
                for event in self.seen[after:]:
                    if predicate(event):
                        return event
                await self.sync()

    async def reply_to(
        self, room_id: str, body: str, expect: str, bot: str, timeout: float = DEADLINE, **extra: Any
    ) -> dict[str, Any]:
        """Send a line and wait for the bot's message containing `expect` in that room, after it.

        `seen` may still be catching up on older events: the answer is looked for only after
        our own line in the timeline, so an older message never passes for it.
        """
        sent = await self.send(room_id, body, **extra)
        ours = await self.wait_for(lambda e: e.get("event_id") == sent, timeout)
        return await self.wait_for(from_bot(bot, room_id, expect), timeout, after=self.seen.index(ours) + 1)


async def ask_until(
    person: Partner, room_id: str, line: str, expect: str, bot: str, done: Callable[[str], bool]
) -> str:
    """Ask again (each time a round trip through the homeserver) until the answer's body satisfies
    `done`: for what reaches the bot asynchronously (read receipts, reactions)."""
    async with asyncio.timeout(DEADLINE):
        while True:
            answer = await person.reply_to(room_id, line, expect, bot)
            if done(answer["content"]["body"]):
                return str(answer["content"]["body"])


def membership(user_id: str, room_id: str, state: str) -> Callable[[dict[str, Any]], bool]:
    """The `m.room.member` event putting `user_id` in `state` (join, leave…) in `room_id`."""
    return lambda e: (
        e.get("room_id") == room_id
        and e.get("state_key") == user_id
        and e.get("type") == "m.room.member"
        and e.get("content", {}).get("membership") == state
    )


def joined(user_id: str, room_id: str) -> Callable[[dict[str, Any]], bool]:
    """The join of `user_id` in `room_id`."""
    return lambda e: (
        e.get("room_id") == room_id
        and e.get("state_key") == user_id
        and e.get("type") == "m.room.member"
        and e.get("content", {}).get("membership") == "join"
    )


def from_bot(bot: str, room_id: str, expect: str = "") -> Callable[[dict[str, Any]], bool]:
    def match(event: dict[str, Any]) -> bool:
        return (
            event.get("sender") == bot
            and event.get("room_id") == room_id
            and event.get("type") == "m.room.message"
            and expect in str(event.get("content", {}).get("body", ""))
        )

    return match


@contextlib.asynccontextmanager
async def partner(hs: SynapseServer, user: MatrixUser, display_name: str | None = None) -> Any:
    client = AsyncClient(hs.base_url, user.user_id, config=client_config())
    client.user_id, client.device_id, client.access_token = user.user_id, user.device_id, user.access_token
    try:
        if display_name:
            await client.set_displayname(display_name)
        person = Partner(user, client)
        await person.sync(0)
        yield person
    finally:
        await client.close()


async def create_room(owner: Partner, *members: Partner, invite: tuple[str, ...] = (), **options: Any) -> str:
    """`owner` creates a room, invites the others (and `invite`), and the partners join."""
    response = await owner.client.room_create(
        name=f"room-{time.monotonic_ns() % 10**8}", invite=[m.user_id for m in members] + list(invite), **options
    )
    assert isinstance(response, RoomCreateResponse), response
    for member in members:
        joined = await member.client.join(response.room_id)
        assert isinstance(joined, JoinResponse), joined
    return response.room_id


def bot_config(
    hs: SynapseServer,
    bot: MatrixUser,
    database_url: str,
    circles: dict[str, list[str]],
    language: str = "fr",
    facilitators: tuple[str, ...] = (),
    **matrix: Any,
) -> Config:
    section = {
        "homeserver": hs.base_url,
        "user_id": bot.user_id,
        "access_token": bot.access_token,
        "device_id": bot.device_id,
        "sync_timeout": 5,
        "max_backoff": 1,
        **matrix,
    }
    return config_from_dict(
        {
            "community": {
                "name": "Essonne",
                "language": language,
                "timezone": "Europe/Paris",
                "default_circle": "COPIL",
                "facilitators": list(facilitators),
            },
            "database": {"url": database_url},
            "circles": [{"name": name, "channels": channels} for name, channels in circles.items()],
            "matrix": section,
        }
    )


@dataclass
class LiveBot:
    app: App
    runner: Runner
    task: asyncio.Task[int]
    stop: asyncio.Event

    @property
    def adapter(self) -> Any:
        return self.runner.adapters[0]

    async def wait_online(self, timeout: float = DEADLINE) -> None:
        async with asyncio.timeout(timeout):
            while not (self.runner.adapters and self.adapter.online.is_set()):
                if self.task.done():
                    raise AssertionError(f"the bot stopped: {self.task.result()} {self.runner.problem}")
                await asyncio.sleep(0.02)  # readiness polling

    async def close(self) -> int:
        self.stop.set()
        code = await asyncio.wait_for(self.task, 15)
        self.app.close()
        return code


async def start_bot(config: Config, clock: Clock | None = None) -> LiveBot:
    app = build_app(config, clock)
    runner = Runner(app, poll_seconds=0.2)
    stop = asyncio.Event()
    task = asyncio.create_task(runner.serve(stop))
    bot = LiveBot(app, runner, task, stop)
    await bot.wait_online()
    return bot


async def run_until_it_stops(config: Config, timeout: float = 30) -> tuple[int, str | None]:
    """Relais started on `config` and left to stop by itself (a fatal problem): its exit code and the problem."""
    app = build_app(config)
    try:
        runner = Runner(app, poll_seconds=0.2)
        code = await asyncio.wait_for(runner.serve(asyncio.Event()), timeout)
    finally:
        app.close()
    return code, runner.problem


def sqlite_url(folder: Path) -> str:
    return f"sqlite:///{folder / 'relais.db'}"
