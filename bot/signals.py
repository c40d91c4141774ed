"""Read signals from platforms (reactions, receipts, views), applied in one unit of work each.

Adapters call these; they never touch the store themselves.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from bot.dispatch import Dispatcher
from bot.models import Member
from bot.reply import Incoming
from bot.services import reads
from bot.services.numbering import find_item


def _member(dispatcher: Dispatcher, session: Session, identity: str, display_name: str | None,
            channel: str | None) -> Member:
    """The member; with a channel, they also join its circle (they are in the room)."""
    if channel is None:
        return dispatcher.member(session, identity, display_name)
    return dispatcher.context_for(session, Incoming(identity=identity, text="", channel=channel,
                                                    display_name=display_name)).actor


def reaction(
    dispatcher: Dispatcher,
    identity: str,
    channel: str,
    message_id: str,
    emoji: str,
    added: bool,
    display_name: str | None = None,
) -> bool:
    """A ✅/👍 reaction added (acknowledged) or removed (withdrawn) on an item's message.

    Returns True when it changed something; other emoji and other messages are ignored.
    """
    if not reads.is_ack_emoji(emoji):
        return False
    with dispatcher.store.unit_of_work() as session:
        item = reads.item_for_message(session, channel, message_id)
        if item is None:
            return False
        member = _member(dispatcher, session, identity, display_name, channel)
        if added:
            return reads.acknowledge(session, item, member, "reaction", dispatcher.clock.now())
        return reads.withdraw(session, item, member)


def acknowledge_number(dispatcher: Dispatcher, identity: str, number: int, via: str,
                       display_name: str | None = None) -> bool:
    """A "Got it" button on item #number."""
    with dispatcher.store.unit_of_work() as session:
        member = _member(dispatcher, session, identity, display_name, None)
        item = find_item(session, member.community_id, number)
        if item is None or not item.must_read:
            return False
        return reads.acknowledge(session, item, member, via, dispatcher.clock.now())


def receipt(dispatcher: Dispatcher, identity: str, channel: str, upto: datetime,
            display_name: str | None = None) -> None:
    """A read receipt: the member has seen the channel up to the message posted at `upto`."""
    with dispatcher.store.unit_of_work() as session:
        member = _member(dispatcher, session, identity, display_name, channel)
        reads.record_seen_mark(session, member, channel, upto, dispatcher.clock.now())


def seen_items(dispatcher: Dispatcher, identity: str, item_ids: Iterable[int]) -> int:
    """Items listed in a personal view (Slack App Home) count as seen."""
    with dispatcher.store.unit_of_work() as session:
        member = _member(dispatcher, session, identity, None, None)
        return reads.record_seen_items(session, member, item_ids, dispatcher.clock.now())
