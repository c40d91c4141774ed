"""/unlink: a merge undone, the merged member given back everything it brought (bot.services.merging).

Links are undone newest first. The rule for what was written while the two were linked:
* everything the newer member brought goes back to it, as the record lists it — its accounts,
  items, commitments (with whatever changed on them since), history lines, memberships, channels,
  confirmations, watermarks, preferences and profile;
* what was done while linked cannot be told apart by account, so it stays with the older member
  (items written, commitments taken, history lines), except reading, which counts for both: an
  item confirmed or seen while linked is confirmed or seen by both afterwards;
* presence in channels follows the accounts: a channel of a platform where only the returning
  member has accounts (it joined while linked) goes back with it, and its circle with it;
* the older member's own rows that the merge changed (a later version confirmed, a widened
  membership, its profile) go back to what they were, unless they changed again since.
Nothing is deleted: the record stays, marked undone (who, when).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.kinds import Role
from bot.models import (
    Acknowledgement,
    Base,
    ChannelMember,
    CircleChannel,
    CircleMember,
    Identity,
    Member,
    MemberLink,
    MemberPreference,
    SeenItem,
    SeenMark,
    rebuild_reading,
    recount_unread,
)
from bot.services.merging import primary_key, unstamp


def latest_link(session: Session, member_id: int) -> MemberLink | None:
    """The member's most recent merge not undone yet (undone first)."""
    return session.scalar(
        select(MemberLink)
        .where(MemberLink.kept_id == member_id, MemberLink.unlinked_at.is_(None))
        .order_by(MemberLink.id.desc())
        .limit(1)
    )


def split(session: Session, link: MemberLink, by: Member | None, now: datetime) -> Member:
    """Undo `link`: the merged member comes back with what it brought (see the module's rule)."""
    session.flush()
    journal = json.loads(link.journal)
    keep = session.get_one(Member, link.kept_id)
    back = _restore_member(session, journal["member"])
    platforms = _give_back_identities(session, link, keep.id, back.id)
    for name, ids in journal["moved"].items():
        table_name, column_name = name.split(".")
        table = Base.metadata.tables[table_name]
        column = table.c[column_name]
        session.execute(
            update(table).where(primary_key(table).in_(ids), column == keep.id).values({column_name: back.id})
        )
    _restore_acks(session, journal, keep.id, back.id, link.at)
    _restore_marks(session, journal, keep.id, back.id, link.at, platforms)
    _restore_seen(session, journal, keep.id, back.id, link.at)
    _restore_channels(session, journal, keep.id, back.id, platforms)
    _restore_circles(session, journal, keep.id, back.id, now)
    _restore_preferences(session, journal, back.id)
    _restore_profile(keep, journal)
    link.unlinked_at, link.unlinked_by = now, by.id if by is not None else None
    session.flush()
    recount_unread(session.connection(), CircleMember.member_id.in_([keep.id, back.id]))
    rebuild_reading(session.connection(), members={keep.id, back.id})
    session.expire_all()
    return back


def _restore_member(session: Session, saved: dict[str, Any]) -> Member:
    member = Member(
        id=saved["id"],
        community_id=saved["community_id"],
        display_name=saved["display_name"],
        organisation_id=saved["organisation_id"],
        role=Role(saved["role"]),
        role_from_config=saved["role_from_config"],
        language=saved["language"],
        muted=saved["muted"],
        last_platform=saved["last_platform"],
        created_at=unstamp(saved["created_at"]),
    )
    session.add(member)
    session.flush()
    return member


def _give_back_identities(session: Session, link: MemberLink, keep: int, back: int) -> set[str]:
    """The accounts it brought; returns the platforms where only the returning member has accounts."""
    accounts = json.loads(link.identities)
    session.execute(
        update(Identity).where(Identity.identity.in_(accounts), Identity.member_id == keep).values(member_id=back)
    )
    theirs = {account.split(":", 1)[0] for account in accounts}
    kept = {i.split(":", 1)[0] for i in session.scalars(select(Identity.identity).where(Identity.member_id == keep))}
    return theirs - kept


def _restore_acks(session: Session, journal: dict[str, Any], keep: int, back: int, since: datetime) -> None:
    """Its confirmations come back; those made while linked count for both; the kept member's own rows the
    merge raised go back to what they were, unless confirmed again since."""
    rows: dict[int, tuple[int, datetime, str]] = {}
    for item_id, version, at, via in journal["acks"]:
        rows[item_id] = (version, unstamp(at) or since, via)
    current = session.execute(
        select(Acknowledgement.item_id, Acknowledgement.version, Acknowledgement.at, Acknowledgement.via).where(
            Acknowledgement.member_id == keep
        )
    ).all()
    mine = {row.item_id: row for row in current}
    for row in current:
        if row.at >= since and (row.item_id not in rows or rows[row.item_id][0] < row.version):
            rows[row.item_id] = (row.version, row.at, row.via)
    for item_id, version, at, via in journal["kept_acks"]:
        own = mine.get(item_id)
        merged = rows.get(item_id)
        if own is not None and merged is not None and (own.version, own.at) == merged[:2]:
            session.execute(
                update(Acknowledgement)
                .where(Acknowledgement.item_id == item_id, Acknowledgement.member_id == keep)
                .values(version=version, at=unstamp(at), via=via)
                .execution_options(synchronize_session=False)
            )
    table = Acknowledgement.__table__
    values = [{"item_id": i, "member_id": back, "version": v, "at": at, "via": via} for i, (v, at, via) in rows.items()]
    if values:
        session.execute(table.insert(), values)


def _restore_marks(
    session: Session, journal: dict[str, Any], keep: int, back: int, since: datetime, platforms: set[str]
) -> None:
    """Its watermarks come back; a channel of its own platform read further while linked was read by it."""
    marks = {channel: (unstamp(upto), unstamp(at)) for channel, upto, at in journal["marks"]}
    current = session.execute(
        select(SeenMark.channel, SeenMark.upto, SeenMark.at).where(SeenMark.member_id == keep)
    ).all()
    for channel, upto, at in current:
        ours = channel.split(":", 1)[0] in platforms
        if (ours or at >= since) and (channel not in marks or (marks[channel][0] or upto) < upto):
            marks[channel] = (upto, at)
    changed = {channel: (unstamp(upto), unstamp(at)) for channel, upto, at in journal["kept_marks"]}
    for channel, _upto, at in current:
        if channel in changed and at < since:
            session.execute(
                update(SeenMark)
                .where(SeenMark.member_id == keep, SeenMark.channel == channel)
                .values(upto=changed[channel][0], at=changed[channel][1])
                .execution_options(synchronize_session=False)
            )
    values = [{"member_id": back, "channel": c, "upto": upto, "at": at} for c, (upto, at) in marks.items()]
    if values:
        session.execute(SeenMark.__table__.insert(), values)


def _restore_seen(session: Session, journal: dict[str, Any], keep: int, back: int, since: datetime) -> None:
    seen = {item_id: unstamp(at) for item_id, at in journal["seen"]}
    for item_id, at in session.execute(
        select(SeenItem.item_id, SeenItem.at).where(SeenItem.member_id == keep, SeenItem.at >= since)
    ):
        seen.setdefault(item_id, at)
    values = [{"item_id": item_id, "member_id": back, "at": at} for item_id, at in seen.items()]
    if values:
        session.execute(SeenItem.__table__.insert(), values)


def _restore_channels(session: Session, journal: dict[str, Any], keep: int, back: int, platforms: set[str]) -> None:
    """Its channels come back; those of a platform where only it has accounts are no longer the kept member's."""
    channels = {channel: unstamp(since) for channel, since in journal["channels"]}
    for channel, since in session.execute(
        select(ChannelMember.channel, ChannelMember.since).where(ChannelMember.member_id == keep)
    ):
        if channel.split(":", 1)[0] in platforms:
            channels.setdefault(channel, since)
    ours = [channel for channel in channels if channel.split(":", 1)[0] in platforms]
    if ours:
        session.execute(
            ChannelMember.__table__.delete().where(ChannelMember.member_id == keep, ChannelMember.channel.in_(ours))
        )
    values = [{"channel": channel, "member_id": back, "since": since} for channel, since in channels.items()]
    if values:
        session.execute(ChannelMember.__table__.insert(), values)


def _in_a_channel_of(session: Session, member_id: int, circle_id: int) -> bool:
    return (
        session.scalar(
            select(ChannelMember.member_id)
            .join(CircleChannel, CircleChannel.channel == ChannelMember.channel)
            .where(ChannelMember.member_id == member_id, CircleChannel.circle_id == circle_id)
            .limit(1)
        )
        is not None
    )


def _restore_circles(session: Session, journal: dict[str, Any], keep: int, back: int, now: datetime) -> None:
    """Its memberships come back as they were (in again where one of its channels is); the kept member's
    go back to what they were before the merge, and it leaves the circles it had only through the other."""
    table = CircleMember.__table__
    saved = {row[0]: row for row in journal["circles"]}
    before = {row[0]: row for row in journal["kept_circles"]}
    current = {
        row.circle_id: row for row in session.scalars(select(CircleMember).where(CircleMember.member_id == keep))
    }
    ours = {cid for cid in set(saved) | set(current) if _in_a_channel_of(session, back, cid)}
    values = []
    for circle_id in set(saved) | ours:
        if circle_id in saved:
            _, joined, start, until, left = saved[circle_id]
            joined, left = unstamp(joined), unstamp(left)
        else:
            row = current[circle_id]
            joined, start, until, left = row.joined_at, row.audience_from, row.audience_until, row.left_at
        if circle_id in ours:
            until, left = None, None
        values.append(
            {"circle_id": circle_id, "member_id": back, "joined_at": joined, "audience_from": start}
            | {"audience_until": until, "left_at": left, "unread": 0}
        )
    if values:
        session.execute(table.insert(), values)
    for circle_id, row in current.items():
        there = _in_a_channel_of(session, keep, circle_id)
        if circle_id in before:
            _, joined, start, until, left = before[circle_id]
            row.joined_at, row.audience_from = unstamp(joined) or row.joined_at, start
            if not there and until is not None:
                row.audience_until, row.left_at = until, unstamp(left)
        elif circle_id in saved and not there:
            session.delete(row)
    session.flush()


def _restore_preferences(session: Session, journal: dict[str, Any], back: int) -> None:
    saved = journal["preferences"]
    if saved is not None:
        session.add(
            MemberPreference(
                member_id=back,
                digest=saved["digest"],
                nudges=saved["nudges"],
                via=saved["via"],
                updated_at=unstamp(saved["updated_at"]),
            )
        )


def _restore_profile(keep: Member, journal: dict[str, Any]) -> None:
    """The kept member's profile fields the merge filled go back, unless they changed since."""
    before, after = journal["kept"], journal["kept_after"]
    for name in ("organisation_id", "role_from_config", "language", "last_platform"):
        if before[name] != after[name] and getattr(keep, name) == after[name]:
            setattr(keep, name, before[name])
    if before["role"] != after["role"] and str(keep.role) == after["role"]:
        keep.role = Role(before["role"])
    if keep.organisation_id != after["organisation_id"]:
        keep.organisation = None
        keep.organisation_id = before["organisation_id"] if keep.organisation_id is None else keep.organisation_id
