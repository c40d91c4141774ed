"""One sync batch, event by event: commands to the dispatcher, signals, rooms and people.

Commands are de-duplicated by event id (Dispatcher.handle records a ProcessedEvent in the
command's own transaction), so a batch replayed after a crash is harmless; reactions,
redactions, receipts and membership changes are idempotent by nature.

Who is in a room comes first: the mapped rooms' members are read at start (before the first
batch's events), when Relais joins a room (before what follows its join), and right after a
command that linked a room to a circle. Events from Relais itself and from `ignored_users` are
not handled, except membership events about someone else (a kick is sent by the kicker); Relais'
own messages only tell the sender which outbox rows reached the room (adapters.matrix.resends).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from nio import AsyncClient, ReceiptEvent, RoomMessagesResponse, SyncResponse
from nio.api import MessageDirection

from adapters.matrix.errors import NETWORK_ERRORS, HomeserverBusy, delivery_failure
from adapters.matrix.inbound import (
    Addressing,
    incoming_from_message,
    membership_of,
    reaction_from_event,
    redacted_event,
    room_of,
    tombstone_replacement,
)
from adapters.matrix.members import RoomMembers
from adapters.matrix.reads import ReadSignals
from adapters.matrix.rooms import Rooms
from adapters.matrix.undecryptable import Undecryptable
from bot.delivery import PermanentFailure
from bot.dispatch import Dispatcher
from bot.services.command_edits import edited_command

log = logging.getLogger(__name__)

GAP_PAGES = 100  # at most this many pages of 100 events fetched for a room after a long absence (a busy day)


class BatchHandler:
    def __init__(
        self,
        client: AsyncClient,
        dispatcher: Dispatcher,
        rooms: Rooms,
        members: RoomMembers,
        reads: ReadSignals,
        addressing: Addressing,
        outbox_written: Callable[[], None],
        undecryptable: Undecryptable | None = None,
        own_posts: Callable[[str, dict[str, Any]], None] | None = None,
    ) -> None:
        self.client = client
        self.dispatcher = dispatcher
        self.rooms = rooms
        self.members = members
        self.ignores = members.config.ignores  # Relais itself, bridges and other bots
        self.reads = reads
        self.addressing = addressing
        self.outbox_written = outbox_written
        self.undecryptable = undecryptable
        self.own_posts = own_posts  # Relais' own messages: rows a stopped process sent (MatrixSender.seen)

    async def process(self, response: SyncResponse, since: str | None) -> None:
        """Handle a batch. `since` None is the first start: room history is not handled."""
        if self.undecryptable is not None:
            self.undecryptable.on_to_device(response.to_device_events)
        # rooms linked to a circle first: their members (read next) may invite Relais elsewhere
        invites = [(self.rooms.is_mapped(room_id), room_id, info) for room_id, info in response.rooms.invite.items()]
        for mapped, room_id, info in invites:
            if mapped:
                await self.rooms.on_invite(room_id, info.invite_state)
        await self.members.catch_up()
        for mapped, room_id, info in invites:
            if not mapped:
                await self.rooms.on_invite(room_id, info.invite_state)
        for room_id, info in response.rooms.join.items():
            room = self.client.rooms.get(room_id)
            if room is not None and room.encrypted:
                self.rooms.warn_encrypted(room_id)
            events = list(info.timeline.events)
            for event in events:
                self.reads.times.remember(event.source.get("event_id"), event.source.get("origin_server_ts"))
            if since is None:
                continue
            recent = self.after_own_join(events)
            if len(recent) == len(events) and info.timeline.limited and info.timeline.prev_batch:
                # a gap in a room we were already in: fetch what was missed (not a new room's past)
                everything = await self.gap(room_id, info.timeline.prev_batch, since) + events
                recent = self.after_own_join(everything)
                events = everything
            if len(recent) < len(events):  # Relais joined the room in this stretch
                await self._guard(self.on_own_join(room_id), room_id)
            for event in recent:
                await self.on_event(room_id, event.source)
            receipts = [
                r
                for ev in info.ephemeral
                if isinstance(ev, ReceiptEvent)
                for r in ev.receipts
                if not self.ignores(r.user_id)
            ]
            if receipts:
                await self._guard(self.reads.on_receipts(room_id, receipts), room_id)
        if since is not None:
            for room_id, left in response.rooms.leave.items():  # Relais left or was removed: said in the log
                self.rooms.on_own_leave(room_id, [event.source for event in left.timeline.events])

    def after_own_join(self, events: list[Any]) -> list[Any]:
        """In a room Relais just joined, what was said before it came in is history: skip it."""
        for index in range(len(events) - 1, -1, -1):
            change = membership_of(events[index].source)
            if change and change.user_id == self.addressing.bot_user_id and change.membership == "join":
                previous = events[index].source.get("unsigned", {}).get("prev_content", {}).get("membership")
                if previous != "join":
                    return events[index + 1 :]
        return events

    async def gap(self, room_id: str, prev_batch: str, since: str) -> list[Any]:
        """Events between the last batch and this limited timeline, oldest first."""
        pages: list[Any] = []
        token = prev_batch
        for _ in range(GAP_PAGES):
            response = await self.client.room_messages(
                room_id, start=token, end=since, direction=MessageDirection.back, limit=100
            )
            if not isinstance(response, RoomMessagesResponse):
                if not isinstance(delivery_failure(response, ""), PermanentFailure):
                    # the homeserver is back but busy (5xx, 429): the batch is replayed, the gap not dropped
                    raise HomeserverBusy(f"could not fetch missed events in {room_id} for now: {response}")
                log.warning("could not fetch missed events in %s: %s", room_id, response)
                break
            pages.extend(response.chunk)
            if not response.chunk or not response.end or response.end == token:
                break
            token = response.end
        else:
            log.warning(
                "more than %d events missed in %s: older events skipped (commands among them are not answered)",
                GAP_PAGES * 100,
                room_id,
            )
        for event in pages:
            self.reads.times.remember(event.source.get("event_id"), event.source.get("origin_server_ts"))
        return list(reversed(pages))

    async def _guard(self, work: Any, room_id: str) -> None:
        """Network errors abort the batch (it is replayed); a bug in one event must not stop the bot."""
        try:
            await work
        except NETWORK_ERRORS:
            raise
        except Exception:
            log.exception("handling an event in %s failed; going on", room_id)

    async def on_own_join(self, room_id: str) -> None:
        """Relais is in a new room: read its members if it belongs to a circle, else say how to link it."""
        if self.rooms.is_mapped(room_id):
            await self.members.resync(room_id)
        elif not self.rooms.is_direct(room_id):
            self.rooms.say_unlinked(room_id)

    async def on_event(self, room_id: str, event: dict[str, Any]) -> None:
        if event.get("type") == "m.room.member":
            await self._guard(self._on_membership(room_id, event), room_id)
            return
        sender = str(event.get("sender", ""))
        if (
            sender == self.addressing.bot_user_id
            and self.own_posts is not None
            and event.get("type") == "m.room.message"
        ):
            try:
                self.own_posts(room_id, event)
            except Exception:  # a bug there must not stop the sync: the resend looks for it in the room instead
                log.exception("recording Relais' own message %s failed; going on", event.get("event_id"))
        if self.ignores(sender):
            return
        await self._guard(self._on_event(room_id, event), room_id)

    async def _on_membership(self, room_id: str, event: dict[str, Any]) -> None:
        self.members.on_membership(room_id, event)

    async def _on_event(self, room_id: str, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "m.room.tombstone":
            replacement = tombstone_replacement(event)
            if replacement:
                await self.rooms.on_tombstone(room_id, replacement)
        elif kind == "m.room.encrypted":  # still encrypted: nio could not (or may not) decrypt it
            if not self.rooms.warn_encrypted(room_id) and self.undecryptable is not None:
                self.undecryptable.on_event(room_id, event)
        elif kind == "m.room.redaction":
            redacted = redacted_event(event)
            if redacted:
                self.reads.on_redaction(room_id, redacted)
        elif kind == "m.reaction":
            reaction = reaction_from_event(event, room_id, self.addressing.bot_user_id)
            if reaction:
                self.reads.on_reaction(room_id, reaction)
        elif kind == "m.room.message":
            await self.on_message(room_id, event)

    async def on_message(self, room_id: str, event: dict[str, Any]) -> None:
        sender = str(event.get("sender", ""))
        incoming = incoming_from_message(
            event, room_id, self.addressing, self.rooms.is_direct(room_id), self.display_name(room_id, sender)
        )
        if incoming is None:
            return
        if incoming.edits is not None:  # an edited command: understood, never run twice
            edited_command(self.dispatcher, incoming)
            return
        reply = self.dispatcher.handle(incoming, deliver=True)  # its answers leave as it commits (bot.outbox)
        if reply is None:
            return
        rooms = [room_of(channel) for channel in reply.resync if channel.startswith("matrix:")]
        if rooms:  # a room was just linked to a circle: its members are the circle's now
            self.members.want(*rooms)
            await self.members.catch_up()

    def display_name(self, room_id: str, user_id: str) -> str | None:
        room = self.client.rooms.get(room_id)
        user = room.users.get(user_id) if room is not None else None
        name = getattr(user, "display_name", None)
        return name.strip()[:200] if isinstance(name, str) and name.strip() and name != user_id else None
