"""Sending outbox rows to Matrix (bot.delivery.Sender).

The outbox id is the transaction id: Synapse remembers (device, transaction id) and answers a
resend after a crash with the event it already created, instead of posting it twice. This
is why the device id must stay the same across restarts.
"""

from __future__ import annotations

import logging
from datetime import datetime

from nio import AsyncClient, LocalProtocolError, RoomSendResponse
from sqlalchemy import update

from adapters.matrix.errors import NETWORK_ERRORS, delivery_failure, describe
from adapters.matrix.inbound import channel_of, room_of
from adapters.matrix.render import message_content
from adapters.matrix.rooms import Rooms
from bot.db import Store
from bot.delivery import PermanentFailure, Sent, TemporaryFailure
from bot.models import OutboxMessage

log = logging.getLogger(__name__)


class MatrixSender:
    platform = "matrix"

    def __init__(self, client: AsyncClient, rooms: Rooms) -> None:
        self.client = client
        self.rooms = rooms

    async def send(self, message: OutboxMessage, resend: bool) -> Sent:
        try:
            return await self._send(message, resend)
        except NETWORK_ERRORS as error:
            raise TemporaryFailure(f"homeserver unreachable: {describe(error)}") from error

    async def _send(self, message: OutboxMessage, resend: bool) -> Sent:
        if message.channel:
            room_id = room_of(message.channel)
        elif message.member_id is not None:
            room_id = await self.rooms.direct_room(message.member_id)
        else:
            raise PermanentFailure("an outbox row with neither channel nor member")
        content = message_content(message.text, notify=message.notify, thread=message.thread)
        try:
            response = await self.client.room_send(
                room_id, "m.room.message", content, tx_id=message.id, ignore_unverified_devices=True
            )
        except LocalProtocolError as error:  # encrypted room not synced yet
            raise TemporaryFailure(str(error), retry_after=2.0) from error
        if not isinstance(response, RoomSendResponse):
            raise delivery_failure(response, f"sending to {room_id}")
        if resend:
            log.info("outbox %s resent with the same transaction id: event %s", message.id, response.event_id)
        return Sent(response.event_id, channel_of(room_id))


def release_leases(store: Store, now: datetime) -> int:
    """At start, resend at once what a crashed process left 'sending' (instead of after its lease).

    Safe on Matrix even if another process still holds the row: the same transaction id from
    the same device gives the same event.
    """
    with store.unit_of_work() as session:
        result = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.platform == "matrix", OutboxMessage.status == "sending")
            .values(not_before=now)
        )
        count = int(getattr(result, "rowcount", 0) or 0)
    if count:
        log.info("%d message(s) interrupted by a stop are sent again, with their transaction ids", count)
    return count
