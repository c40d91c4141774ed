"""What every Slack listener shares: the core, the Web API client, and a few small caches.

The core (dispatcher, services, SQLAlchemy) is synchronous: listeners call it through
`blocking()`, on a small thread pool, after they have acknowledged Slack. `busy()` counts the
work in flight so that `stop()` (and tests) can wait for it to finish.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import addresses, members
from adapters.slack.people import People
from adapters.slack.response_urls import ResponseUrls
from adapters.slack.resyncs import Resyncs
from adapters.slack.settings import SlackSettings
from adapters.slack.workspaces import Workspaces
from bot.dedup import claim, release
from bot.delivery import PermanentFailure, TemporaryFailure
from bot.dispatch import Dispatcher
from bot.i18n import Translator, translator
from bot.reply import Incoming, Reply

log = logging.getLogger(__name__)
P = ParamSpec("P")
T = TypeVar("T")
SOURCE = "slack"  # ProcessedEvent.source, the same as the dispatcher's for slack identities


@dataclass
class Runtime:
    dispatcher: Dispatcher
    client: AsyncWebClient
    settings: SlackSettings
    people: People
    response_urls: ResponseUrls = field(default_factory=ResponseUrls)
    team_id: str | None = None  # the workspace the app is installed in (auth.test)
    bot_user_id: str | None = None
    poke: Callable[[], None] | None = None  # set by the runner: the outbox has something new
    on_revoked: Callable[[], None] | None = None  # set by the adapter: uninstalled, tokens revoked
    executor: ThreadPoolExecutor | None = None
    workspaces: Workspaces | None = None  # several workspaces (OAuth): each one's token (workspaces.py)
    resyncs: Resyncs = field(default_factory=Resyncs)  # channels whose members are read again later
    _people: dict[str, People] = field(default_factory=dict)
    _homes: dict[str, str] = field(default_factory=dict)  # user -> their own workspace, as a payload said
    active: int = 0
    completed: int = 0
    _changed: asyncio.Condition | None = None

    # ------------------------------------------------------------------ addresses

    def team(self, payload_team: str | None = None) -> str:
        """One team id for identities and channels: the configured or installed workspace; under OAuth,
        the workspace the payload comes from (each installed workspace its own)."""
        if payload_team and self.oauth:
            return payload_team
        return self.settings.team_id or self.team_id or payload_team or "T"

    @property
    def oauth(self) -> bool:
        """Several workspaces (`Add to Slack`): each one's own token, people in their own workspace."""
        return self.workspaces is not None and self.workspaces.store is not None

    def identity(self, user: str, payload_team: str | None = None, home: str | None = None) -> str:
        """`slack:T/U`. Under OAuth, T is the person's own workspace: `home` when the payload names it
        (a Slack Connect guest's `user_team`, an interaction's `user.team_id`; see home_team), else once
        Slack described them: a Slack Connect channel seen from two installed workspaces counts each
        person once, from their first contact on."""
        if self.oauth:
            if home and home.startswith("T"):
                self._homes[user] = home
                return addresses.identity(home, user)
            known = self._known_home(user)
            if known:
                return addresses.identity(known, user)
        return addresses.identity(self.team(payload_team), user)

    def _known_home(self, user: str) -> str | None:
        if user in self._homes:
            return self._homes[user]
        return next((found for people in (self.people, *self._people.values()) if (found := people.home(user))), None)

    async def who(self, user: str, payload_team: str | None = None, home: str | None = None) -> str:
        """identity(), after asking Slack who `user` is (users.info with the workspace's token, cached) under
        OAuth when neither the payload nor an earlier look-up told their own workspace: a slash command or a
        ✅ from a Slack Connect guest not met yet (their payloads do not name it) is theirs at once."""
        if self.oauth and not (home and home.startswith("T")) and not self._known_home(user):
            await (await self.people_for(payload_team)).person(user)
        return self.identity(user, payload_team, home)

    def channel(self, channel_id: str, payload_team: str | None = None) -> str:
        return addresses.channel(self.team(payload_team), channel_id)

    def serves(self, team: str) -> bool:
        """Relais can speak in this workspace: the configured one, or any under OAuth (if installed there)."""
        return team == self.team() or self.oauth

    async def people_for(self, team: str | None) -> People:
        """Who is who as the workspace `team` sees it (its own token); the configured client's cache
        when Relais cannot speak there (never raises)."""
        try:
            return await self.people_in(team)
        except (PermanentFailure, TemporaryFailure):
            return self.people

    async def people_in(self, team: str | None) -> People:
        """Who is who, asked with the workspace's own token (PermanentFailure: not installed there)."""
        if self.workspaces is None or self.workspaces.store is None or not team or team == self.team_id:
            return self.people
        client = await self.workspaces.client(team)
        if client is self.people.client:
            return self.people
        if team not in self._people or self._people[team].client is not client:
            self._people[team] = People(client, ttl=self.people.ttl, monotonic=self.people.monotonic)
        return self._people[team]

    def forget(self, user: str) -> None:
        """Ask Slack again about `user` next time, in every workspace's cache (a user_change event)."""
        for people in (self.people, *self._people.values()):
            people.forget(user)

    @property
    def community_tr(self) -> Translator:
        return translator(self.dispatcher.config.language, self.dispatcher.spellings.on("slack"))

    # ------------------------------------------------------------------ running the core

    async def blocking(self, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        if self.executor is None:
            self.executor = ThreadPoolExecutor(self.settings.db_threads, thread_name_prefix="relais-slack")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, functools.partial(function, *args, **kwargs))

    async def handle(self, incoming: Incoming) -> Reply | None:
        """A command line through the dispatcher; its replies go to the outbox, and the runner's delivery
        takes them at commit (bot.outbox).

        A reply that names channels to read again (a channel just linked with /map) has their
        members read from Slack before this returns.
        """
        reply = await self.blocking(self.dispatcher.handle, incoming, True)  # its answers leave as it commits
        if reply is not None and reply.resync:
            await members.sync_channels(self, reply.resync)
        return reply

    async def first_delivery(self, event_id: str | None, work: Callable[[], Awaitable[Any]]) -> bool:
        """Run `work` for the first delivery of an event only (Slack retries carry the same event_id).

        The claim is committed first and released if the work fails, so that a retry does it again.
        """
        store, clock = self.dispatcher.store, self.dispatcher.clock
        if event_id and not await self.blocking(claim, store, clock, SOURCE, event_id):
            log.info("Slack event %s already handled; ignored", event_id)
            return False
        try:
            await work()
        except BaseException:
            if event_id:
                await self.blocking(release, store, SOURCE, event_id)
            raise
        return True

    def notify(self) -> None:
        if self.poke is not None:
            self.poke()

    # ------------------------------------------------------------------ work in flight

    def _condition(self) -> asyncio.Condition:
        if self._changed is None:
            self._changed = asyncio.Condition()
        return self._changed

    @asynccontextmanager
    async def busy(self) -> AsyncIterator[None]:
        """Wrap a listener's work: counted while it runs, logged (never raised) if it fails."""
        condition = self._condition()
        self.active += 1
        try:
            yield
        except Exception:
            log.exception("Slack listener failed")
        finally:
            async with condition:
                self.active -= 1
                self.completed += 1
                condition.notify_all()

    async def wait_completed(self, count: int, timeout: float = 10.0) -> None:
        """Until `count` listeners have finished since start (tests and graceful stop use it)."""
        condition = self._condition()
        async with condition:
            await asyncio.wait_for(condition.wait_for(lambda: self.completed >= count), timeout)

    async def idle(self, timeout: float = 10.0) -> None:
        condition = self._condition()
        async with condition:
            await asyncio.wait_for(condition.wait_for(lambda: self.active == 0), timeout)

    def close(self) -> None:
        self.resyncs.cancel()
        if self.executor is not None:
            self.executor.shutdown(wait=False, cancel_futures=True)
            self.executor = None

    def describe(self) -> dict[str, Any]:
        return {"team": self.team_id, "bot": self.bot_user_id, "mode": self.settings.mode}
