"""Draining the outbox: one delivery loop per platform hands rows to the adapter's send().

A row is marked 'sending' (attempt counted, leased) and committed *before* the network call, and
marked 'sent' after. A crash in between leaves it 'sending', leased to this process (bot.outbox_leases:
another live process leaves it alone; one started after this one's end takes it back at once): sent
again, with the same outbox id, which the adapter uses to make the resend harmless (Matrix: transaction
id, and the id in the message looked for in the room; Slack: metadata checked before posting again).

Rows written by this process while its loop runs are claimed in their own transaction and handed
over after the commit (bot.outbox.Taker): the answer to a command leaves without any query. Other
rows are found by delivery passes, which a process runs when told (an in-process poke, PostgreSQL
NOTIFY, SQLite's data_version: bot.wakeups), when a retry falls due, and every `fallback` seconds.
Messages to different conversations go out concurrently, each conversation's in order; what was
sent is recorded in one transaction per burst, in a worker thread, and a plain answer handed over
at commit a moment later (`record_after`; an item's post at once, so that a ✅ on it finds it): the
event loop never waits on the database to deliver, and the recording does not compete for the
processor with the platform delivering the answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.db import Store
from bot.delivery_failures import Held, PermanentFailure, TemporaryFailure, backoff, retry_in
from bot.images import Picture
from bot.kinds import OutboxStatus
from bot.listed import listed_numbers
from bot.models import OutboxMessage
from bot.outbox import due_messages, mark_delivered, mark_failed, mark_held, mark_sending, takers, waiting
from bot.outbox_leases import Renewals, lease_owner
from bot.outbox_order import Conversation, conversation_of, put_off_behind

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outgoing:
    """One message to deliver, as a sender sees it: a value read from its outbox row, never the row.

    `id` is stable across attempts (the Matrix transaction id, the Slack message metadata). A
    channel post has a `channel`; a direct message has none and names the member (`member_id`);
    an ephemeral reply names the identity it is for (`recipient`). `attempts` counts this one.
    """

    id: str
    platform: str
    text: str
    channel: str | None = None
    member_id: int | None = None
    recipient: str | None = None
    thread: str | None = None
    item_id: int | None = None
    notify: bool = False
    ephemeral: bool = False
    attempts: int = 1
    replaces: str | None = None  # update this posted message (in `channel`) instead of posting: bot.copies
    reply_to: str | None = None  # the command's platform message this answers (a Matrix rich reply)
    image: Picture | None = None  # post this picture (its alt text is `text`) instead of a message

    @property
    def picture(self) -> Picture:
        """The picture of an image row (senders check `image` first)."""
        assert self.image is not None
        return self.image

    commitments: tuple[int, ...] = ()  # the commitments it lists for its reader (buttons on Slack: Post.commitments)

    @classmethod
    def of(cls, row: OutboxMessage) -> Outgoing:
        return cls(
            id=row.id,
            platform=row.platform,
            text=row.text,
            channel=row.channel,
            member_id=row.member_id,
            recipient=row.recipient,
            thread=row.thread,
            item_id=row.item_id,
            notify=bool(row.notify),
            ephemeral=bool(row.ephemeral),
            attempts=row.attempts,
            replaces=row.replaces,
            reply_to=row.reply_to,
            image=Picture(row.image, row.text) if row.image is not None else None,
            commitments=listed_numbers(row.commitments),
        )


@dataclass(frozen=True)
class Sent:
    message_id: str | None
    channel: str | None = None  # where it landed, when the row had no channel (a direct message)
    also: tuple[str, ...] = ()  # the other messages of a post sent in several parts (they stand for the item too)


class Sender(Protocol):
    platform: str

    async def send(self, message: Outgoing, resend: bool) -> Sent:
        """Deliver one message; `resend` is True when an earlier attempt may have reached the platform."""
        ...


@dataclass(eq=False)  # compared (and hashed) by identity: it is a running loop, not a value
class Deliverer:
    store: Store
    clock: Clock
    sender: Sender
    batch: int = 20
    lease: timedelta = timedelta(seconds=30)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    online: asyncio.Event | None = None  # the platform answers (set by the adapter); None: always
    concurrency: int = 16  # messages in flight at once (different conversations)
    record_after: float = 0.05  # seconds: a plain answer handed over at commit is recorded once the platform has it
    next_due: datetime | None = None  # the earliest later attempt seen by the last pass
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: int | None = None
    _lanes: dict[tuple[str, ...], asyncio.Lock] = field(default_factory=dict)
    _retrying: dict[Conversation, datetime] = field(default_factory=dict)  # conversation -> its next attempt
    _slots: asyncio.Semaphore | None = None
    _tasks: set[asyncio.Task[int]] = field(default_factory=set)
    _recording: list[tuple[list[tuple[Outgoing, object]], asyncio.Future[None]]] = field(default_factory=list)
    _recorder: asyncio.Task[None] | None = None
    _renewals: Renewals | None = None

    @property
    def platform(self) -> str:
        return self.sender.platform

    @property
    def renewals(self) -> Renewals:
        """The leases of what this loop is sending, renewed while it is in flight (bot.outbox_leases)."""
        if self._renewals is None:
            self._renewals = Renewals(self.store, self.clock, self.lease)
        return self._renewals

    @property
    def owner(self) -> str:
        """This process' token on the rows it leases (bot.outbox_leases)."""
        return lease_owner(self.store).token

    # ------------------------------------------------------------------ taking rows as they commit

    def start(self) -> None:
        """Take the rows this process writes for the platform, from now on (bot.outbox.Taker)."""
        self._loop, self._thread = asyncio.get_running_loop(), threading.get_ident()
        lease_owner(self.store)  # its lock taken before any row carries its token
        takers(self.store)[self.platform] = self

    async def stop(self, timeout: float = 5.0) -> None:
        """Take nothing more; let what is being sent finish (up to `timeout`), cancel the rest."""
        if takers(self.store).get(self.platform) is self:
            del takers(self.store)[self.platform]
        self._loop = None
        if self._tasks:
            _done, late = await asyncio.wait(set(self._tasks), timeout=timeout)
            for task in late:
                task.cancel()  # leased rows: the next start sends them again, with the same id

    def accepting(self) -> bool:
        return self._loop is not None and (self.online is None or self.online.is_set())

    def take(self, rows: Sequence[OutboxMessage]) -> None:
        """Rows claimed for this loop have just been committed (in any thread): send them now."""
        loop = self._loop
        if loop is None:
            return  # stopped meanwhile: leased, sent again after the lease or at the next start
        messages = [(Outgoing.of(row), False) for row in rows]
        if threading.get_ident() == self._thread:
            self._spawn(messages)
        else:
            loop.call_soon_threadsafe(self._spawn, messages)

    def _spawn(self, messages: list[tuple[Outgoing, bool]]) -> None:
        task = asyncio.ensure_future(self._deliver(messages, quiet=self.record_after, handed=True))
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[int]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("delivering handed-over messages failed", exc_info=task.exception())

    def poke(self) -> None:
        """Something may wait in the outbox: run a delivery pass now (any thread)."""
        loop = self._loop
        if loop is not None and threading.get_ident() != self._thread:
            loop.call_soon_threadsafe(self.wake.set)
        else:
            self.wake.set()

    # ------------------------------------------------------------------ delivery passes

    async def deliver_due(self) -> int:
        """Send everything due now; returns how many were sent."""
        sent = 0
        while True:
            claimed = await self.store.off_loop(self._claim)
            if not claimed:
                return sent
            sent += await self._deliver(claimed)

    def _claim(self) -> list[tuple[Outgoing, bool]]:
        """Due rows, marked 'sending' in one transaction (none taken: only a read, no lock)."""
        now = self.clock.now()
        with self.store.unit_of_work(reading=True) as session:
            due, self.next_due = waiting(session, self.platform, now)
        if not due:
            return []
        with self.store.unit_of_work() as session:
            rows = self._due(session, now)
            # an earlier attempt may have reached the platform: left 'sending', or it failed (maybe after a first part)
            resend = {row.id: row.status == OutboxStatus.SENDING or row.last_error is not None for row in rows}
            for row in rows:
                mark_sending(session, row, now, self.lease, self.owner)
            return [(Outgoing.of(row), resend[row.id]) for row in rows]

    def _due(self, session: Session, now: datetime) -> list[OutboxMessage]:
        """Due rows, but not those behind an older message of their conversation waiting for a later
        attempt (bot.outbox_order: put off to it); more are read when a whole batch was put off."""
        while True:
            rows = list(due_messages(session, self.platform, now, self.batch, self.renewals.own()))
            free = put_off_behind(session, rows, now)
            if free or len(rows) < self.batch:
                return free
            session.flush()

    async def serve(self, fallback: float = 60.0) -> None:
        """Deliver until cancelled: a pass when poked or when a retry falls due (at least every
        `fallback` seconds); while the platform is away, none (it pokes when it is back)."""
        self.start()
        renewing = asyncio.ensure_future(self.renewals.run())
        try:
            while True:
                self.wake.clear()
                if self.online is None or self.online.is_set():
                    try:
                        await self.deliver_due()
                    except Exception:  # the database may be briefly unavailable; keep going
                        log.exception("outbox delivery pass failed")
                wait = fallback
                if self.next_due is not None:
                    wait = min(wait, max((self.next_due - self.clock.now()).total_seconds(), 0.05))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wake.wait(), timeout=wait)
        finally:
            renewing.cancel()
            await self.stop()

    # ------------------------------------------------------------------ sending

    async def _deliver(self, messages: list[tuple[Outgoing, bool]], quiet: float = 0.0, handed: bool = False) -> int:
        """Send, each conversation in order and the conversations side by side; record the outcomes
        (`quiet` seconds later: meanwhile the platform delivers them, and later bursts join them)."""
        lanes: dict[tuple[str, ...], list[tuple[Outgoing, bool]]] = {}
        now, held = self.clock.now(), []
        for message, resend in messages:
            until = self._retrying.get(conversation(message)) if handed else None  # claimed: checked (outbox_order)
            if until is not None and until > now:  # an earlier message there waits for its retry: so does this one
                held.append((message, Held("after an earlier message retried later", (until - now).total_seconds())))
            else:
                lanes.setdefault(conversation(message), []).append((message, resend))
        with self.renewals.sending(message.id for lane in lanes.values() for message, _ in lane):
            if len(lanes) == 1:  # one conversation (a command's answer): no task to schedule, it leaves now
                outcomes = [await self._lane(*next(iter(lanes.items())))]
            else:
                outcomes = await asyncio.gather(*(self._lane(key, lane) for key, lane in lanes.items()))
        results = [result for lane in outcomes for result in lane] + held
        self._remember_retries(results)
        if quiet > 0 and all(message.item_id is None for message, _outcome in results):
            await asyncio.sleep(quiet)  # an item's post is recorded at once: a ✅ on it must find it
        await self._record(results)
        for _message, outcome in results:
            if isinstance(outcome, BaseException) and not isinstance(outcome, Exception):
                raise outcome  # the process is going down: what was sent meanwhile is recorded
        return sum(1 for _message, outcome in results if isinstance(outcome, Sent))

    async def _lane(self, key: tuple[str, ...], lane: list[tuple[Outgoing, bool]]) -> list[tuple[Outgoing, object]]:
        lock = self._lanes.setdefault(key, asyncio.Lock())
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.concurrency)
        results: list[tuple[Outgoing, object]] = []
        async with lock:
            for message, resend in lane:
                behind = [(m, o) for m, o in results if isinstance(o, TemporaryFailure)][:1]
                for first, failed in behind:  # it waits for the message before it, retried later: never overtakes it
                    results.append((message, Held(f"after the message before it ({failed})", retry_in(first, failed))))
                if behind:
                    continue
                try:
                    async with self._slots:
                        outcome: object = await self.sender.send(message, resend)
                except asyncio.CancelledError:
                    raise
                except BaseException as error:  # recorded as a failure (or re-raised after recording)
                    outcome = error
                results.append((message, outcome))
                if isinstance(outcome, BaseException) and not isinstance(outcome, Exception):
                    break
        if not lock.locked() and not lock._waiters:  # type: ignore[attr-defined]
            self._lanes.pop(key, None)
        return results

    def _remember_retries(self, results: list[tuple[Outgoing, object]]) -> None:
        """The conversations waiting for a retry (the messages handed over meanwhile wait too)."""
        now = self.clock.now()
        for message, outcome in results:
            if isinstance(outcome, (Sent, PermanentFailure)):
                self._retrying.pop(conversation(message), None)
            elif isinstance(outcome, TemporaryFailure):
                self._retrying[conversation(message)] = now + timedelta(seconds=retry_in(message, outcome))

    # ------------------------------------------------------------------ recording

    async def _record(self, results: list[tuple[Outgoing, object]]) -> None:
        """Record outcomes, several bursts in one transaction when they come together."""
        if not results:
            return
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._recording.append((results, done))
        if self._recorder is None or self._recorder.done():
            self._recorder = asyncio.ensure_future(self._recorder_loop())
        await done

    async def _recorder_loop(self) -> None:
        while self._recording:
            bursts, self._recording = self._recording, []
            outcomes = [result for results, _ in bursts for result in results]
            try:
                await self.store.off_loop(functools.partial(self._write, outcomes))
            except Exception as error:  # rows stay leased: sent again (harmlessly) after the lease
                for _results, done in bursts:
                    done.set_exception(error)
            else:
                for _results, done in bursts:
                    done.set_result(None)

    def _write(self, results: list[tuple[Outgoing, object]]) -> None:
        now, latest = self.clock.now(), {message.id: (message, outcome) for message, outcome in results}
        me = self.owner
        sent = [
            (m.id, m.item_id, o.channel or m.channel, o.message_id, o.also)
            for m, o in latest.values()
            if isinstance(o, Sent)
        ]
        with self.store.unit_of_work() as session:
            mark_delivered(session, sent, now)  # one statement for every row sent
            for message, outcome in latest.values():
                if isinstance(outcome, Held):
                    mark_held(session, message.id, str(outcome), now, timedelta(seconds=retry_in(message, outcome)), me)
                elif isinstance(outcome, TemporaryFailure):
                    mark_failed(
                        session, message.id, str(outcome), now, timedelta(seconds=retry_in(message, outcome)), me
                    )
                elif isinstance(outcome, PermanentFailure):
                    mark_failed(session, message.id, str(outcome), now, None, me)
                elif isinstance(outcome, Exception):  # an unexpected failure must not stop the loop
                    log.error("sending outbox message %s failed", message.id, exc_info=outcome)
                    mark_failed(session, message.id, repr(outcome), now, backoff(message.attempts, None), me)


def conversation(message: Outgoing) -> Conversation:
    """What must stay in order: a channel's posts; an ephemeral reply's recipient there; a member's DMs."""
    return conversation_of(message.channel, message.member_id, message.recipient, message.ephemeral)
