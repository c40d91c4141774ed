"""Updates: progress on a commitment or news for a circle, each an item to read."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.errors import Refusal, kind_name
from bot.kinds import ItemKind
from bot.markup import esc
from bot.models import Acknowledgement, Circle, Commitment, Community, Item, Member, Update
from bot.services.commitments import check_note, record_change
from bot.services.numbering import new_item

MAX_ITEM_TEXT = 16_000  # an announcement, update or decision: every platform delivers it whole (split if need be)


def post_item(
    session: Session,
    community: Community,
    circle: Circle,
    author: Member | None,
    kind: ItemKind,
    text: str,
    now: datetime,
) -> Item:
    """A new item that the circle's members must read, with the next number."""
    return new_item(session, community, circle, author, kind, check_note(text, MAX_ITEM_TEXT), now, must_read=True)


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
    """News for the circle, about a commitment or not, with a new progress for the commitment.

    Rights (README, "Who belongs, and who may do what"): news about a commitment comes from its
    owner, their organisation or a facilitator; its progress is a change of the commitment, like
    /done, so only its owner or a facilitator sets it.
    """
    if commitment is not None:
        changes_it = author.id == commitment.owner_id or author.is_facilitator
        colleague = author.organisation_id is not None and author.organisation_id == commitment.organisation_id
        if not (changes_it or colleague):
            raise Refusal(
                "#{number} belongs to {owner}: only they, their organisation or a facilitator can report on it.",
                number=commitment.number,
                owner=esc(commitment.owner.display_name, 80),
            )
        if progress is not None and not changes_it:
            raise Refusal(
                "#{number} belongs to {owner}: only they or a facilitator set its progress. "
                "Share your news without the percentage.",
                number=commitment.number,
                owner=esc(commitment.owner.display_name, 80),
            )
        circle = commitment.item.circle
    item = post_item(session, community, circle, author, ItemKind.UPDATE, text, now)
    session.add(Update(item_id=item.id, commitment_id=commitment.item_id if commitment else None, progress=progress))
    if commitment is not None and progress is not None:
        old = commitment.progress
        commitment.progress = progress
        record_change(
            session, commitment, author, now, "progress", str(old) if old is not None else None, str(progress)
        )
    session.flush()
    return item


def edit_item_text(session: Session, item: Item, actor: Member, text: str, now: datetime) -> int:
    """The author (or a facilitator) changes an item's text; earlier acknowledgements stop counting.

    Returns how many members had acknowledged the previous text (it is unread again for them).
    """
    if item.kind == ItemKind.COMMITMENT:
        raise Refusal("#{number} is a commitment: change its title with /edit #{number} title …", number=item.number)
    if not item.must_read:
        raise Refusal("#{number} is {kind}, not an item to read.", number=item.number, kind=kind_name(item.kind))
    if actor.id != item.author_id and not actor.is_facilitator:
        raise Refusal("Only the author of #{number} or a facilitator can change it.", number=item.number)
    text = check_note(text, MAX_ITEM_TEXT)
    if not text:
        raise Refusal("Give the new text: /edit #{number} text <new text>", number=item.number)
    acknowledged = session.scalar(
        select(func.count())
        .select_from(Acknowledgement)
        .where(Acknowledgement.item_id == item.id, Acknowledgement.version == item.version)
    )
    item.text = text
    item.version += 1
    item.edited_at = now
    session.flush()
    return int(acknowledged or 0)
