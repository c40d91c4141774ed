"""Several Slack workspaces: which bot token speaks for which workspace (team id).

With one bot token (`slack.bot_token`), every call goes through the one client, as always. With
`slack.client_id` (OAuth), each workspace installs Relais with `Add to Slack` (`/slack/install`,
HTTP mode): Bolt's OAuth flow keeps each installation in an installation store, and a message
for a channel `slack:T…/C…` is sent with the token of workspace T….

The stores are slack_sdk's SQLAlchemy ones on Relais' own database; they are built by the
composition root (relais/slack_stores.py), because adapters never touch SQLAlchemy or bot.db.
Here they are only their slack_sdk interfaces (InstallationStore, OAuthStateStore), synchronous,
run on the adapter's threads (`blocking`) and seen by Bolt as asynchronous stores.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.oauth.installation_store import Bot, Installation, InstallationStore
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.state_store import OAuthStateStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.web.async_client import AsyncWebClient

from bot.delivery import Held, PermanentFailure

log = logging.getLogger(__name__)
Blocking = Callable[..., Awaitable[Any]]


@dataclass(frozen=True)
class Stores:
    """What the composition root hands the adapter for OAuth: installations and the flow's states."""

    installations: InstallationStore
    states: OAuthStateStore


class Installations(AsyncInstallationStore):
    """slack_sdk's synchronous installation store, run on the adapter's threads; a new installation
    forgets the client cached for its workspace (a reinstall brings a new token)."""

    def __init__(self, store: InstallationStore, blocking: Blocking, saved: Callable[[str], Awaitable[None]]) -> None:
        self.store = store
        self.blocking = blocking
        self.saved = saved

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_save(self, installation: Installation) -> None:
        await self.blocking(self.store.save, installation)
        log.info("Slack: Relais installed in workspace %s (%s)", installation.team_name, installation.team_id)
        await self.saved(str(installation.team_id or ""))

    async def async_save_bot(self, bot: Bot) -> None:
        await self.blocking(self.store.save_bot, bot)

    async def async_find_bot(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False
    ) -> Bot | None:
        return await self.blocking(
            self.store.find_bot,
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=is_enterprise_install,
        )

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        return await self.blocking(
            self.store.find_installation,
            enterprise_id=enterprise_id,
            team_id=team_id,
            user_id=user_id,
            is_enterprise_install=is_enterprise_install,
        )


class States(AsyncOAuthStateStore):
    """The OAuth flow's `state` values (issued at /slack/install, consumed once at the redirect)."""

    def __init__(self, store: OAuthStateStore, blocking: Blocking) -> None:
        self.store = store
        self.blocking = blocking

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        return str(await self.blocking(self.store.issue))

    async def async_consume(self, state: str) -> bool:
        return bool(await self.blocking(self.store.consume, state))


def held_reason(team: str) -> str:
    """What a held message's last error says (and what finds them again at a reinstall)."""
    return f"Relais was uninstalled from the Slack workspace {team}:"


@dataclass
class Workspaces:
    """The Web API client for a workspace: its own bot token under OAuth, else the one client."""

    base: AsyncWebClient
    blocking: Blocking
    store: InstallationStore | None = None
    _clients: dict[str, AsyncWebClient] = field(default_factory=dict)

    async def client(self, team: str | None) -> AsyncWebClient:
        """The client speaking for `team`; PermanentFailure when Relais is not installed there."""
        if self.store is None or not team:
            return self.base
        cached = self._clients.get(team)
        if cached is not None:
            return cached
        bot = await self.blocking(self.store.find_bot, enterprise_id=None, team_id=team)
        if bot is None or not bot.bot_token:
            if await self.blocking(self.store.find_installation, enterprise_id=None, team_id=team) is not None:
                raise Held(held_reason(team) + " its messages wait")
            if self.base.token:  # the single-token workspace, configured as before
                return self.base
            raise PermanentFailure(f"Relais is not installed in the Slack workspace {team}")
        client = AsyncWebClient(
            token=bot.bot_token,
            base_url=self.base.base_url,
            timeout=self.base.timeout,
            session=self.base.session,
            retry_handlers=list(self.base.retry_handlers),
        )
        self._clients[team] = client
        return client

    def forget(self, team: str) -> None:
        """A new installation (or reinstallation) of `team`: read its token again."""
        self._clients.pop(team, None)

    async def uninstalled(self, team: str) -> None:
        """`team` uninstalled Relais (or revoked its bot token): its bot token is dropped from the store,
        its installation is kept as the mark that it was there, so its messages are held (Held), not
        lost, until `Add to Slack` there again saves a new token; the other workspaces go on."""
        if self.store is not None:
            await self.blocking(self.store.delete_bot, enterprise_id=None, team_id=team)
        self.forget(team)

    async def adopt(self, installation: Installation) -> None:
        """The workspace of `slack.bot_token` (auth.test just accepted it) in the installation store too, so
        that Bolt authorizes its events like the others': saved unless the store has that token already."""
        if self.store is None or not installation.team_id:
            return
        bot = await self.blocking(self.store.find_bot, enterprise_id=None, team_id=installation.team_id)
        if bot is not None and bot.bot_token == installation.bot_token:
            return
        await self.blocking(self.store.save, installation)
        self.forget(installation.team_id)
        log.info("Slack: the workspace of slack.bot_token (%s) is in the installation store", installation.team_id)
