"""The live read count under an item's posted copies: "✅ 4/9 confirmed", kept true as people confirm.

Called after acknowledgements change (a ✅ reaction added or removed, the ✅ button, /read): for each
item touched that has copies on a platform that can edit (bot.copies), the count is read once and the
copies' update is written, coalesced (a burst of ✅ makes one edit every few seconds at most).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.orm import Session

from bot.copies import EDITABLE_PLATFORMS, update_lines
from bot.i18n import translator
from bot.models import Acknowledgement, CircleMember, Community, Item, Member, OutboxMessage
from bot.models.community import in_audience_window

CHUNK = 500  # items counted per statement


def count_line(language: str, confirmed: int, total: int) -> str:
    """ "✅ 4/9 confirmed" in the community's language."""
    return translator(language).tn(
        "✅ {count}/{total} confirmed", "✅ {count}/{total} confirmed", confirmed, total=total
    )


_WITH_COPIES = (  # built once (as the statements below): building one costs about what running it does
    select(OutboxMessage.item_id)
    .where(
        OutboxMessage.item_id.in_(bindparam("ids", expanding=True)),
        OutboxMessage.replaces.is_(None),
        OutboxMessage.message_id.is_not(None),
        OutboxMessage.ephemeral.is_(False),
        OutboxMessage.platform.in_(sorted(EDITABLE_PLATFORMS)),
    )
    .distinct()
)


def with_copies(session: Session, item_ids: Iterable[int]) -> list[int]:
    """Those of the items that have a sent copy on a platform that can edit (one query)."""
    wanted = sorted(set(item_ids))
    found: set[int] = set()
    for first in range(0, len(wanted), CHUNK):
        found.update(session.scalars(_WITH_COPIES, {"ids": wanted[first : first + CHUNK]}))
    return sorted(item_id for item_id in found if item_id is not None)


def refresh_counts(session: Session, item_ids: Iterable[int], now: datetime) -> int:
    """Update the read count shown on the copies of these items; returns how many items had copies.

    The counts of all the items are read together (two queries), then their copies updated together."""
    wanted = with_copies(session, item_ids)
    if not wanted:
        return 0
    counts = confirmed_counts(session, wanted)
    lines = {
        item_id: count_line(language, confirmed, total) if confirmed else None
        for item_id, (language, confirmed, total) in counts.items()
    }
    update_lines(session, lines, now)
    return len(lines)


def _audience(*conditions: Any) -> Any:
    """The membership rows of an item's audience (its circle's, covering its number, not its author's)."""
    return and_(
        CircleMember.circle_id == Item.circle_id,
        in_audience_window(Item.number),
        or_(Item.author_id.is_(None), CircleMember.member_id != Item.author_id),
        *conditions,
    )


IDS = bindparam("ids", expanding=True)
_COUNTS = (
    select(Item.id, Community.language, Item.confirmed, func.count(CircleMember.member_id))
    .join(Community, Community.id == Item.community_id)
    .outerjoin(CircleMember, _audience())
    .where(Item.id.in_(IDS), Item.must_read.is_(True))
    .group_by(Item.id, Community.language, Item.confirmed)
)
_MUTED = (  # the muted members of those audiences, and their confirmations
    select(Item.id, func.count(CircleMember.member_id), func.count(Acknowledgement.member_id))
    .join(CircleMember, _audience(CircleMember.member_id.in_(bindparam("muted", expanding=True))))
    .outerjoin(
        Acknowledgement,
        and_(
            Acknowledgement.item_id == Item.id,
            Acknowledgement.member_id == CircleMember.member_id,
            Acknowledgement.version == Item.version,
        ),
    )
    .where(Item.id.in_(IDS), Item.must_read.is_(True))
    .group_by(Item.id)
)


def confirmed_counts(session: Session, item_ids: Sequence[int]) -> dict[int, tuple[str, int, int]]:
    """item -> (its community's language, confirmations, audience) for the items to read among these:
    the audience as bot.services.reads.audience says (its circle's members whose window covers it, not
    its author, not muted), the confirmations of its current version by them — the item's kept count
    (bot.models.reading_counts) less its muted members' confirmations."""
    found: dict[int, tuple[str, int, int]] = {}
    muted = list(session.scalars(select(Member.id).where(Member.muted.is_(True))))
    for first in range(0, len(item_ids), CHUNK):
        chunk = list(item_ids[first : first + CHUNK])
        for item_id, language, confirmed, total in session.execute(_COUNTS, {"ids": chunk}):
            found[item_id] = (language or "en", int(confirmed or 0), int(total))
        if muted:
            for item_id, away, confirmed in session.execute(_MUTED, {"ids": chunk, "muted": muted}):
                language, kept, total = found[item_id]
                found[item_id] = (language, kept - int(confirmed), total - int(away))
    return found
