"""Updates: progress on a commitment or news for a circle, each an item to read."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.errors import Refusal
from bot.markup import esc
from bot.models import Circle, Commitment, Community, Item, Member, Update
from bot.services.commitments import check_note, record_change
from bot.services.numbering import next_number


def post_item(
    session: Session,
    community: Community,
    circle: Circle,
    author: Member | None,
    kind: str,
    text: str,
    now: datetime,
) -> Item:
    """A new item that the circle's members must read, with the next number."""
    item = Item(
        community_id=community.id,
        number=next_number(session, community.id),
        kind=kind,
        circle_id=circle.id,
        author_id=author.id if author else None,
        text=check_note(text),
        must_read=True,
        version=1,
        created_at=now,
    )
    session.add(item)
    session.flush()
    return item


def post_update(
    session: Session,
    community: Community,
    circle: Circle,
    author: Member,
    text: str,
    commitment: Commitment | None,
    progress: int | None,
    now: datetime,
) -> Item:
    if commitment is not None:
        allowed = (
            author.id == commitment.owner_id
            or author.is_facilitator
            or (author.organisation_id is not None and author.organisation_id == commitment.organisation_id)
        )
        if not allowed:
            raise Refusal(
                "#{number} belongs to {owner}: only they, their organisation or a facilitator can report on it.",
                number=commitment.number,
                owner=esc(commitment.owner.display_name, 80),
            )
        circle = commitment.item.circle
    item = post_item(session, community, circle, author, "update", text, now)
    session.add(Update(item_id=item.id, commitment_id=commitment.item_id if commitment else None, progress=progress))
    if commitment is not None and progress is not None:
        old = commitment.progress
        commitment.progress = progress
        record_change(session, commitment, author, now, "progress", str(old) if old is not None else None, str(progress))
    session.flush()
    return item
