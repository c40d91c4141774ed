"""Read signals from platforms (reactions, receipts, views), applied in units of work.

Adapters call these; they never touch the store themselves. A platform that delivers signals
in batches (a Matrix sync) hands the whole batch to ingest(): one transaction, lookups cached.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload

from bot.dedup import first_time
from bot.dispatch import Dispatcher
from bot.i18n import Translator
from bot.models import Acknowledgement, Identity, Item, Member, MessageRef
from bot.services import reads
from bot.services.notices import note
from bot.services.numbering import find_item
from bot.services.read_counts import refresh_counts

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reaction:
    """A ✅/👍 reaction added (acknowledged) or removed (withdrawn) on an item's message."""

    identity: str
    channel: str
    message_id: str
    emoji: str
    added: bool
    display_name: str | None = None


@dataclass(frozen=True)
class Receipt:
    """The member has seen the channel up to the message posted at `upto`."""

    identity: str
    channel: str
    upto: datetime
    display_name: str | None = None


Signal = Reaction | Receipt


@dataclass
class _Batch:
    """One transaction's worth of signals, with the lookups they share loaded in bulk."""

    dispatcher: Dispatcher
    session: Session
    signals: Sequence[Signal]

    def __post_init__(self) -> None:
        session = self.session
        identities = {signal.identity for signal in self.signals}
        self.members: dict[str, Member] = {
            identity: member
            for identity, member in session.execute(
                select(Identity.identity, Member)
                .join(Member, Member.id == Identity.member_id)
                .where(Identity.identity.in_(identities))
            )
        }
        refs = {(s.channel, s.message_id) for s in self.signals if isinstance(s, Reaction)}
        self.items: dict[tuple[str, str], Item] = {}
        by_channel: dict[str, set[str]] = {}
        for channel, message_id in refs:
            by_channel.setdefault(channel, set()).add(message_id)
        for channel, message_ids in by_channel.items():  # the unique index is (channel, message_id)
            rows = session.execute(
                select(MessageRef.message_id, Item)
                .join(Item, Item.id == MessageRef.item_id)
                .where(MessageRef.channel == channel, MessageRef.message_id.in_(sorted(message_ids)))
                .options(lazyload(Item.circle), lazyload(Item.author))
            )
            self.items.update(((channel, message_id), item) for message_id, item in rows)
        # who may signal where, decided for the whole batch before anything is added: a membership
        # check queries, and a query in the middle would flush each acknowledgement on its own
        self.admitted: dict[tuple[str, str], Member | None] = {}
        for signal in self.signals:
            if isinstance(signal, Receipt) or self._counts(signal):
                self.member(signal)
        item_ids = {item.id for item in self.items.values()}
        member_ids = {member.id for member in self.members.values()}
        self.acks: dict[tuple[int, int], Acknowledgement] = {}
        if item_ids and member_ids:
            self.acks = {
                (ack.item_id, ack.member_id): ack
                for ack in session.scalars(
                    select(Acknowledgement).where(
                        Acknowledgement.item_id.in_(item_ids), Acknowledgement.member_id.in_(member_ids)
                    )
                )
            }

    def member(self, signal: Signal) -> Member | None:
        """The signal's member; None for a stranger (someone outside the channel's circle and every other)."""
        key = (signal.identity, signal.channel)
        if key not in self.admitted:
            self.admitted[key] = self.dispatcher.admitted(
                self.session, signal.identity, signal.display_name, signal.channel
            )
        return self.admitted[key]

    def _counts(self, signal: Reaction) -> bool:
        """A reaction that may confirm: an acknowledging emoji on an item to read."""
        item = self.items.get((signal.channel, signal.message_id))
        return reads.is_ack_emoji(signal.emoji) and item is not None and bool(item.must_read)

    def apply(self, signal: Signal) -> bool:
        now = self.dispatcher.clock.now()
        if isinstance(signal, Receipt):
            reader = self.member(signal)
            if reader is None:
                return False
            reads.record_seen_mark(self.session, reader, signal.channel, signal.upto, now)
            return True
        if not self._counts(signal):
            return False
        item = self.items[(signal.channel, signal.message_id)]
        member = self.member(signal)
        if member is None:
            return False
        ack = self.acks.get((item.id, member.id))
        if not signal.added:
            if ack is None:
                return False
            if ack in self.session.new:
                self.session.expunge(ack)  # added earlier in this same batch
            else:
                self.session.delete(ack)
            del self.acks[(item.id, member.id)]
            return True
        if ack is not None and ack.version == item.version:
            return False
        if ack is None:
            ack = Acknowledgement(item_id=item.id, member_id=member.id, version=item.version, at=now, via="reaction")
            self.session.add(ack)
            self.acks[(item.id, member.id)] = ack
        else:
            ack.version, ack.at, ack.via = item.version, now, "reaction"
        return True


def ingest(dispatcher: Dispatcher, batch: Sequence[Signal], event: tuple[str, str] | None = None) -> int:
    """Apply a batch of signals in one transaction; returns how many changed something.

    `event` (source, platform event id) records the delivery in the same transaction: a platform
    retry is applied once, and a crash cannot record the event without its effect.
    """
    if not batch:
        return 0
    with dispatcher.store.unit_of_work() as session:
        if event is not None and not first_time(session, event[0], event[1], dispatcher.clock):
            return 0
        applier = _Batch(dispatcher, session, batch)
        changed = [signal for signal in batch if applier.apply(signal)]
        touched = [applier.items[(s.channel, s.message_id)].id for s in changed if isinstance(s, Reaction)]
        if touched:  # the ✅ count shown on the items' copies (bot.services.read_counts)
            refresh_counts(session, touched, dispatcher.clock.now())
        return len(changed)


def reaction(
    dispatcher: Dispatcher,
    identity: str,
    channel: str,
    message_id: str,
    emoji: str,
    added: bool,
    display_name: str | None = None,
    event: tuple[str, str] | None = None,
) -> bool:
    """One reaction; True when it changed something (other emoji and messages are ignored)."""
    signal = Reaction(identity, channel, message_id, emoji, added, display_name)
    return ingest(dispatcher, [signal], event) == 1


def receipt(
    dispatcher: Dispatcher, identity: str, channel: str, upto: datetime, display_name: str | None = None
) -> None:
    ingest(dispatcher, [Receipt(identity, channel, upto, display_name)])


def acknowledge_number(
    dispatcher: Dispatcher,
    identity: str,
    number: int,
    via: str,
    display_name: str | None = None,
    channel: str | None = None,
) -> bool:
    """A "Got it" button on item #number (`channel`: where the button was clicked, if in a channel)."""
    with dispatcher.store.unit_of_work() as session:
        member = dispatcher.admitted(session, identity, display_name, channel)
        if member is None:
            return False
        item = find_item(session, member.community_id, number)
        if item is None or not item.must_read:
            return False
        if not reads.acknowledge(session, item, member, via, dispatcher.clock.now()):
            return False
        refresh_counts(session, [item.id], dispatcher.clock.now())
        return True


def acknowledge_click(
    dispatcher: Dispatcher,
    identity: str,
    number: int,
    display_name: str | None,
    click: tuple[str, str] | None,
    channel: str | None,
    answer: Callable[[Translator, bool], str],
) -> bool | None:
    """A "Got it" button on item #number, and the member's answer in `channel` (an ephemeral note: `answer`,
    told whether it changed anything), in one unit of work with the click (`click`: source, platform id).
    The same click delivered again (run again at a start after a crash that lost only the spool's done mark)
    changes nothing and says nothing: None. False for a stranger (nothing stored, nothing said)."""
    with dispatcher.store.unit_of_work() as session:
        member = dispatcher.admitted(session, identity, display_name)
        if member is None:
            return False
        if click is not None and not first_time(session, click[0], click[1], dispatcher.clock):
            return None
        item = find_item(session, member.community_id, number)
        changed = (
            item is not None
            and item.must_read
            and reads.acknowledge(session, item, member, "button", dispatcher.clock.now())
        )
        if changed and item is not None:
            refresh_counts(session, [item.id], dispatcher.clock.now())
        if channel:
            note(dispatcher, session, member, identity, channel, lambda tr: answer(tr, bool(changed)))
        return bool(changed)


def seen_items(dispatcher: Dispatcher, identity: str, item_ids: Iterable[int]) -> int:
    """Items listed in a personal view (Slack App Home) count as seen."""
    with dispatcher.store.unit_of_work() as session:
        member = dispatcher.admitted(session, identity)
        if member is None:
            return 0
        return reads.record_seen_items(session, member, item_ids, dispatcher.clock.now())


class SignalBuffer:
    """Group commit for read signals: adapters `put()` them as they arrive; one writer applies
    whatever has queued up in a single transaction. No delay is added when traffic is light;
    under load, batches form by themselves while the previous one is being written."""

    def __init__(self, dispatcher: Dispatcher, max_batch: int = 500) -> None:
        self.dispatcher = dispatcher
        self.max_batch = max_batch
        self.queue: asyncio.Queue[Signal] = asyncio.Queue()
        self.applied = 0

    def put(self, signal: Signal) -> None:
        self.queue.put_nowait(signal)

    async def drain(self) -> int:
        """Apply everything queued now (in batches); returns how many signals were taken."""
        taken = 0
        while not self.queue.empty():
            batch = [self.queue.get_nowait()]
            while len(batch) < self.max_batch and not self.queue.empty():
                batch.append(self.queue.get_nowait())
            self.applied += await asyncio.to_thread(ingest, self.dispatcher, batch)
            taken += len(batch)
            for _ in batch:
                self.queue.task_done()
        return taken

    async def run(self) -> None:
        """Apply signals until cancelled."""
        while True:
            first = await self.queue.get()
            self.queue.put_nowait(first)
            self.queue.task_done()
            try:
                await self.drain()
            except Exception:  # keep the loop alive; the signals of a failed batch are logged
                log.exception("applying read signals failed")
