"""The community's one sequence of numbers `#N`, shared by commitments and items."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.models import Community, Item


def next_number(session: Session, community_id: int) -> int:
    """Take the next number atomically (UPDATE … RETURNING holds the row lock until commit)."""
    statement = (
        update(Community)
        .where(Community.id == community_id)
        .values(next_number=Community.next_number + 1)
        .returning(Community.next_number)
    )
    return int(session.execute(statement).scalar_one())


def find_item(session: Session, community_id: int, number: int) -> Item | None:
    return session.scalar(select(Item).where(Item.community_id == community_id, Item.number == number))
