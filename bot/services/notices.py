"""Short notes an adapter leaves through the outbox, outside any command.

Said once in a room (remembered in the adapter's state: "this room is linked to no circle",
"I cannot read encrypted messages here"), or to one member in a channel, in their language.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.dispatch import Dispatcher
from bot.i18n import Translator, translator
from bot.outbox import enqueue
from bot.services.platform_state import StateStore


def say_once(state: StateStore, name: str, channel: str, text: str) -> bool:
    """Post `text` in `channel` unless the state key `name` says it was done; False if it was."""
    with state.batch() as keys:
        if keys.get(name):
            return False
        keys.set(name, "1")
        enqueue(keys.session, keys.now, text, channel=channel)
    return True


def member_notice(
    dispatcher: Dispatcher, identity: str, channel: str | None, text: Callable[[Translator], str]
) -> bool:
    """An ephemeral note for one member in a channel, in their language; False (nothing said,
    nothing stored) without a channel or for a stranger."""
    if not channel:
        return False
    with dispatcher.store.unit_of_work() as session:
        community = dispatcher.community(session)
        member = dispatcher.admitted(session, identity)
        if member is None:
            return False
        tr = translator(member.language or community.language)
        enqueue(session, dispatcher.clock.now(), text(tr), channel=channel, recipient=identity, ephemeral=True)
    return True
