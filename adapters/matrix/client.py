"""Logging in, and the sync loop: without loss, without replay, without a tight loop.

* The sync token lives in Relais' database and is saved only *after* a batch's events were
  handled (nio updates its own `next_batch` before callbacks run: Relais does not rely on it
  and registers no callbacks). A crash mid-batch replays the batch; commands are
  de-duplicated by event id. It is written once the batch's answers have reached the homeserver
  (50 ms later, the newest position only, while the next sync already waits), and at most once
  every `save_every` seconds (2 s: a busy room's batches share one write, about a millisecond of
  CPU each; a crash replays at most those seconds, harmlessly): a reply never waits for it, nor
  competes with it for the processor. A stop writes it at once.
* The very first start has no token: it syncs once, ignores that history and keeps the token.
* Network errors and homeserver errors are retried with exponential backoff (capped by
  `max_backoff`); `M_LIMIT_EXCEEDED` waits `retry_after_ms`. nio is told never to retry by
  itself (`max_timeouts=0`, `max_limit_exceeded=0`: its default is to retry forever).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from nio import (
    AsyncClient,
    AsyncClientConfig,
    LoginResponse,
    ProfileGetDisplayNameResponse,
    SyncError,
    SyncResponse,
    WhoamiResponse,
)

from adapters.matrix.config import MatrixConfig
from adapters.matrix.errors import (
    FATAL_CODES,
    LOGIN_REFUSED,
    NETWORK_ERRORS,
    FatalError,
    describe,
    http_status,
    retry_after,
)
from adapters.matrix.handler import BatchHandler
from adapters.matrix.state import MatrixState
from adapters.matrix.store_reset import replaced_device

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
TOKEN = "next_batch"
SAVE_AFTER = 0.05  # seconds after a batch before its position is written (its answers have left meanwhile)
SAVE_EVERY = 2.0  # seconds at least between two writes of the position (the newest one is written)
DEVICE = "device_id"


def e2e_available() -> bool:
    """True when nio was installed with its end-to-end extra (vodozemac)."""
    from nio.crypto import ENCRYPTION_ENABLED

    return bool(ENCRYPTION_ENABLED)


def make_client(config: MatrixConfig, e2e: bool) -> AsyncClient:
    if e2e and config.store_path:
        Path(config.store_path).expanduser().mkdir(parents=True, exist_ok=True)
    client_config = AsyncClientConfig(
        max_limit_exceeded=0,  # a 429 comes back to us: we wait retry_after_ms ourselves
        max_timeouts=0,  # a connection error comes back to us: we back off ourselves
        request_timeout=config.request_timeout,
        encryption_enabled=e2e,
        store_sync_tokens=False,
    )
    return AsyncClient(
        config.homeserver,
        config.user_id,
        device_id=config.device_id,
        store_path=str(Path(config.store_path).expanduser()) if config.store_path else "",
        config=client_config,
    )


def backoff(failures: int, cap: float) -> float:
    """0.5 s, 1 s, 2 s, 4 s… up to `cap`."""
    return min(cap, 0.5 * 2 ** max(failures - 1, 0))


def sync_filter(timeline_limit: int) -> dict[str, Any]:
    return {"presence": {"not_types": ["*"]}, "room": {"timeline": {"limit": timeline_limit}}}


async def retrying(what: str, attempt: Callable[[], Awaitable[Any]], cap: float, sleep: Sleep) -> Any:
    """Call `attempt` until the homeserver really answers: network errors and 5xx are retried with
    backoff, M_LIMIT_EXCEEDED after retry_after_ms; any other answer is returned."""
    failures = 0
    while True:
        try:
            response = await attempt()
        except NETWORK_ERRORS as error:
            why = f"homeserver unreachable ({describe(error)})"
        else:
            status = http_status(response)
            limited = getattr(response, "status_code", None) == "M_LIMIT_EXCEEDED" or status == 429
            if not limited and not (status is not None and status >= 500):
                return response
            why = f"homeserver busy ({response})"
            if limited and retry_after(response) is not None:
                failures += 1
                log.warning("%s: %s; again in %.1f s", what, why, retry_after(response))
                await sleep(retry_after(response) or 0)
                continue
        failures += 1
        wait = backoff(failures, cap)
        log.warning("%s: %s; again in %.1f s", what, why, wait)
        await sleep(wait)


async def connect(
    client: AsyncClient, config: MatrixConfig, state: MatrixState, e2e: bool, sleep: Sleep = asyncio.sleep
) -> str | None:
    """Log in (token, or password with a device id kept across restarts). Returns the display name."""
    if config.access_token:
        client.user_id, client.access_token = config.user_id, config.access_token
        who = await retrying("whoami", client.whoami, config.max_backoff, sleep)
        if not isinstance(who, WhoamiResponse):
            raise FatalError(
                "the Matrix access token was refused ({reason}): check matrix.access_token "
                "(RELAIS_MATRIX_ACCESS_TOKEN)",
                reason=str(who),
            )
        if who.user_id != config.user_id:
            raise FatalError(
                "the Matrix access token belongs to {owner}, not to matrix.user_id {user}",
                owner=who.user_id,
                user=config.user_id,
            )
        device = who.device_id or config.device_id  # the token's own device is the truth
        if config.device_id and who.device_id and who.device_id != config.device_id:
            log.warning(
                "the access token belongs to device %s, not matrix.device_id %s: using %s",
                who.device_id,
                config.device_id,
                who.device_id,
            )
        if e2e and not device:
            raise FatalError("end-to-end encryption needs matrix.device_id with an access token")
        if device:
            client.restore_login(config.user_id, device, config.access_token)
    else:
        client.device_id = config.device_id or state.get(DEVICE)
        response = await retrying(
            "login",
            lambda: client.login(password=config.password, device_name=config.device_name),
            config.max_backoff,
            sleep,
        )
        if not isinstance(response, LoginResponse):
            raise FatalError(LOGIN_REFUSED, user=config.user_id, reason=str(response))
        state.set(DEVICE, response.device_id)  # Synapse de-duplicates transaction ids per device
        log.info("logged in as %s, device %s", response.user_id, response.device_id)
    if e2e:
        new_device = await replaced_device(client, config)
        if new_device is not None:
            state.set(DEVICE, new_device)
    if e2e and client.should_upload_keys:
        await client.keys_upload()
    profile = await retrying("profile", lambda: client.get_displayname(config.user_id), config.max_backoff, sleep)
    return profile.displayname if isinstance(profile, ProfileGetDisplayNameResponse) else None


class SyncLoop:
    def __init__(
        self,
        client: AsyncClient,
        config: MatrixConfig,
        state: MatrixState,
        handler: BatchHandler,
        on_online: Callable[[], None],
        e2e: bool = False,
        sleep: Sleep = asyncio.sleep,
        online: asyncio.Event | None = None,
        save_after: float = SAVE_AFTER,
        save_every: float = SAVE_EVERY,
    ) -> None:
        self.client = client
        self.config = config
        self.state = state
        self.handler = handler
        self.on_online = on_online
        self.e2e = e2e
        self.sleep = sleep
        self.online = online or asyncio.Event()  # set while the homeserver answers
        self.failures = 0
        self.batches = 0
        self.save_after = save_after  # 0: the position is written before step() returns
        self.save_every = save_every
        self._unsaved: str | None = None
        self._saved_at: float | None = None  # the event loop's time of the last write
        self._saver: asyncio.Task[None] | None = None

    async def run(self, batches: int | None = None) -> None:
        """Sync until cancelled (or `batches` batches were handled, for tests)."""
        token = self.state.get(TOKEN)
        if token is None:
            log.info("first start: the rooms' history is not handled")
        try:
            while batches is None or self.batches < batches:
                token = await self.step(token)
        finally:
            self.save_now()  # stopping: what was handled is not handled again at the next start

    def remember(self, token: str) -> None:
        """The batch up to `token` was handled: write the position once its answers have reached the
        homeserver (`save_after` seconds later) and `save_every` seconds after the last write, the
        newest one only, while the next sync already waits."""
        self._unsaved = token
        if self.save_after <= 0:
            self.save_now()
        elif self._saver is None or self._saver.done():
            self._saver = asyncio.create_task(self._save_later(), name="matrix-sync-position")

    async def _save_later(self) -> None:
        wait = self.save_after
        if self._saved_at is not None:
            wait = max(wait, self._saved_at + self.save_every - asyncio.get_running_loop().time())
        await asyncio.sleep(wait)
        self.save_now()

    def save_now(self) -> None:
        token, self._unsaved = self._unsaved, None
        if token is None:
            return
        with contextlib.suppress(RuntimeError):  # no running loop: a stop after the loop closed
            self._saved_at = asyncio.get_running_loop().time()
        try:
            self.state.set(TOKEN, token)
        except Exception:  # the database is away: the next batch's position will be written instead
            log.exception("could not write the Matrix sync position")

    async def step(self, token: str | None) -> str | None:
        """One sync request and its batch. Returns the token to go on from."""
        try:
            self.client.next_batch = token  # a replayed batch must be handled by nio again (decryption)
            # no long-poll on (re)start nor right after a failure: know at once that the server answers
            quick = token is None or self.failures > 0 or self.batches == 0
            response = await self.client.sync(
                timeout=1 if quick else int(self.config.sync_timeout * 1000),
                sync_filter=sync_filter(self.config.timeline_limit if token else 1),
                since=token,
                # a new crypto store knows no room: learn which are encrypted before sending to any
                full_state=self.e2e and self.batches == 0 and token is not None,
            )
        except NETWORK_ERRORS as error:
            await self.failed(f"homeserver unreachable ({describe(error)})")
            return token
        if isinstance(response, SyncError):
            if response.status_code in FATAL_CODES:
                raise FatalError(
                    "the Matrix homeserver refused Relais' session ({reason}): its access token was revoked or "
                    "its account deactivated",
                    reason=str(response),
                )
            limited = response.status_code == "M_LIMIT_EXCEEDED"
            await self.failed(str(response), retry_after(response) if limited else None)
            return token
        assert isinstance(response, SyncResponse)
        self.went_online()
        try:
            await self.handler.process(response, since=token)
            if self.e2e:
                await self.keys()
        except NETWORK_ERRORS as error:
            await self.failed(f"homeserver unreachable mid-batch ({describe(error)}); replayed next")
            return token
        # the answers this batch wrote are already on their way (bot.delivery takes them at commit):
        # let them leave first, then remember the position (a crash before it replays the batch)
        await asyncio.sleep(0)
        self.remember(response.next_batch)
        if token is None:  # the first start's position at once: killed before it, the next start would be
            self.save_now()  # a first start again and take what members type meanwhile for history
        self.failures = 0
        self.batches += 1
        return response.next_batch

    async def keys(self) -> None:
        """End-to-end housekeeping that nio's sync_forever would do."""
        if self.client.should_upload_keys:
            await self.client.keys_upload()
        if self.client.should_query_keys:
            await self.client.keys_query()
        if self.client.should_claim_keys:
            await self.client.keys_claim(self.client.get_users_for_key_claiming())
        await self.client.send_to_device_messages()

    def went_online(self) -> None:
        if not self.online.is_set():
            if self.failures:
                log.info("homeserver reachable again")
            self.online.set()
            self.on_online()

    async def failed(self, why: str, wait: float | None = None) -> None:
        self.failures += 1
        self.online.clear()
        if wait is None:
            wait = backoff(self.failures, self.config.max_backoff)
        log.warning("sync failed: %s; again in %.1f s", why, wait)
        await self.sleep(wait)
