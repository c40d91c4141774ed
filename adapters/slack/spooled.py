"""Relais' side of the spool (adapters/slack/front_spool.py): when a request's work is done, and what changes
when a request left by a crash is run again.

Bolt answers Slack as soon as a listener calls ack() and runs the rest of the listener afterwards
(`process_before_response=False`): a request's work is done once the listeners it started have ended.
`watch` counts, per request, the listeners Bolt starts and those that end; `dispatched` runs a request
and gives what to wait for before marking it done in the spool.

In Socket Mode Bolt sends the ack up to 10 ms after ack() was called, while the listener goes on: `watch`
also holds every listener's work after its ack (a command's, a button's, a form's, an event's: Bolt acks
those itself before the listener starts) until the ack has been sent (ack_sent). A crash in that work is
then always a request Slack was told of, which the spool runs again; never one the member saw fail, or an
event Slack sends again besides. (A form's ack carries what its check found, so its work comes first: a
crash between the two leaves a submission saved that Slack shows failed; run again, it is a no-op.)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from contextvars import ContextVar
from typing import Any
from urllib.parse import parse_qsl, urlencode

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from adapters.slack.front_spool import Spool
from adapters.slack.response_urls import LIFETIME
from bot.config import ConfigError, os_reason

log = logging.getLogger(__name__)
DONE_EVERY = 0.02  # seconds: the requests done meanwhile are marked done in the spool with one write


def _already() -> asyncio.Event:
    event = asyncio.Event()
    event.set()
    return event


class Work:
    """The listeners one request started (counted by Bolt's runner), and whether they have all ended."""

    def __init__(self, acked: asyncio.Event | None = None) -> None:
        self.started = 0
        self.ended = 0
        self.dispatched = False
        self.over = asyncio.Event()
        self.acked = acked if acked is not None else _already()  # set once Slack's ack has been sent

    def check(self) -> None:
        if self.dispatched and self.ended >= self.started:
            self.over.set()


CURRENT: ContextVar[Work | None] = ContextVar("slack_request_work", default=None)


class _Acked(AsyncAck):
    """A listener's ack() in a Socket Mode request: returns once the ack has been sent to Slack (ack_sent)."""

    async def __call__(self, *args: Any, **kwargs: Any) -> BoltResponse:
        response = await super().__call__(*args, **kwargs)
        await ack_sent()
        return response


class _Started:
    """Bolt's listener start handler, which also holds a listener Bolt acknowledged itself (the Events API's,
    acked before the listener starts) until that ack has been sent."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def handle(self, request: AsyncBoltRequest, response: BoltResponse | None) -> None:
        await self.inner.handle(request=request, response=response)
        if request.context.ack.response is not None:
            await ack_sent()


class _Ended:
    """Bolt's listener completion handler, which also counts the listener's end for its request."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def handle(self, request: AsyncBoltRequest, response: BoltResponse | None) -> None:
        try:
            await self.inner.handle(request=request, response=response)
        finally:
            work = CURRENT.get()  # the listener's task was created in the request's context
            if work is not None:
                work.ended += 1
                work.check()


def watch(bolt: AsyncApp) -> None:
    """Count each request's listeners: Bolt's runner starts one per matching listener, in a task of its own."""
    runner = bolt._async_listener_runner  # (no public hook: tests/slack/test_slack_spool.py checks it)
    run = runner.run

    async def counted(
        request: AsyncBoltRequest, response: BoltResponse, listener_name: str, listener: Any, **kwargs: Any
    ) -> BoltResponse | None:
        work = CURRENT.get()
        if work is not None:
            work.started += 1
            if not work.acked.is_set() and not listener.auto_acknowledgement:
                request.context["ack"] = _Acked()  # the listener's own ack() (Bolt's, for events, must not wait)
        return await run(request=request, response=response, listener_name=listener_name, listener=listener, **kwargs)

    runner.run = counted  # type: ignore[method-assign]
    runner.listener_start_handler = _Started(runner.listener_start_handler)  # type: ignore[assignment]
    runner.listener_completion_handler = _Ended(runner.listener_completion_handler)  # type: ignore[assignment]


async def dispatched(
    bolt: AsyncApp, request: AsyncBoltRequest, acked: asyncio.Event | None = None
) -> tuple[BoltResponse, Work]:
    """Bolt's response (its ack) and the request's work, whose `over` is set once its listeners have ended;
    `acked`, when given, is set by the caller once the ack is on its way to Slack (see ack_sent)."""
    work = Work(acked)
    token = CURRENT.set(work)
    try:
        response = await bolt.async_dispatch(request)
    except Exception:
        work.over.set()  # (logged by the caller): running it again would fail again
        raise
    finally:
        CURRENT.reset(token)
        work.dispatched = True
        work.check()
    return response, work


async def ack_sent(limit: float = 3.0) -> None:
    """In a listener, after ack(): wait until the ack has been sent to Slack (Socket Mode sends it when Bolt
    sees ack() called, which it looks for every 10 ms, while the listener goes on). The work that follows
    then never runs for a request Slack was not told of: a crash in it is a request acknowledged, which the
    spool runs again at the next start. Returns at once outside a spooled request and in HTTP mode (the front
    has answered already); never waits more than `limit` seconds."""
    work = CURRENT.get()
    if work is not None and not work.acked.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(work.acked.wait(), limit)


def lock(path: str) -> int:
    """This process' hold on the spool at `path` (a lock file beside it), for as long as it runs."""
    try:
        descriptor = os.open(path + ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as error:
        raise ConfigError(
            "slack.spool: Relais cannot write {path} ({reason}): choose a directory it can write to",
            path=path,
            reason=os_reason(error),
        ) from error
    import fcntl

    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as error:
        os.close(descriptor)
        raise ConfigError(
            "slack.spool: {path} is used by another Relais; give each its own slack.spool", path=path
        ) from error
    return descriptor


def hold(path: str, chosen: bool) -> tuple[int | None, str]:
    """The lock on the spool at `path`, and the path; at a default place Relais cannot write to (a service
    started in /), no spool, said in the log (as before the spool existed) rather than a refusal to start."""
    if not path:
        return None, ""
    try:
        return lock(path), path
    except ConfigError as error:
        if chosen:
            raise
        log.warning("Slack requests are not spooled (%s): set slack.spool to a file Relais can write", error)
        return None, ""


def unlock(descriptor: int | None) -> None:
    if descriptor is not None:
        with contextlib.suppress(OSError):
            os.close(descriptor)


def fresh(at: object, now: float) -> bool:
    """A response_url received at `at` (seconds) can still be used (Slack keeps it 30 minutes)."""
    return isinstance(at, int | float) and now - at < LIFETIME


def replayed_body(body: str, at: object, now: float | None = None) -> str:
    """A form-encoded request run again: without its response_url once too old (the answer goes by
    chat.postEphemeral, or as a direct message: adapters/slack/sender.py)."""
    if fresh(at, time.time() if now is None else now) or "response_url" not in body:
        return body
    fields = [(key, value) for key, value in parse_qsl(body, keep_blank_values=True) if key != "response_url"]
    return urlencode([(key, replayed_json(value, at, now) if key == "payload" else value) for key, value in fields])


def replayed_json(text: str, at: object, now: float | None) -> str:
    import json

    try:
        payload = json.loads(text)
    except ValueError:
        return text
    return json.dumps(replayed_payload(payload, at, now)) if isinstance(payload, dict) else text


def replayed_payload(payload: dict[str, Any], at: object, now: float | None = None) -> dict[str, Any]:
    """A Socket Mode payload run again: without its response URLs once too old."""
    if fresh(at, time.time() if now is None else now):
        return payload
    return {key: value for key, value in payload.items() if key not in ("response_url", "response_urls")}


class Disk:
    """The spool in an asyncio process: each request on disk before it is acknowledged, the fsyncs in a
    thread, one for all the requests written meanwhile."""

    def __init__(self, spool: Spool) -> None:
        self.spool = spool
        self.turn = asyncio.Lock()
        self.marking: asyncio.TimerHandle | None = None

    def done(self, identifier: str) -> None:
        """Its work is committed: its mark is written with the next request, or with the others done within
        DONE_EVERY (one write for them all, as the HTTP front does), never before (nor on each request's way)."""
        self.spool.done(identifier)
        if self.spool.marks and self.marking is None:
            self.marking = asyncio.get_running_loop().call_later(DONE_EVERY, self.write_marks)

    def write_marks(self) -> None:
        self.marking = None
        self.spool.write_marks()

    def close(self) -> None:
        if self.marking is not None:
            self.marking.cancel()
            self.marking = None
        self.spool.close()  # (writes the marks waiting)

    async def add(self, record: dict[str, Any]) -> None:
        self.spool.add(record)
        async with self.turn:  # one fsync at a time; the requests written during one share the next
            if self.spool.unsynced:
                self.spool.unsynced = False  # (set again by a request written during this fsync)
                try:
                    await asyncio.to_thread(os.fsync, self.spool.fd)
                except OSError:
                    self.spool.unsynced = True
                    self.spool.pending.pop(str(record["s"]), None)
                    raise
