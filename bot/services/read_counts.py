"""The live read count under an item's posted copies: "✅ 4/9 confirmed", kept true as people confirm.

Called after acknowledgements change (a ✅ reaction added or removed, the ✅ button, /read): for each
item touched that has copies on a platform that can edit (bot.copies), the count is read once and the
copies' update is written, coalesced (a burst of ✅ makes one edit every few seconds at most).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.copies import EDITABLE_PLATFORMS, update_copies
from bot.i18n import translator
from bot.models import Acknowledgement, Community, Item, OutboxMessage
from bot.services.reads import audience


def count_line(language: str, confirmed: int, total: int) -> str:
    """ "✅ 4/9 confirmed" in the community's language."""
    return translator(language).tn(
        "✅ {count}/{total} confirmed", "✅ {count}/{total} confirmed", confirmed, total=total
    )


def with_copies(session: Session, item_ids: Iterable[int]) -> list[int]:
    """Those of the items that have a sent copy on a platform that can edit (one query)."""
    wanted = sorted(set(item_ids))
    if not wanted:
        return []
    found = session.scalars(
        select(OutboxMessage.item_id)
        .where(
            OutboxMessage.item_id.in_(wanted),
            OutboxMessage.replaces.is_(None),
            OutboxMessage.message_id.is_not(None),
            OutboxMessage.ephemeral.is_(False),
            OutboxMessage.platform.in_(sorted(EDITABLE_PLATFORMS)),
        )
        .distinct()
    )
    return sorted(item_id for item_id in found if item_id is not None)


def refresh_counts(session: Session, item_ids: Iterable[int], now: datetime) -> int:
    """Update the read count shown on the copies of these items; returns how many items had copies."""
    refreshed = 0
    for item_id in with_copies(session, item_ids):
        item = session.get(Item, item_id)
        if item is None or not item.must_read:
            continue
        members = {member.id for member in audience(session, item)}
        confirmed = session.scalar(
            select(func.count())
            .select_from(Acknowledgement)
            .where(
                Acknowledgement.item_id == item.id,
                Acknowledgement.version == item.version,
                Acknowledgement.member_id.in_(members),
            )
        )
        language = session.scalar(select(Community.language).where(Community.id == item.community_id)) or "en"
        line = count_line(language, int(confirmed or 0), len(members)) if confirmed else None
        update_copies(session, item_id, now, line=line)
        refreshed += 1
    return refreshed
