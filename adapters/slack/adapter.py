"""The Slack adapter: build it from the core's dispatcher, then `await start()` / `await stop()`.

    adapter = build_adapter(app.dispatcher)          # reads [slack] from the config
    deliverer = Deliverer(app.store, app.clock, adapter.sender)
    adapter.poke = deliverer.poke                     # deliver as soon as a reply is written
    await adapter.start()

`relais run` does this through `adapters.slack.create(app, hooks)` (see relais/runner.py).

The adapter never sends by itself: replies go to the outbox and the runner's Deliverer hands
them to `adapter.sender` (see sender.py).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from aiohttp import ClientError
from slack_bolt.async_app import AsyncApp
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import (
    addresses,
    commands,
    commitment_actions,
    events,
    full_text,
    home,
    home_settings,
    lifecycle,
    members,
    modal,
    shortcuts,
)
from adapters.slack.mode import HttpTransport, Transport, make_transport
from adapters.slack.pacing import ChannelPacer
from adapters.slack.people import People
from adapters.slack.runtime import Runtime
from adapters.slack.sender import SlackSender
from adapters.slack.settings import SlackSettings, load_settings
from adapters.slack.spooled import watch
from adapters.slack.workspaces import Installations, States, Stores, Workspaces, held_reason
from bot.config import ConfigError
from bot.dispatch import Dispatcher
from bot.i18n import N_
from bot.outbox_leases import release_leases
from bot.services.channels import map_channels
from bot.services.held import release_held
from bot.services.identities import ensure_facilitators

log = logging.getLogger(__name__)
REFUSED = frozenset({"invalid_auth", "token_revoked", "account_inactive", "not_authed"})  # a token Slack took back


def make_client(settings: SlackSettings) -> AsyncWebClient:
    kwargs = {"base_url": settings.api_url} if settings.api_url else {}
    client = AsyncWebClient(token=settings.bot_token or None, timeout=int(settings.timeout), **kwargs)
    return with_rate_limit_retries(client, settings.rate_limit_retries)


def with_rate_limit_retries(client: AsyncWebClient, retries: int) -> AsyncWebClient:
    """slack_sdk retries HTTP 429 after Retry-After only with this handler (not installed by default).

    Bolt copies the client's retry handlers to the clients it gives listeners.
    """
    if not any(isinstance(handler, AsyncRateLimitErrorRetryHandler) for handler in client.retry_handlers):
        client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=retries))
    return client


def make_bolt(client: AsyncWebClient, settings: SlackSettings, oauth: AsyncOAuthSettings | None = None) -> AsyncApp:
    return AsyncApp(
        name="relais",
        client=client,
        signing_secret=settings.signing_secret or "socket-mode-needs-no-signing-secret",
        request_verification_enabled=settings.http,
        process_before_response=False,  # ack first; the listener goes on after the answer
        raise_error_for_unhandled_request=False,
        oauth_settings=oauth,
    )


def installed(runtime: Runtime, workspaces: Workspaces) -> Callable[[str], Awaitable[None]]:
    """After `Add to Slack` in a workspace: its new token is read, and what was held for it goes now."""

    async def saved(team: str) -> None:
        workspaces.forget(team)
        released = await runtime.blocking(release_held, runtime.dispatcher, "slack", held_reason(team))
        if released:
            log.info("Slack workspace %s installed again: %d held message(s) go out now", team, released)
            runtime.notify()

    return saved


def oauth_settings(
    settings: SlackSettings, stores: Stores, runtime: Runtime, workspaces: Workspaces
) -> AsyncOAuthSettings:
    """Bolt's OAuth flow (`Add to Slack`): each workspace's installation kept in Relais' database."""
    return AsyncOAuthSettings(
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        scopes=list(settings.scopes),
        install_path=settings.install_path,
        redirect_uri_path=settings.redirect_path,
        installation_store=Installations(stores.installations, runtime.blocking, installed(runtime, workspaces)),
        state_store=States(stores.states, runtime.blocking),
    )


def configured_installation(runtime: Runtime, auth: Any) -> Installation:
    """`slack.bot_token`'s workspace as an installation (what auth.test says of it)."""
    return Installation(
        app_id=str(auth.get("app_id") or ""),  # not in auth.test; the store wants a value
        team_id=runtime.team_id,
        team_name=str(auth.get("team") or "") or None,
        bot_token=runtime.client.token,
        bot_id=str(auth.get("bot_id") or "") or None,
        bot_user_id=runtime.bot_user_id,
        bot_scopes=list(runtime.settings.scopes),
        user_id=runtime.bot_user_id or "",
    )


class SlackAdapter:
    platform = "slack"

    def __init__(
        self,
        runtime: Runtime,
        bolt: AsyncApp,
        transport: Transport,
        sender: SlackSender,
        fatal: Callable[..., None] | None = None,
    ) -> None:
        self.runtime = runtime
        self.bolt = bolt
        self.transport = transport
        self.sender = sender
        self.fatal = fatal
        self.started = False
        self.online = asyncio.Event()  # set while connected: the runner delivers only then
        self.session: aiohttp.ClientSession | None = None
        self.revoked = False  # uninstalled or tokens revoked: nothing more is posted (lifecycle.py)
        runtime.on_revoked = self.revoke

    def revoke(self) -> None:
        """Slack took the app's tokens back: the runner's delivery stops (rows wait in the outbox)."""
        self.revoked = True
        self.online.clear()

    @property
    def poke(self) -> Callable[[], None] | None:
        return self.runtime.poke

    @poke.setter
    def poke(self, value: Callable[[], None] | None) -> None:
        self.runtime.poke = value

    @property
    def url(self) -> str | None:
        """HTTP mode: where Slack must send requests (once started)."""
        return self.transport.url if isinstance(self.transport, HttpTransport) else None

    async def start(self) -> None:
        store, clock = self.runtime.dispatcher.store, self.runtime.dispatcher.clock
        # outside the try: a leases folder that cannot be made is said as it is, not as "Slack is unreachable"
        if released := await self.runtime.blocking(release_leases, store, "slack", clock.now()):
            # those of a process that is gone (killed, stopped): looked for in their conversation before posting
            log.info("%d Slack message(s) interrupted by a stop: sent again unless found where they go", released)
        try:
            await self._start()
        except SlackApiError as error:
            code = error.response.get("error") if isinstance(error.response.data, dict) else error.response.status_code
            self._fail(
                N_(
                    "Slack refused to connect ({code}): check slack.bot_token and, in Socket Mode, slack.app_token "
                    "(RELAIS_SLACK_BOT_TOKEN, RELAIS_SLACK_APP_TOKEN) and that the app is installed in the workspace"
                ),
                code=code,
            )
        except (ClientError, TimeoutError, OSError) as error:
            self._fail(N_("Slack is unreachable: {problem}"), problem=repr(error))

    def _fail(self, message: str, **values: object) -> None:
        """`message` is an English msgid: a ConfigError for the command line, or the runner's fatal (the log in
        English, the command line's last line in the operator's language)."""
        if self.fatal is None:
            raise ConfigError(message, **values)
        self.fatal(message, **values)

    async def _start(self) -> None:
        runtime = self.runtime
        if runtime.client.session is None:  # one keep-alive session for every call (the SDK's default: one per call)
            self.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=runtime.settings.timeout))
            runtime.client.session = self.session
        auth = await self._configured_auth() if runtime.client.token else None
        if auth is not None:  # the configured workspace
            await self._configured_workspace(auth)
        elif runtime.oauth:
            await members.sync_all(runtime)  # each installed workspace's mapped channels, with its token
        await self.transport.start()
        self.started = True
        self.online.set()

    async def _configured_auth(self) -> Any:
        """auth.test of slack.bot_token. With several workspaces, a refused token (its workspace uninstalled
        Relais) leaves only that workspace out (None): the others, added with `Add to Slack`, go on."""
        try:
            return await self.runtime.client.auth_test()
        except SlackApiError as error:
            code = error.response.get("error") if isinstance(error.response.data, dict) else None
            if not self.runtime.oauth or code not in REFUSED:
                raise
            log.warning(
                "Slack refused slack.bot_token (%s): its workspace is left out, its messages held; the "
                "workspaces added with Add to Slack go on",
                code,
            )
            return None

    async def _configured_workspace(self, auth: Any) -> None:
        """The workspace of `slack.bot_token`: who we are there, its facilitators, channels and members."""
        runtime = self.runtime
        runtime.team_id = str(auth.get("team_id") or "") or None
        runtime.bot_user_id = str(auth.get("user_id") or "") or None
        log.info(
            "Slack workspace %s (team_id %s), bot user %s",
            auth.get("team"),
            runtime.team_id,
            runtime.bot_user_id,
        )
        if runtime.oauth and runtime.workspaces is not None and runtime.team_id:  # a mixed configuration
            await runtime.workspaces.adopt(configured_installation(runtime, auth))
        if runtime.settings.facilitators:
            names = await runtime.people.names(runtime.settings.facilitators)
            people = {runtime.identity(user): name for user, name in names.items()}
            done = await runtime.blocking(ensure_facilitators, runtime.dispatcher, people)
            log.info("Slack facilitators: %s", ", ".join(done))
        if runtime.settings.channels:
            team = runtime.team()
            wanted = {
                addresses.channel(team, channel_id): name for channel_id, name in runtime.settings.channels.items()
            }
            for channel, circle in await runtime.blocking(map_channels, runtime.dispatcher, wanted):
                log.info("Slack channel mapped to a circle: %s -> %s", addresses.local_id(channel), circle)
        await members.sync_all(runtime)  # before listening: the circles start as Slack shows them

    async def stop(self, timeout: float = 10.0) -> None:
        """Stop receiving, let the work in flight finish (up to `timeout`), release the threads."""
        self.online.clear()
        await self.transport.stop()
        self.started = False
        try:
            await self.runtime.idle(timeout)
        except TimeoutError:
            log.warning("Slack: %s listener(s) still running at stop", self.runtime.active)
        self.runtime.close()
        session, self.session = self.session, None
        if session is not None:
            self.runtime.client.session = None
            await session.close()

    async def idle(self, timeout: float = 10.0) -> None:
        await self.runtime.idle(timeout)


def build_adapter(
    dispatcher: Dispatcher,
    settings: SlackSettings | None = None,
    *,
    client: AsyncWebClient | None = None,
    pacer: ChannelPacer | None = None,
    monotonic: Callable[[], float] = time.monotonic,
    fatal: Callable[..., None] | None = None,
    stores: Stores | None = None,
) -> SlackAdapter:
    """The adapter for the config's [slack] section (or `settings`); `client` for tests and proxies;
    `stores` (relais/slack_stores.py) when `slack.client_id` installs Relais in several workspaces."""
    settings = settings or load_settings(dispatcher.config)
    client = with_rate_limit_retries(client, settings.rate_limit_retries) if client else make_client(settings)
    runtime = Runtime(
        dispatcher=dispatcher, client=client, settings=settings, people=People(client, monotonic=monotonic)
    )
    runtime.response_urls.monotonic = monotonic
    if settings.oauth and stores is None:
        raise ValueError("slack.client_id: the composition root must give the installation stores")
    stores = stores if settings.oauth else None
    workspaces = Workspaces(client, runtime.blocking, stores.installations if stores else None)
    oauth = oauth_settings(settings, stores, runtime, workspaces) if stores else None
    bolt = make_bolt(client, settings, oauth)
    watch(bolt)  # each request's listeners counted: the spool marks it done once they have ended
    runtime.workspaces = workspaces
    for module in (
        commands,
        modal,
        shortcuts,
        events,
        home,
        home_settings,
        commitment_actions,
        full_text,
        members,
        lifecycle,
    ):
        module.register(bolt, runtime)
    sender = SlackSender(
        dispatcher=dispatcher,
        client=client,
        blocking=runtime.blocking,
        pacer=pacer or ChannelPacer(interval=settings.pace_seconds, monotonic=monotonic),
        response_urls=runtime.response_urls,
        team=runtime.team,
        workspaces=workspaces if settings.oauth else None,
    )
    return SlackAdapter(runtime, bolt, make_transport(bolt, settings, client), sender, fatal)
