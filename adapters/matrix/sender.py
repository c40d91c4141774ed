"""Sending outgoing messages to Matrix (bot.delivery.Sender).

The outbox id is the transaction id: Synapse remembers (device, transaction id) and answers a
resend after a crash with the event it already created, instead of posting it twice. This
is why the device id must stay the same across restarts. A text too long for one event goes
out in parts (adapters.matrix.render), with transaction ids `<outbox id>-1`, `-2`…: a resend
after a crash between two parts posts only the missing ones. The first part is the message
that stands for the item (its MessageRef); the others are remembered as parts of it
(`part:<event id>` in platform_state), so that a ✅ or a read receipt on any part counts.
Under an item's post Relais puts its own ✅ reaction (`react_on_items`, on by default): members
confirm reading with one tap on it. Relais' reaction is never counted (adapters.matrix.inbound
ignores Relais' own events); its transaction id is `<outbox id>-ack`, so a resend does not add
another. It goes out beside the delivery, not in it: the post is recorded (an edit of the item finds
it) without waiting for the reaction, and a reaction that cannot be sent is only logged.
An update of a posted copy (`Outgoing.replaces`, bot.copies) is an m.replace edit (adapters.matrix.edits)
of each of its parts, recorded in order under `parts:<first event id>` (adapters.matrix.copy_parts):
edits have transaction ids `<outbox id>-1`, `-2`…, redactions of parts no longer needed `<outbox id>-redact-3`.
A picture (`Outgoing.image`, the recap's chart) is uploaded and posted as m.image (adapters.matrix.pictures).
Transaction ids do not protect for ever (Synapse forgets them after a day, and they are the device's): each
message also carries its transaction id in its content, so that a resend whose first attempt may have
arrived looks for it in the room first, and the sync loop records such a message sent when it sees it
(adapters.matrix.resends).
"""

from __future__ import annotations

import asyncio
import functools
import logging

from nio import AsyncClient, LocalProtocolError, RoomRedactResponse, RoomSendResponse

from adapters.matrix.copy_parts import REDACTION_REASON, parts_key, plan, read_whole
from adapters.matrix.edits import edit_of
from adapters.matrix.errors import NETWORK_ERRORS, delivery_failure, describe
from adapters.matrix.inbound import channel_of, room_of, user_of
from adapters.matrix.pictures import upload_picture
from adapters.matrix.render import message_contents
from adapters.matrix.resends import already_sent, marked, marker_of, remember, whole_row
from adapters.matrix.rooms import Rooms
from adapters.matrix.state import MatrixState, part_key
from bot.delivery import Outgoing, PermanentFailure, Sent, TemporaryFailure
from bot.services.numbering import item_number
from bot.services.outbox_seen import record_seen

log = logging.getLogger(__name__)
CHECK = "✅"  # the reaction Relais offers under its items


class MatrixSender:
    platform = "matrix"

    def __init__(self, client: AsyncClient, rooms: Rooms, state: MatrixState, react_on_items: bool = True) -> None:
        self.client = client
        self.rooms = rooms
        self.state = state
        self.react_on_items = react_on_items
        self._offers: set[asyncio.Task[None]] = set()  # ✅ reactions on their way
        self._sent: dict[str, None] = {}  # rows this process sent lately (adapters.matrix.resends.remember)
        self._echoes: dict[str, tuple[str, str]] = {}  # rows seen in the sync, to record: (event id, channel)
        self._recorder: asyncio.Task[None] | None = None

    async def send(self, message: Outgoing, resend: bool) -> Sent:
        try:
            return await self._send(message, resend)
        except NETWORK_ERRORS as error:
            self._sent.pop(message.id, None)  # it may have arrived all the same: the sync records it if so
            raise TemporaryFailure(f"homeserver unreachable: {describe(error)}") from error

    async def _send(self, message: Outgoing, resend: bool) -> Sent:
        remember(self._sent, message.id)
        uncertain = resend or message.attempts > 1  # an earlier attempt may have reached the room
        if message.replaces:
            return await self._edit(message, uncertain)
        if message.channel:
            room_id = room_of(message.channel)
        elif message.member_id is not None:
            room_id = await self.rooms.direct_room(message.member_id)
            if waiting := self.rooms.not_joined_yet(room_id, message.member_id):
                raise TemporaryFailure(f"waiting for {waiting} to join the encrypted direct chat {room_id}")
        else:
            raise PermanentFailure("an outgoing message with neither channel nor member")
        if message.image is not None:  # a picture (the recap's chart): an m.image of its own
            found = await self._found(room_id, message.id, [message.id]) if uncertain else {}
            if message.id in found:
                return Sent(found[message.id], channel_of(room_id))
            content = await upload_picture(self.client, room_id, message.picture, f"{message.id}.png")
            return Sent(await self._send_event(room_id, content, message.id), channel_of(room_id))
        author = user_of(message.recipient) if message.recipient else None
        contents = message_contents(
            message.text, notify=message.notify, thread=message.thread, reply_to=message.reply_to, author=author
        )
        tx_ids = [message.id] if len(contents) == 1 else [f"{message.id}-{n}" for n in range(1, len(contents) + 1)]
        found = await self._found(room_id, message.id, tx_ids) if uncertain else {}
        events = []
        for tx_id, content in zip(tx_ids, contents, strict=True):
            events.append(found.get(tx_id) or await self._send_event(room_id, content, tx_id))
        if len(events) > 1:
            self.remember_parts(events)
        if message.item_id is not None and self.react_on_items:  # after the post is recorded, not before
            self._offer(room_id, events[0], message.id)
        if resend and len(found) < len(events):
            log.info("outbox %s resent with the same transaction id(s): %s", message.id, ", ".join(events))
        return Sent(events[0], channel_of(room_id))

    async def _found(self, room_id: str, outbox_id: str, tx_ids: list[str]) -> dict[str, str]:
        """Those of a row's events already in the room (an earlier attempt's outcome is unknown)."""
        found = await already_sent(self.client, room_id, outbox_id, tx_ids)
        if found:
            log.info("outbox %s already in %s (%s): not sent again", outbox_id, room_id, ", ".join(found.values()))
        return found

    def _offer(self, room_id: str, event_id: str, outbox_id: str) -> None:
        task = asyncio.create_task(self.offer_check(room_id, event_id, f"{outbox_id}-ack"))
        self._offers.add(task)
        task.add_done_callback(self._offers.discard)

    def seen(self, room_id: str, event: dict[str, object]) -> None:
        """An event of Relais in the sync: a row it stands for, sent by a process that stopped before
        recording it, is recorded now (adapters.matrix.resends), in a worker thread with the others
        seen meanwhile: the event loop never waits for the database (nor for another process' write lock)."""
        tx_id = marker_of(event.get("content"))
        event_id = event.get("event_id")
        if tx_id is None or tx_id in self._sent or not whole_row(tx_id) or not isinstance(event_id, str):
            return
        self._echoes[tx_id] = (event_id, channel_of(room_id))
        if self._recorder is None or self._recorder.done():
            self._recorder = asyncio.create_task(self._record_echoes())

    async def _record_echoes(self) -> None:
        while self._echoes:
            echoes, self._echoes = self._echoes, {}
            store, now = self.state.store, self.state.clock.now()
            try:
                recorded = await store.off_loop(functools.partial(record_seen, store, self.platform, echoes, now))
            except Exception:  # the database is away: a resend looks for them in the room instead
                log.exception("recording %d of Relais' own messages failed; going on", len(echoes))
                continue
            for tx_id, row in recorded.items():
                event_id, channel = echoes[tx_id]
                log.info("outbox %s found in %s as %s: recorded as sent", tx_id, channel, event_id)
                if row.item_id is not None and self.react_on_items:
                    self._offer(room_of(channel), event_id, tx_id)

    async def _edit(self, message: Outgoing, uncertain: bool = False) -> Sent:
        """An update of a posted copy (bot.copies), or of an answer to a command that was edited
        (bot.services.command_edits): an m.replace edit of each of its events, in place; parts no
        longer needed are redacted (adapters.matrix.copy_parts). An item's copy stays a message that
        notifies, an answer a notice."""
        if not message.channel or not message.replaces:
            raise PermanentFailure(f"cannot edit {message.replaces} in {message.channel}")
        room_id, first = room_of(message.channel), message.replaces
        recorded = self.state.get(parts_key(first))
        events = recorded.split() if recorded else [first]
        notify = message.notify or message.item_id is not None
        todo = plan(events, message.text, notify, lambda: self.pointer(message.item_id))
        tx_ids = [message.id if len(events) == 1 else f"{message.id}-{n}" for n in range(1, len(todo.edits) + 1)]
        found = await self._found(room_id, message.id, tx_ids) if uncertain else {}
        for tx_id, (event_id, content) in zip(tx_ids, todo.edits, strict=True):
            if tx_id not in found:
                await self._send_event(room_id, edit_of(content, event_id), tx_id)
        for number, event_id in enumerate(todo.redactions, len(todo.edits) + 1):
            await self._redact(room_id, event_id, f"{message.id}-redact-{number}")
        if todo.redactions:
            self.remember_parts([event_id for event_id, _ in todo.edits], forget=todo.redactions)
        return Sent(first, message.channel)

    def pointer(self, item_id: int | None) -> str | None:
        """Where to read the item whole (`!show #N`), in the community's language."""
        number = item_number(self.state.store, item_id) if item_id is not None else None
        if number is None:
            return None
        return read_whole(self.rooms.dispatcher.config.language, self.rooms.config.prefix, number)

    async def _redact(self, room_id: str, event_id: str, tx_id: str) -> None:
        """A part no longer needed goes; one that cannot (refused for good) stays, and the edits stand."""
        response = await self.client.room_redact(room_id, event_id, reason=REDACTION_REASON, tx_id=tx_id)
        if isinstance(response, RoomRedactResponse):
            return
        failure = delivery_failure(response, f"redacting {event_id} in {room_id}")
        if not isinstance(failure, PermanentFailure):
            raise failure  # tried again with the same transaction ids: nothing doubled
        log.warning("part %s left in place: %s", event_id, failure)

    async def offer_check(self, room_id: str, event_id: str, tx_id: str) -> None:
        """Relais' own ✅ under an item: a member confirms reading with one tap on it."""
        content = {"m.relates_to": {"rel_type": "m.annotation", "event_id": event_id, "key": CHECK}}
        try:
            response = await self.client.room_send(
                room_id, "m.reaction", content, tx_id=tx_id, ignore_unverified_devices=True
            )
        except (LocalProtocolError, *NETWORK_ERRORS) as error:
            log.warning("could not put ✅ under %s in %s: %s", event_id, room_id, describe(error))
            return
        if not isinstance(response, RoomSendResponse):
            log.warning("could not put ✅ under %s in %s: %s", event_id, room_id, response)

    async def settle(self, timeout: float = 5.0) -> None:
        """Let the echoes seen be recorded and the ✅ reactions on their way leave (before the client
        closes, when Relais stops)."""
        if self._recorder is not None:
            await asyncio.wait({self._recorder}, timeout=timeout)
        if self._offers:
            await asyncio.wait(set(self._offers), timeout=timeout)

    def remember_parts(self, events: list[str], forget: list[str] | None = None) -> None:
        """The events of a post in parts, in order; the second and later ones stand for the first
        (reactions, read receipts). `forget`: parts redacted since."""
        with self.state.batch() as keys:
            for event_id in forget or []:
                keys.delete(part_key(event_id))
            if len(events) > 1:
                keys.set(parts_key(events[0]), " ".join(events))
            else:
                keys.delete(parts_key(events[0]))
            for event_id in events[1:]:
                keys.set(part_key(event_id), events[0])

    async def _send_event(self, room_id: str, content: dict[str, object], tx_id: str) -> str:
        try:
            response = await self.client.room_send(
                room_id, "m.room.message", marked(content, tx_id), tx_id=tx_id, ignore_unverified_devices=True
            )
        except LocalProtocolError as error:  # encrypted room not synced yet
            raise TemporaryFailure(str(error), retry_after=2.0) from error
        if not isinstance(response, RoomSendResponse):
            raise delivery_failure(response, f"sending to {room_id}")
        return response.event_id
