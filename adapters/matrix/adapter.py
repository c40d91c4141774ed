"""The Matrix adapter: wiring of client, sync loop, rooms, read signals and sender.

`create(app, hooks)` is what `relais run` calls; `start()` returns at once (the homeserver
may be down: the loop keeps trying), `stop()` ends the loop and closes the connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path

from nio import RoomGetEventResponse

from adapters.matrix.client import SyncLoop, connect, e2e_available, make_client
from adapters.matrix.config import MatrixConfig, matrix_config
from adapters.matrix.errors import NETWORK_ERRORS, FatalError, describe
from adapters.matrix.handler import BatchHandler
from adapters.matrix.inbound import Addressing
from adapters.matrix.keyfile import default_key_file
from adapters.matrix.members import RoomMembers
from adapters.matrix.reads import ReadSignals
from adapters.matrix.rooms import Rooms
from adapters.matrix.sender import MatrixSender
from adapters.matrix.state import MatrixState
from adapters.matrix.trust import CrossSigning, TrustError
from adapters.matrix.undecryptable import Undecryptable
from bot.app import App, RunHooks
from bot.i18n import N_
from bot.outbox_leases import release_leases

log = logging.getLogger(__name__)


class MatrixAdapter:
    platform = "matrix"

    def __init__(self, app: App, hooks: RunHooks, config: MatrixConfig | None = None) -> None:
        self.app = app
        self.hooks = hooks
        self.config = config or matrix_config(app.config)
        self.e2e = bool(self.config.store_path) and e2e_available()
        if self.config.store_path and not self.e2e:
            log.warning("matrix.store_path is set but end-to-end support is not installed: pip install 'relais[e2e]'")
        self.client = make_client(self.config, self.e2e)
        self.state = MatrixState(app.dispatcher, self.config.user_id)
        self.members = RoomMembers(self.client, app.dispatcher, self.config)
        self.rooms = Rooms(self.client, app.dispatcher, self.state, self.config, hooks.outbox_written, self.e2e)
        self.reads = ReadSignals(app.dispatcher, self.state, self.config.user_id, self._event_time, self._name)
        self.sender = MatrixSender(self.client, self.rooms, self.state, self.config.react_on_items)
        self.loop: SyncLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self.online = asyncio.Event()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="matrix-sync")

    async def _run(self) -> None:
        try:
            display_name = await connect(self.client, self.config, self.state, self.e2e)
            if self.e2e and self.config.cross_signing:
                await self.cross_sign()
            self.rooms.reapply_upgrades()
            if released := await self.app.store.off_loop(
                lambda: release_leases(self.app.store, self.platform, self.app.clock.now())
            ):  # those of a process that is gone (killed, stopped): another live process' stay its own
                log.info("%d message(s) interrupted by a stop: sent again unless found in their room", released)
            router = self.app.dispatcher.router
            addressing = Addressing(
                self.config.user_id,
                self.config.prefix,
                display_name,
                is_command=lambda name: router.find(name) is not None,
            )
            handler = BatchHandler(
                self.client,
                self.app.dispatcher,
                self.rooms,
                self.members,
                self.reads,
                addressing,
                self.hooks.outbox_written,
                Undecryptable(self.app.dispatcher, self.rooms, self.state, self.hooks.outbox_written)
                if self.e2e
                else None,
                own_posts=self.sender.seen,
            )
            self.loop = SyncLoop(
                self.client, self.config, self.state, handler, self._went_online, self.e2e, online=self.online
            )
            log.info("matrix: connected as %s on %s", self.config.user_id, self.config.homeserver)
            await self.loop.run()
        except asyncio.CancelledError:
            raise
        except FatalError as error:
            self.hooks.fatal(error.message, **error.values)
        except Exception as error:  # a bug: say it loudly rather than sit there deaf
            log.exception("the Matrix adapter stopped")
            self.hooks.fatal(N_("the Matrix adapter stopped on an unexpected error: {error}"), error=repr(error))

    async def cross_sign(self) -> bool:
        """Relais' device signed by its own cross-signing identity (adapters.matrix.trust)."""
        assert self.config.store_path is not None
        configured = self.config.cross_signing_file
        key_file = Path(configured).expanduser() if configured else default_key_file(self.config.store_path)
        trust = CrossSigning(self.client, key_file, self.config.password, self.config.recovery_key)
        try:
            return await trust.ensure()
        except (TrustError, ValueError, *NETWORK_ERRORS) as error:
            log.error(
                "cross-signing: %s. Relais goes on, but clients that share room keys only with devices signed "
                "by their owner (Element, Tchap) will not show it their messages",
                describe(error) if isinstance(error, NETWORK_ERRORS) else error,
            )
            return False

    def _went_online(self) -> None:
        self.hooks.outbox_written()  # what was queued while the homeserver was away leaves now

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.sender.settle()  # the ✅ under an item just posted is not lost with the connection
        await self.client.close()

    async def _event_time(self, room_id: str, event_id: str) -> int | None:
        response = await self.client.room_get_event(room_id, event_id)
        if isinstance(response, RoomGetEventResponse):
            ms = response.event.source.get("origin_server_ts")
            return ms if isinstance(ms, int) else None
        return None

    def _name(self, room_id: str, user_id: str) -> str | None:
        room = self.client.rooms.get(room_id)
        user = room.users.get(user_id) if room is not None else None
        name = getattr(user, "display_name", None)
        return name if isinstance(name, str) and name.strip() and name != user_id else None


def create(app: App, hooks: RunHooks) -> MatrixAdapter:
    return MatrixAdapter(app, hooks)
