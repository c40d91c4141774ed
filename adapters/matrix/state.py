"""The Matrix adapter's small state, kept in Relais' own database (bot.services.platform_state).

Keys are namespaced by the bot's user id: the sync token, the device id, direct-chat rooms,
reactions to remember for their redaction, rooms already warned about encryption or told they
are linked to no circle, upgrades, the later parts of a message sent in several parts.
"""

from __future__ import annotations

from bot.dispatch import Dispatcher
from bot.services.platform_state import StateStore


def part_key(event_id: str) -> str:
    """The key naming the first part of a long message, for one of its later parts."""
    return f"part:{event_id}"


class MatrixState(StateStore):
    def __init__(self, dispatcher: Dispatcher, user_id: str) -> None:
        super().__init__(dispatcher.store, dispatcher.clock, f"matrix:{user_id}:")
