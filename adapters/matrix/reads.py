"""Read signals from Matrix: ✅/👍 reactions (and their redaction), and read receipts.

A reaction is remembered (reaction event id -> item message, member) in platform_state so
that its redaction, which names only the reaction's id, withdraws the acknowledgement. A
member who put both ✅ and 👍 keeps the acknowledgement until both are gone.
Read receipts become one watermark per member and room (bot.read_signals.receipt).
"""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import replace
from datetime import datetime

from adapters.matrix.inbound import Reaction, ReadUpTo, ReceiptLike, identity_of, read_receipts, timestamp
from adapters.matrix.state import MatrixState, part_key
from bot import read_signals as signals
from bot.dispatch import Dispatcher
from bot.services.messages import is_item_message, posted_at
from bot.services.reads import is_ack_emoji

log = logging.getLogger(__name__)

FetchTimestamp = Callable[[str, str], Awaitable[int | None]]  # (room id, event id) -> origin_server_ts


class EventTimes:
    """origin_server_ts of recent events, so most receipts need no extra request."""

    def __init__(self, size: int = 5000) -> None:
        self.size = size
        self._times: OrderedDict[str, int] = OrderedDict()

    def remember(self, event_id: str | None, ms: object) -> None:
        if event_id and isinstance(ms, int):
            self._times[event_id] = ms
            self._times.move_to_end(event_id)
            while len(self._times) > self.size:
                self._times.popitem(last=False)

    def get(self, event_id: str) -> int | None:
        return self._times.get(event_id)


class ReadSignals:
    def __init__(
        self,
        dispatcher: Dispatcher,
        state: MatrixState,
        bot_user_id: str,
        fetch: FetchTimestamp,
        names: Callable[[str, str], str | None],
    ) -> None:
        self.dispatcher = dispatcher
        self.state = state
        self.bot_user_id = bot_user_id
        self.fetch = fetch
        self.names = names  # (room id, user id) -> display name
        self.times = EventTimes()

    def first_part(self, event_id: str) -> str:
        """The message that stands for an item: the event itself, or the first part of its message."""
        return self.state.get(part_key(event_id)) or event_id

    # ------------------------------------------------------------------ reactions
    def on_reaction(self, room_id: str, reaction: Reaction) -> bool:
        if not is_ack_emoji(reaction.key):
            return False
        identity = identity_of(reaction.sender)
        reaction = replace(reaction, reacts_to=self.first_part(reaction.reacts_to))
        if not is_item_message(self.dispatcher, reaction.channel, reaction.reacts_to):
            return False
        with self.state.batch() as keys:
            ack_key = self._ack_key(reaction.channel, reaction.reacts_to, identity)
            reactions = set(json.loads(keys.get(ack_key) or "[]")) | {reaction.event_id}
            keys.set(ack_key, json.dumps(sorted(reactions)))
            keys.set(
                f"reaction:{reaction.event_id}",
                json.dumps([reaction.channel, reaction.reacts_to, identity, reaction.key]),
            )
        return signals.reaction(
            self.dispatcher,
            identity,
            reaction.channel,
            reaction.reacts_to,
            reaction.key,
            added=True,
            display_name=self.names(room_id, reaction.sender),
        )

    def on_redaction(self, room_id: str, redacted: str) -> bool:
        """A redaction: when it removes a remembered ✅/👍, the acknowledgement is withdrawn."""
        with self.state.batch() as keys:
            stored = keys.get(f"reaction:{redacted}")
            if stored is None:
                return False
            channel, message, identity, key = json.loads(stored)
            keys.delete(f"reaction:{redacted}")
            ack_key = self._ack_key(channel, message, identity)
            remaining = set(json.loads(keys.get(ack_key) or "[]")) - {redacted}
            if remaining:
                keys.set(ack_key, json.dumps(sorted(remaining)))
                return False
            keys.delete(ack_key)
        return signals.reaction(self.dispatcher, identity, channel, message, key, added=False)

    @staticmethod
    def _ack_key(channel: str, message: str, identity: str) -> str:
        return f"ack:{channel}|{message}|{identity}"

    # ------------------------------------------------------------------ receipts
    async def on_receipts(self, room_id: str, receipts: Iterable[ReceiptLike]) -> int:
        """Move each member's watermark to the receipted event's time, all in one transaction.

        Returns how many moved."""
        channel = f"matrix:{room_id}"
        batch: list[signals.Signal] = []
        for read in read_receipts(receipts, self.bot_user_id):
            upto = await self.upto(room_id, channel, read)
            if upto is None:
                log.info("read receipt on unknown event %s in %s: ignored", read.event_id, room_id)
                continue
            identity = identity_of(read.user_id)
            batch.append(signals.Receipt(identity, channel, upto, self.names(room_id, read.user_id)))
        signals.ingest(self.dispatcher, batch)
        return len(batch)

    async def upto(self, room_id: str, channel: str, read: ReadUpTo) -> datetime | None:
        """When the receipted event was posted: Relais' own record for its items, else the server's time."""
        posted = posted_at(self.dispatcher, channel, self.first_part(read.event_id))
        if posted is not None:
            return posted
        ms = self.times.get(read.event_id)
        if ms is None:
            ms = await self.fetch(room_id, read.event_id)
            self.times.remember(read.event_id, ms)
        return timestamp(ms) if ms is not None else None
