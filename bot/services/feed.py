"""What others posted since a moment, for a member who keeps a conversation open (the console):
commitments, updates, announcements, decisions and meetings of their circles, already written in
their language, one line each. Reading only: it never takes SQLite's write lock, stores nothing,
and someone unknown gets nothing.

A position in the feed is an item id (`latest`); `news` returns the lines after it and the new
position, so each item is shown once.
"""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.dispatch import Dispatcher
from bot.kinds import ItemKind
from bot.markup import esc
from bot.models import Commitment, Item, Meeting
from bot.presentation import Localiser, commitment_line, item_line, meeting_line
from bot.services.community import find_community
from bot.services.membership import active_circles, find_by_identity

LIMIT = 20  # at most this many lines at once; the rest is in /unread and /actions


def latest(dispatcher: Dispatcher) -> int:
    """The feed's position now: nothing posted before it will be shown."""
    with dispatcher.store.unit_of_work(reading=True) as session:
        return int(session.scalar(select(func.max(Item.id))) or 0)


def news(dispatcher: Dispatcher, identity: str, after: int) -> tuple[list[str], int]:
    """Lines (markup) for what others posted in the member's circles after `after`, and the new position."""
    with dispatcher.store.unit_of_work(reading=True) as session:
        top = int(session.scalar(select(func.max(Item.id))) or 0)
        community = find_community(session, dispatcher.config.community_name)
        member = find_by_identity(session, identity)
        if community is None or member is None or top <= after:
            return [], max(top, after)
        circles = [circle.id for circle in active_circles(session, member.id)]
        items = session.scalars(
            select(Item)
            .where(
                Item.community_id == community.id,
                Item.id > after,
                Item.id <= top,
                Item.circle_id.in_(circles),
                or_(Item.author_id.is_(None), Item.author_id != member.id),
            )
            .order_by(Item.id)
            .limit(LIMIT)
        ).all()
        loc = Localiser.of(community, dispatcher.clock.now(), member.language)
        return [news_line(session, loc, item) for item in items], top


def news_line(session: Session, loc: Localiser, item: Item) -> str:
    """One item as the feed shows it."""
    if item.kind == ItemKind.COMMITMENT:
        commitment = session.get(Commitment, item.id)
        if commitment is not None:
            return loc.t("New commitment: {line}", line=commitment_line(loc, commitment))
    if item.kind == ItemKind.MEETING:
        meeting = session.get(Meeting, item.id)
        if meeting is not None:
            return loc.t(
                "Meeting planned: {line}", line=meeting_line(loc, meeting, with_circle=True).removeprefix("• ")
            )
    return f"{item_line(loc, item).removeprefix('• ')} ({esc(item.circle.name, 60)})"
