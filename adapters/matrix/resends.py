"""A resend that finds its message already in the room, and the sync loop that records it sent.

Every `m.room.message` Relais sends for an outbox row carries the transaction id in its content,
`"org.relais.outbox": "<outbox id>"` (`<outbox id>-2` for a second part, `-1` for the edit of a first
part…): clients ignore the key, and in an encrypted room it is encrypted with the rest. Synapse keeps a
transaction id only for a while (30 minutes in memory, 24 hours in its database) and for the same
device: after a longer stop, or a new login, the same transaction id would post the message again.

So a row an earlier attempt may have delivered (left 'sending' by a stopped process, or an attempt that
failed or was held, maybe after a first part arrived) is first looked for among Relais' own recent events
in the room (/messages backwards from now, Relais' events only, back to an hour before the row was
written, at most LOOKED_AT events): what is found is recorded, only what is missing is sent. An ordinary
send does not look.

The sync loop closes the gap cheaply: an event of Relais carrying the id of a row not recorded as sent
(it reached the room, the process stopped before writing it down) records that row as sent
(bot.services.outbox_seen). Only whole messages: the parts of a long text are left to the resend,
which finds those that arrived and sends the others.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from nio import AsyncClient, MegolmEvent, RoomMessagesResponse
from nio.api import MessageDirection

from adapters.matrix.errors import delivery_failure
from bot.delivery import PermanentFailure
from bot.services.outbox_seen import written_at

log = logging.getLogger(__name__)

MARKER = "org.relais.outbox"  # in the content of each message Relais sends: its transaction id
LOOKED_AT = 1000  # Relais' own events looked through, at most, before a resend
FIRST_PAGE = 10  # the message is most often among the newest: a small first page, then PAGE at a time
PAGE = 100
REQUESTS = 20  # requests at most for one look (a page may come back empty and the next one too)
MARGIN = timedelta(hours=1)  # clocks of Relais and its homeserver may disagree this much
WHOLE = re.compile(r"[0-9a-f]{32}")  # a row's id alone: a message in one event (not a part, not an ack)
REMEMBERED = 4096  # rows this process sent lately, whose events the sync loop need not look up


def marked(content: dict[str, Any], tx_id: str) -> dict[str, Any]:
    """The content as sent: with the transaction id that finds it again."""
    return {**content, MARKER: tx_id}


def marker_of(content: object) -> str | None:
    """The transaction id a content carries (a message of Relais), or None."""
    value = content.get(MARKER) if isinstance(content, dict) else None
    return value if isinstance(value, str) else None


def whole_row(tx_id: str) -> bool:
    """The transaction id is a row's id: the message was one event (not a part of a long text)."""
    return WHOLE.fullmatch(tx_id) is not None


async def already_sent(client: AsyncClient, room_id: str, outbox_id: str, wanted: Iterable[str]) -> dict[str, str]:
    """Of the transaction ids `wanted` (of row `outbox_id`), those already in the room: {tx id: event id}.

    Relais' own events, newest first, until all are found, or the events are older than the row (less
    MARGIN), or LOOKED_AT were read. A refusal for good (the history cannot be read) finds nothing."""
    wanted = set(wanted)
    since = written_at(outbox_id)
    oldest_ms = int((since - MARGIN).timestamp() * 1000) if since is not None else 0
    only_mine = {"senders": [client.user_id], "types": ["m.room.message", "m.room.encrypted"]}
    found: dict[str, str] = {}
    unreadable, token, read = 0, None, 0
    for _ in range(REQUESTS):
        limit = min(PAGE if token else FIRST_PAGE, LOOKED_AT - read)
        response = await client.room_messages(
            room_id, start=token, direction=MessageDirection.back, limit=limit, message_filter=only_mine
        )
        if not isinstance(response, RoomMessagesResponse):
            failure = delivery_failure(response, f"looking for {outbox_id} in {room_id}")
            if not isinstance(failure, PermanentFailure):
                raise failure  # tried again later: sending without looking could post it twice
            log.warning("%s: sending without knowing", failure)
            return found
        older, read = False, read + len(response.chunk)
        for event in response.chunk:
            unreadable += isinstance(event, MegolmEvent)
            tx_id = marker_of(event.source.get("content"))
            if tx_id in wanted and event.sender == client.user_id:  # not a copy someone else posted
                found[tx_id] = event.event_id  # going back: of two copies already there, the first
            older = older or event.server_timestamp < oldest_ms
        if wanted <= found.keys() or older or read >= LOOKED_AT or not response.end or response.end == token:
            break
        token = response.end
    if unreadable and not wanted <= found.keys():
        log.warning(
            "%d of Relais' own events in %s could not be decrypted: %s may be sent twice",
            unreadable,
            room_id,
            outbox_id,
        )
    return found


def remember(sent: dict[str, None], outbox_id: str) -> None:
    """A row this process sends: its echo in the sync needs no look-up."""
    sent[outbox_id] = None
    if len(sent) > REMEMBERED:
        del sent[next(iter(sent))]
