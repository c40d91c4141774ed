"""A member's choices about what the bot sends them: the personal digest (opt-in), nudges, and where."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Member, MemberPreference


def preferences(session: Session, member: Member) -> MemberPreference:
    """The member's preferences (defaults, not stored, when they never chose)."""
    found = session.get(MemberPreference, member.id)
    return found or MemberPreference(member_id=member.id, digest=False, nudges=True)


def set_preference(
    session: Session,
    member: Member,
    now: datetime,
    *,
    digest: bool | None = None,
    nudges: bool | None = None,
    via: str | None = None,
) -> MemberPreference:
    """Change the member's choices (`via`: a platform, or "" for the one they last used)."""
    found = session.get(MemberPreference, member.id)
    if found is None:
        found = MemberPreference(member_id=member.id, digest=False, nudges=True, updated_at=now)
        session.add(found)
    if digest is not None:
        found.digest = digest
    if nudges is not None:
        found.nudges = nudges
    if via is not None:
        found.via = via or None
    found.updated_at = now
    session.flush()
    return found


def digest_subscribers(session: Session, community_id: int) -> list[Member]:
    return list(
        session.scalars(
            select(Member)
            .join(MemberPreference, MemberPreference.member_id == Member.id)
            .where(Member.community_id == community_id, MemberPreference.digest.is_(True), Member.muted.is_(False))
            .order_by(Member.id)
        )
    )


def nudges_off(session: Session, community_id: int) -> set[int]:
    return set(
        session.scalars(
            select(MemberPreference.member_id)
            .join(Member, Member.id == MemberPreference.member_id)
            .where(Member.community_id == community_id, MemberPreference.nudges.is_(False))
        )
    )
