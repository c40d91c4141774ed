"""The community's one sequence of numbers `#N`, shared by commitments and items."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.db import Store
from bot.kinds import ItemKind
from bot.models import Circle, Community, Item, Member


def next_number(session: Session, community_id: int) -> int:
    """Take the next number atomically (UPDATE … RETURNING holds the row lock until commit)."""
    statement = (
        update(Community)
        .where(Community.id == community_id)
        .values(next_number=Community.next_number + 1)
        .returning(Community.next_number)
    )
    return int(session.execute(statement).scalar_one())


def new_item(
    session: Session,
    community: Community,
    circle: Circle,
    author: Member | None,
    kind: ItemKind,
    text: str,
    now: datetime,
    must_read: bool,
) -> Item:
    """A new numbered item (an update, announcement, commitment, meeting…), flushed so it has an id."""
    item = Item(
        community_id=community.id,
        number=next_number(session, community.id),
        kind=kind,
        circle_id=circle.id,
        author_id=author.id if author else None,
        text=text,
        must_read=must_read,
        version=1,
        created_at=now,
    )
    session.add(item)
    session.flush()
    return item


def find_item(session: Session, community_id: int, number: int) -> Item | None:
    return session.scalar(select(Item).where(Item.community_id == community_id, Item.number == number))


def item_number(store: Store, item_id: int) -> int | None:
    """The number `#N` of an item (an adapter's pointer to `/show #N`); None if it is gone."""
    with store.unit_of_work() as session:
        return session.scalar(select(Item.number).where(Item.id == item_id))
