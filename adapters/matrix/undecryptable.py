"""Messages Relais could not decrypt: never a silent drop.

A client that refuses to share a room key with Relais' device says why in an
`m.room_key.withheld` to-device message (`m.unverified`: it shares keys only with devices their
owner signed; `m.blacklisted`: the person blocked Relais' device…). nio does not read those
(it logs "no session found"); Relais keeps the last reasons by session and, when a message stays
encrypted, logs the reason and answers in the room once per sender and key session, saying what
to do.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

from adapters.matrix.inbound import channel_of
from adapters.matrix.rooms import Rooms
from adapters.matrix.state import MatrixState
from bot.dispatch import Dispatcher
from bot.i18n import N_, translator
from bot.services.notices import say_once

log = logging.getLogger(__name__)

WITHHELD = "m.room_key.withheld"
KEPT = 1000  # withheld reasons remembered (by key session), the oldest forgotten first

NOT_VERIFIED = N_(
    "I could not decrypt your message: your app did not give my device the key to read it, because it "
    "shares keys only with devices signed by their owner and does not count mine among them. Send it again "
    "in a minute; if this answer comes back, ask the administrator to look at Relais' log (cross-signing)."
)
BLOCKED = N_(
    "I could not decrypt your message: your app blocks my device. Unblock Relais' session in your app "
    "(the room's or Relais' security settings), then send your message again."
)
NO_KEY = N_(
    "I could not decrypt your message: the key to read it did not reach my device. Send it again; if this "
    "answer comes back, ask the administrator to look at Relais' log."
)
ANSWERS = {"m.unverified": NOT_VERIFIED, "m.blacklisted": BLOCKED}


def withheld_reason(event: dict[str, Any]) -> tuple[str, str, str] | None:
    """(session id, code, reason) of an `m.room_key.withheld` to-device event, else None."""
    content = event.get("content")
    if event.get("type") != WITHHELD or not isinstance(content, dict):
        return None
    session, code = content.get("session_id"), content.get("code")
    if not isinstance(session, str) or not isinstance(code, str):
        return None
    return session, code, str(content.get("reason") or "")


class Undecryptable:
    def __init__(
        self, dispatcher: Dispatcher, rooms: Rooms, state: MatrixState, outbox_written: Callable[[], None]
    ) -> None:
        self.dispatcher = dispatcher
        self.rooms = rooms
        self.state = state
        self.outbox_written = outbox_written
        self.withheld: OrderedDict[str, tuple[str, str]] = OrderedDict()

    def on_to_device(self, events: Iterable[Any]) -> None:
        """Remember why keys were withheld (the events come before the room messages they concern)."""
        for event in events:
            found = withheld_reason(getattr(event, "source", {}) or {})
            if found is None:
                continue
            session, code, reason = found
            self.withheld[session] = (code, reason)
            self.withheld.move_to_end(session)
            while len(self.withheld) > KEPT:
                self.withheld.popitem(last=False)
            log.info("%s withheld the key of session %s from Relais: %s %s", event.sender, session, code, reason)

    def on_event(self, room_id: str, event: dict[str, Any]) -> bool:
        """A message that stayed encrypted: log why, and answer once per sender and key session."""
        sender = str(event.get("sender", ""))
        content = event.get("content") if isinstance(event.get("content"), dict) else {}
        session = str(content.get("session_id", ""))
        code, reason = self.withheld.get(session, ("", ""))
        log.warning(
            "could not decrypt %s from %s in %s: %s",
            event.get("event_id"),
            sender,
            room_id,
            f"the sender's client withheld the key ({code}: {reason})" if code else "no key for it reached Relais",
        )
        if not (self.rooms.is_mapped(room_id) or self.rooms.is_direct(room_id) or self.rooms.belongs(sender)):
            return False  # a stranger's room: nothing said, nothing stored
        text = translator(self.dispatcher.config.language).t(ANSWERS.get(code, NO_KEY))
        if not say_once(self.state, f"undecryptable:{room_id}:{sender}:{session}", channel_of(room_id), text):
            return False
        self.outbox_written()
        return True
