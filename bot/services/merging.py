"""Two members found to be one person become one; the merge is recorded so that /unlink splits them back.

The older member (created first) is kept and absorbs the newer one, whose row is removed while
they are linked (its id comes back with /unlink). What moves, and how conflicts are settled:
* accounts (identities), items written, commitments owned, history lines, meetings, agenda topics,
  pending direct messages, earlier links: every row naming the newer member now names the kept one;
* reading: an item confirmed on either account is confirmed, at the newest version either read;
  seen watermarks keep the furthest; items seen stay seen;
* circles and channels: the memberships join (the widest window: the earlier start, no end if
  either is still in); unread counts are counted again for both;
* preferences and profile: the older member's choices win; what it never set (organisation,
  language, where to send personal messages) comes from the newer; facilitator if either was.

The record (`MemberLink.journal`) lists every row that moved and what each changed row was
before, so that bot.services.unmerging can give everything back.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Table, delete, insert, select, update
from sqlalchemy.orm import Session

from bot.kinds import Role
from bot.models import (
    Acknowledgement,
    Base,
    ChannelMember,
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

# tables whose primary key holds the member: merged row by row (the others are moved by their column)
BY_ROW = frozenset(
    {"acknowledgements", "seen_marks", "seen_items", "circle_members", "channel_members", "member_preferences"}
)
PROFILE = ("organisation_id", "role", "role_from_config", "language", "muted", "last_platform")


def stamp(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def unstamp(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value is not None else None


def references() -> list[tuple[Table, Column[Any]]]:
    """Every column naming a member in a table with a one-column primary key: moved as it is."""
    found = []
    for table in Base.metadata.sorted_tables:
        if table.name in BY_ROW or table.name == "members":
            continue
        for column in table.columns:
            if any(key.column.table.name == "members" for key in column.foreign_keys):
                (key,) = table.primary_key.columns
                found.append((table, column))
    return found


def primary_key(table: Table) -> Column[Any]:
    (key,) = table.primary_key.columns
    return key


def older_first(one: Member, other: Member) -> tuple[Member, Member]:
    """(kept, merged): the member created first is kept."""
    return (one, other) if (one.created_at, one.id) <= (other.created_at, other.id) else (other, one)


def merge_members(session: Session, one: Member, other: Member, by: Member | None, now: datetime) -> MemberLink:
    """Make `one` and `other` one member (the older kept); returns the record of the merge."""
    session.flush()
    keep, gone = older_first(one, other)
    identities = list(session.scalars(select(Identity.identity).where(Identity.member_id == gone.id)))
    journal: dict[str, Any] = {"member": _profile(gone), "kept": _profile(keep)}
    journal["moved"] = _move_references(session, gone.id, keep.id)
    journal["acks"], journal["kept_acks"] = _merge_acks(session, keep.id, gone.id)
    journal["marks"], journal["kept_marks"] = _merge_marks(session, keep.id, gone.id)
    journal["seen"] = _merge_seen(session, keep.id, gone.id)
    journal["circles"], journal["kept_circles"] = _merge_circles(session, keep.id, gone.id)
    journal["channels"] = _merge_channels(session, keep.id, gone.id)
    journal["preferences"], journal["kept_preferences"] = _merge_preferences(session, keep.id, gone.id)
    session.execute(update(Identity).where(Identity.member_id == gone.id).values(member_id=keep.id))
    _absorb_profile(keep, gone)
    journal["kept_after"] = _profile(keep)
    by_id = None if by is None or by.id == gone.id else by.id
    link = MemberLink(
        community_id=keep.community_id,
        kept_id=keep.id,
        merged_id=gone.id,
        merged_name=gone.display_name,
        identities=json.dumps(identities),
        journal=json.dumps(journal),
        by_id=by_id if by_id is not None else keep.id,
        at=now,
    )
    session.delete(gone)
    session.flush()
    session.add(link)
    session.flush()
    recount_unread(session.connection(), CircleMember.member_id == keep.id)
    rebuild_reading(session.connection(), members={keep.id, link.merged_id})
    session.expire_all()
    return link


def _profile(member: Member) -> dict[str, Any]:
    return {
        "id": member.id,
        "community_id": member.community_id,
        "display_name": member.display_name,
        "organisation_id": member.organisation_id,
        "role": str(member.role),
        "role_from_config": member.role_from_config,
        "language": member.language,
        "muted": member.muted,
        "last_platform": member.last_platform,
        "created_at": stamp(member.created_at),
    }


def _absorb_profile(keep: Member, gone: Member) -> None:
    """The older member's choices win; what it never set comes from the newer; facilitator if either was."""
    if keep.organisation_id is None and gone.organisation_id is not None:
        keep.organisation_id = gone.organisation_id
        keep.organisation = gone.organisation
    keep.language = keep.language or gone.language
    keep.last_platform = keep.last_platform or gone.last_platform
    if gone.role == Role.FACILITATOR and keep.role != Role.FACILITATOR:
        keep.role, keep.role_from_config = Role.FACILITATOR, gone.role_from_config


def _move_references(session: Session, gone: int, keep: int) -> dict[str, list[Any]]:
    moved: dict[str, list[Any]] = {}
    for table, column in references():
        ids = list(session.scalars(select(primary_key(table)).where(column == gone)))
        if ids:
            session.execute(update(table).where(column == gone).values({column.name: keep}))
            moved[f"{table.name}.{column.name}"] = ids
    return moved


def _rows(session: Session, model: Any, member_id: int, *columns: Any) -> list[Any]:
    return list(session.execute(select(*columns).where(model.member_id == member_id)))


def _merge_acks(session: Session, keep: int, gone: int) -> tuple[list[Any], list[Any]]:
    """Their confirmations become the kept member's, at the newest version either confirmed."""
    table = Acknowledgement.__table__
    columns = (Acknowledgement.item_id, Acknowledgement.version, Acknowledgement.at, Acknowledgement.via)
    theirs = _rows(session, Acknowledgement, gone, *columns)
    mine = {row.item_id: row for row in _rows(session, Acknowledgement, keep, *columns)}
    added, changed = [], []
    for row in theirs:
        own = mine.get(row.item_id)
        if own is None:
            added.append(
                {"item_id": row.item_id, "member_id": keep, "version": row.version, "at": row.at, "via": row.via}
            )
        elif row.version > own.version:
            changed.append([own.item_id, own.version, stamp(own.at), own.via])
            session.execute(
                update(table)
                .where(table.c.item_id == row.item_id, table.c.member_id == keep)
                .values(version=row.version, at=row.at, via=row.via)
            )
    session.execute(delete(table).where(table.c.member_id == gone))
    _insert(session, table, added)
    return [[row.item_id, row.version, stamp(row.at), row.via] for row in theirs], changed


def _merge_marks(session: Session, keep: int, gone: int) -> tuple[list[Any], list[Any]]:
    """Read-up-to watermarks: the furthest of the two, per channel."""
    table = SeenMark.__table__
    theirs = _rows(session, SeenMark, gone, SeenMark.channel, SeenMark.upto, SeenMark.at)
    mine = {row.channel: row for row in _rows(session, SeenMark, keep, SeenMark.channel, SeenMark.upto, SeenMark.at)}
    added, changed = [], []
    for row in theirs:
        own = mine.get(row.channel)
        if own is None:
            added.append({"member_id": keep, "channel": row.channel, "upto": row.upto, "at": row.at})
        elif row.upto > own.upto:
            changed.append([own.channel, stamp(own.upto), stamp(own.at)])
            session.execute(
                update(table)
                .where(table.c.channel == row.channel, table.c.member_id == keep)
                .values(upto=row.upto, at=row.at)
            )
    session.execute(delete(table).where(table.c.member_id == gone))
    _insert(session, table, added)
    return [[row.channel, stamp(row.upto), stamp(row.at)] for row in theirs], changed


def _merge_seen(session: Session, keep: int, gone: int) -> list[Any]:
    table = SeenItem.__table__
    theirs = _rows(session, SeenItem, gone, SeenItem.item_id, SeenItem.at)
    mine = set(session.scalars(select(SeenItem.item_id).where(SeenItem.member_id == keep)))
    session.execute(delete(table).where(table.c.member_id == gone))
    _insert(session, table, [{"item_id": i, "member_id": keep, "at": at} for i, at in theirs if i not in mine])
    return [[item_id, stamp(at)] for item_id, at in theirs]


def _merge_circles(session: Session, keep: int, gone: int) -> tuple[list[Any], list[Any]]:
    """Memberships join: the earlier start, no end if either is still in (else the later end)."""
    table = CircleMember.__table__
    columns = (
        CircleMember.circle_id,
        CircleMember.joined_at,
        CircleMember.audience_from,
        CircleMember.audience_until,
        CircleMember.left_at,
    )
    theirs = _rows(session, CircleMember, gone, *columns)
    mine = {row.circle_id: row for row in _rows(session, CircleMember, keep, *columns)}
    added, changed = [], []
    for row in theirs:
        own = mine.get(row.circle_id)
        if own is None:
            added.append({**row._asdict(), "member_id": keep, "unread": 0})
            continue
        changed.append(_window(own))
        active = own.left_at is None or row.left_at is None
        until = None if active else max(own.audience_until or 0, row.audience_until or 0)
        session.execute(
            update(table)
            .where(table.c.circle_id == row.circle_id, table.c.member_id == keep)
            .values(
                joined_at=min(own.joined_at, row.joined_at),
                audience_from=min(own.audience_from, row.audience_from),
                audience_until=until,
                left_at=None if active else max(own.left_at, row.left_at),
            )
        )
    session.execute(delete(table).where(table.c.member_id == gone))
    _insert(session, table, added)
    return [_window(row) for row in theirs], changed


def _window(row: Any) -> list[Any]:
    return [row.circle_id, stamp(row.joined_at), row.audience_from, row.audience_until, stamp(row.left_at)]


def _merge_channels(session: Session, keep: int, gone: int) -> list[Any]:
    table = ChannelMember.__table__
    theirs = _rows(session, ChannelMember, gone, ChannelMember.channel, ChannelMember.since)
    mine = set(session.scalars(select(ChannelMember.channel).where(ChannelMember.member_id == keep)))
    session.execute(delete(table).where(table.c.member_id == gone))
    _insert(session, table, [{"channel": c, "member_id": keep, "since": s} for c, s in theirs if c not in mine])
    return [[channel, stamp(since)] for channel, since in theirs]


def _preference_values(row: MemberPreference | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"digest": row.digest, "nudges": row.nudges, "via": row.via, "updated_at": stamp(row.updated_at)}


def _merge_preferences(session: Session, keep: int, gone: int) -> tuple[Any, Any]:
    """The older member's choices win; where to send personal messages comes from the newer if never set."""
    theirs = session.get(MemberPreference, gone)
    mine = session.get(MemberPreference, keep)
    before = (_preference_values(theirs), _preference_values(mine))
    if theirs is None:
        return before
    if mine is None:
        session.add(
            MemberPreference(
                member_id=keep, digest=theirs.digest, nudges=theirs.nudges, via=theirs.via, updated_at=theirs.updated_at
            )
        )
    elif mine.via is None:
        mine.via = theirs.via
    session.delete(theirs)
    session.flush()
    return before


def _insert(session: Session, table: Table, rows: Iterable[dict[str, Any]]) -> None:
    listed = list(rows)
    if listed:
        session.execute(insert(table), listed)
