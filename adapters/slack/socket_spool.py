"""Socket Mode with the spool: each envelope on disk before its ack goes back to Slack, marked done once its
work is committed; at start, those a crash left undone are run again (adapters/slack/front_spool.py).

Imported only in Socket Mode: bolt's Socket Mode handler is not loaded in HTTP mode.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.adapter.socket_mode.async_internals import send_async_response
from slack_bolt.adapter.socket_mode.internals import build_headers
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest

from adapters.slack.spooled import Disk, dispatched, replayed_payload

log = logging.getLogger(__name__)
SPOOLED = frozenset({"events_api", "slash_commands", "interactive"})


class SpooledHandler(AsyncSocketModeHandler):  # type: ignore[misc]
    def __init__(self, app: AsyncApp, app_token: str, disk: Disk, **kwargs: Any) -> None:
        super().__init__(app, app_token, **kwargs)
        self.disk = disk
        self.finishing: set[asyncio.Task[None]] = set()

    async def handle(self, client: AsyncBaseSocketModeClient, req: SocketModeRequest) -> None:
        if req.type not in SPOOLED:
            await super().handle(client, req)
            return
        started = time.time()
        identifier = f"socket.{req.envelope_id}"
        record = {"s": identifier, "payload": req.payload, "retry": req.retry_attempt, "reason": req.retry_reason,
                  "at": int(started)}  # fmt: skip
        try:
            await self.disk.add(record)
        except OSError:  # not acknowledged: Slack sends an event again; the member sees the command fail
            log.exception("a Slack request could not be written to the spool")
            return
        request = AsyncBoltRequest(mode="socket_mode", body=req.payload, headers=build_headers(req))
        acked = asyncio.Event()  # the listener's work waits for it (spooled.ack_sent)
        try:
            try:
                response, work = await dispatched(self.app, request, acked)
            except Exception:
                log.exception("a Slack request failed")
                self.mark_done(identifier)
                return
            await self.acknowledge(client, req, response, started)
        finally:
            acked.set()
        self.after(identifier, work.over)

    async def acknowledge(
        self, client: AsyncBaseSocketModeClient, req: SocketModeRequest, response: BoltResponse, started: float
    ) -> None:
        """The ack sent to Slack (the listener's work after its ack() waits for it: spooled.ack_sent)."""
        await send_async_response(client, req, response, started)

    def mark_done(self, identifier: str) -> None:
        self.disk.done(identifier)

    def after(self, identifier: str, over: asyncio.Event) -> None:
        """Marked done in the spool once its listeners have ended (not waited for here: the next envelopes)."""

        async def finish() -> None:
            await over.wait()
            self.mark_done(identifier)

        task = asyncio.create_task(finish())
        self.finishing.add(task)
        task.add_done_callback(self.finishing.discard)

    async def replay(self) -> int:
        """The envelopes the last run acknowledged and did not finish, run again once (Slack's ids make a second
        run of what was committed a no-op); their answers go as any other."""
        records = list(self.disk.spool.pending.values())
        for record in records:
            payload = record.get("payload")
            if not isinstance(payload, dict):
                self.mark_done(str(record["s"]))
                continue
            headers = {"x-slack-retry-num": [str(record.get("retry") or 0)]} if record.get("retry") else {}
            request = AsyncBoltRequest(
                mode="socket_mode", body=replayed_payload(payload, record.get("at")), headers=headers
            )
            try:
                _response, work = await dispatched(self.app, request)
            except Exception:
                log.exception("a Slack request left by the last run failed")
                self.mark_done(str(record["s"]))
                continue
            self.after(str(record["s"]), work.over)
        if records:
            log.info("Slack: %d request(s) acknowledged before the last stop and not finished, run again", len(records))
        return len(records)

    async def finish(self, timeout: float) -> None:
        if self.finishing:
            await asyncio.wait(set(self.finishing), timeout=timeout)
