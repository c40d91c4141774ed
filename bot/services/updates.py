"""Updates: progress on a commitment or news for a circle, each an item to read."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.errors import Refusal, kind_name
from bot.kinds import CommitmentStatus, Confidence, ItemKind
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
    confidence: Confidence | None = None,
) -> Item:
    """News for the circle, about a commitment or not, with a new progress and confidence for the commitment.

    Rights (README, "Who belongs, and who may do what"): news about a commitment comes from its
    owner, their organisation or a facilitator; its progress and the confidence to deliver it are
    changes of the commitment, like /done, so only its owner or a facilitator sets them, and only while
    it is open. News about a commitment done or dropped is always shared, with or without them: a progress or
    a confidence given then is not applied (done stays 100%, /reopen opens it again), and the caller says so.
    """
    if commitment is not None:
        check_report(author, commitment, progress, confidence)
        if commitment.status != CommitmentStatus.OPEN:
            progress = confidence = None
        circle = commitment.item.circle
    item = post_item(session, community, circle, author, ItemKind.UPDATE, text, now)
    if commitment is not None and confidence is not None:
        old_confidence = last_confidence(session, commitment)
        record_change(session, commitment, author, now, "confidence", old_confidence, str(confidence))
    session.add(
        Update(
            item_id=item.id,
            commitment_id=commitment.item_id if commitment else None,
            progress=progress,
            confidence=confidence if commitment is not None else None,
        )
    )
    if commitment is not None and progress is not None:
        old = commitment.progress
        commitment.progress = progress
        record_change(
            session, commitment, author, now, "progress", str(old) if old is not None else None, str(progress)
        )
    session.flush()
    return item


def check_report(author: Member, commitment: Commitment, progress: int | None, confidence: Confidence | None) -> None:
    """May `author` report on `commitment`, with a progress or a confidence? (see post_update)"""
    changes_it = author.id == commitment.owner_id or author.is_facilitator
    colleague = author.organisation_id is not None and author.organisation_id == commitment.organisation_id
    if not (changes_it or colleague):
        raise Refusal(
            "#{number} belongs to {owner}: only they, their organisation or a facilitator can report on it.",
            number=commitment.number,
            owner=esc(commitment.owner.display_name, 80),
        )
    if confidence is not None and not changes_it:
        raise Refusal(
            "#{number} belongs to {owner}: only they or a facilitator say how confident they are. "
            "Share your news without the confidence.",
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


def last_confidence(session: Session, commitment: Commitment) -> str | None:
    """The confidence said with the commitment's latest update that said one."""
    found = session.scalar(
        select(Update.confidence)
        .where(Update.commitment_id == commitment.item_id, Update.confidence.is_not(None))
        .order_by(Update.item_id.desc())
        .limit(1)
    )
    return str(found) if found is not None else None


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
