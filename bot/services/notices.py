"""Short notes an adapter leaves through the outbox, outside any command.

Said once in a room (remembered in the adapter's state: "this room is linked to no circle",
"I cannot read encrypted messages here"), or to one member in a channel, in their language; or to
an item's author by direct message, when the platform refused its post in a channel for good.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from bot.dispatch import Dispatcher
from bot.i18n import N_, Translator, translator
from bot.models import Circle, Item, Member
from bot.outbox import enqueue, enqueue_post, reach_on
from bot.reply import Post
from bot.services.platform_state import StateStore

NOT_DELIVERED = N_("Your message #{number} for {circle} could not be posted in one of its channels: {why}")


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
        member = dispatcher.admitted(session, identity)
        if member is None:
            return False
        note(dispatcher, session, member, identity, channel, text)
    return True


def note(
    dispatcher: Dispatcher,
    session: Session,
    member: Member,
    identity: str,
    channel: str,
    text: Callable[[Translator], str],
) -> None:
    """member_notice's note, written in the caller's unit of work (with what it answers)."""
    tr = translator(member.language or dispatcher.community(session).language, dispatcher.spellings.on(channel))
    enqueue(session, dispatcher.clock.now(), text(tr), channel=channel, recipient=identity, ephemeral=True)


def not_delivered(dispatcher: Dispatcher, item_id: int, why: Callable[[Translator], str]) -> bool:
    """Tell an item's author, by direct message in their language, that a channel refused its post for
    good (archived, deleted, Relais removed from it): they believed it posted. False without an author
    (a recap, an agenda)."""
    with dispatcher.store.unit_of_work() as session:
        item = session.get(Item, item_id)
        author = item.author if item is not None else None
        if item is None or author is None:
            return False
        where = reach_on(session, author.id)  # the platform the message goes to: commands as typed there
        spelling = dispatcher.spellings.on(where[0]) if where else None
        tr = translator(author.language or dispatcher.community(session).language, spelling)
        circle = session.get(Circle, item.circle_id)
        text = tr.t(NOT_DELIVERED, number=item.number, circle=circle.name if circle else "?", why=why(tr))
        enqueue_post(session, Post(text, "direct", member_id=author.id), dispatcher.clock.now())
    return True
