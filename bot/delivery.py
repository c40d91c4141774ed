"""Draining the outbox: one loop per platform hands pending rows to the adapter's send().

The row is marked 'sending' (attempt counted) and committed *before* the network call, and
marked 'sent' after. A crash in between leaves it 'sending': the next start sends it again,
with the same outbox id, which the adapter uses to make the resend harmless (Matrix
transaction id; Slack message metadata checked before posting again).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from bot.clock import Clock
from bot.db import Store
from bot.models import OutboxMessage
from bot.outbox import due_messages, mark_failed, mark_sending, mark_sent
from bot.outbox import release_leases as outbox_release_leases

log = logging.getLogger(__name__)


class TemporaryFailure(Exception):
    """Try again later (rate limit, server down); `retry_after` in seconds if the platform said."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentFailure(Exception):
    """This message can never be delivered (channel gone, bot removed): give up, keep the row."""


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


def backoff(attempts: int, retry_after: float | None) -> timedelta:
    if retry_after is not None:
        return timedelta(seconds=max(retry_after, 1.0))  # never a tight loop, even on "Retry-After: 0"
    return timedelta(seconds=min(2 ** max(attempts - 1, 0), 300))


@dataclass
class Deliverer:
    store: Store
    clock: Clock
    sender: Sender
    batch: int = 20
    lease: timedelta = timedelta(seconds=30)
    wake: asyncio.Event = field(default_factory=asyncio.Event)

    async def deliver_due(self) -> int:
        """Send everything due now; returns how many were sent."""
        sent = 0
        while True:
            with self.store.unit_of_work() as session:
                rows = list(due_messages(session, self.sender.platform, self.clock.now(), self.batch))
                resend = {row.id: row.status == "sending" for row in rows}
                for row in rows:
                    mark_sending(session, row, self.clock.now(), self.lease)
                messages = [Outgoing.of(row) for row in rows]
            if not messages:
                return sent
            for message in messages:
                sent += await self._send_one(message, resend[message.id])

    async def _send_one(self, message: Outgoing, resend: bool) -> int:
        try:
            result = await self.sender.send(message, resend)
        except TemporaryFailure as error:
            with self.store.unit_of_work() as session:
                mark_failed(
                    session, message.id, str(error), self.clock.now(), backoff(message.attempts, error.retry_after)
                )
            return 0
        except PermanentFailure as error:
            with self.store.unit_of_work() as session:
                mark_failed(session, message.id, str(error), self.clock.now(), None)
            return 0
        except Exception as error:  # an unexpected failure must not stop the loop
            log.exception("sending outbox message %s failed", message.id)
            with self.store.unit_of_work() as session:
                mark_failed(session, message.id, repr(error), self.clock.now(), backoff(message.attempts, None))
            return 0
        with self.store.unit_of_work() as session:
            mark_sent(session, message.id, result.message_id, self.clock.now(), result.channel, result.also)
        return 1

    def poke(self) -> None:
        """Something was just written to the outbox: deliver without waiting for the next poll."""
        self.wake.set()

    async def run(self, poll_seconds: float = 1.0) -> None:
        """Deliver until cancelled; wakes on poke() or every poll_seconds."""
        while True:
            try:
                await self.deliver_due()
            except Exception:  # the database may be briefly unavailable; keep going
                log.exception("outbox delivery pass failed")
            try:
                await asyncio.wait_for(self.wake.wait(), timeout=poll_seconds)
            except TimeoutError:
                pass
            self.wake.clear()


def release_leases(store: Store, platform: str, now: datetime) -> int:
    """At start, make due now what a stopped process left 'sending' on `platform` (instead of after
    its lease); returns how many. Only for a platform whose resend is harmless (the same id)."""
    with store.unit_of_work() as session:
        return outbox_release_leases(session, platform, now)
