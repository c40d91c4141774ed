"""The time-windowed queries that recaps, agendas, digests and nudges are made of (indexed, bounded).

Each per-owner query has a twin for every owner at once (`…_by_owner`), for the scheduler's rounds:
one query of plain columns, cut and filtered per owner exactly as the per-owner query does, then
`shown_commitments` for the few that a post shows.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session, joinedload, lazyload

from bot.kinds import CommitmentStatus, ItemKind
from bot.models import Commitment, CommitmentChange, Item, Member
from bot.services.commitments import is_overdue

LIMIT = 200  # a post never lists more; the builders show fewer and say "… and N more"
CHUNK = 1000  # ids per IN (…) list
NEWS = (ItemKind.UPDATE, ItemKind.ANNOUNCEMENT)  # what recaps and agendas list as the circle's news


def _shown() -> tuple[Any, ...]:
    """What a post shows of a commitment (number, title, owner and their organisation): nothing more
    is loaded with it (not its item's circle and channels, nor its author)."""
    return (
        joinedload(Commitment.item).options(lazyload(Item.circle), lazyload(Item.author)),
        joinedload(Commitment.owner).joinedload(Member.organisation),
        lazyload(Commitment.organisation),
    )


def _commitments(circle_id: int | None) -> Select[tuple[Commitment]]:
    statement = select(Commitment).join(Item, Item.id == Commitment.item_id).options(*_shown())
    if circle_id is not None:
        statement = statement.where(Item.circle_id == circle_id)
    return statement


def new_commitments(session: Session, circle_id: int, since: datetime, until: datetime) -> list[Commitment]:
    """For a recap: the commitments made in a circle within [since, until), by number."""
    statement = _commitments(circle_id).where(Item.created_at >= since, Item.created_at < until)
    return list(session.scalars(statement.order_by(Item.number).limit(LIMIT)))


def done_commitments(session: Session, circle_id: int, since: datetime, until: datetime) -> list[Commitment]:
    """For a recap: the commitments of a circle marked done within [since, until) and still done, by number."""
    done = select(CommitmentChange.commitment_id).where(
        CommitmentChange.field == "status",
        CommitmentChange.new_value == CommitmentStatus.DONE,
        CommitmentChange.at >= since,
        CommitmentChange.at < until,
    )
    statement = _commitments(circle_id).where(Commitment.status == CommitmentStatus.DONE, Commitment.item_id.in_(done))
    return list(session.scalars(statement.order_by(Item.number).limit(LIMIT)))


def overdue_commitments(
    session: Session,
    now: datetime,
    zone: ZoneInfo,
    circle_id: int | None = None,
    owner_id: int | None = None,
    since: datetime | None = None,
) -> list[Commitment]:
    """For recaps, agendas and digests: the open commitments past their due date (a date without a time
    passes at the end of its day), of a circle or of an owner (due from `since`), the longest overdue first."""
    statement = _commitments(circle_id).where(
        Commitment.status == CommitmentStatus.OPEN, Commitment.due_at.is_not(None), Commitment.due_at < now
    )
    if owner_id is not None:
        statement = statement.where(Commitment.owner_id == owner_id)
    if since is not None:
        statement = statement.where(Commitment.due_at >= since)
    rows = session.scalars(statement.order_by(Commitment.due_at, Item.number).limit(LIMIT))
    return [row for row in rows if is_overdue(row, now, zone)]


def _end_of_day(end: datetime, zone: ZoneInfo) -> datetime:
    return end.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)


def due_between(
    session: Session,
    start: datetime,
    end: datetime,
    zone: ZoneInfo,
    circle_id: int | None = None,
    owner_id: int | None = None,
) -> list[Commitment]:
    """Open commitments due from `start` (not overdue then) up to the end of `end`'s local day."""
    end_of_day = _end_of_day(end, zone)
    statement = _commitments(circle_id).where(
        Commitment.status == CommitmentStatus.OPEN,
        Commitment.due_at.is_not(None),
        Commitment.due_at < end_of_day,
        Commitment.due_at >= start - timedelta(days=1),
    )
    if owner_id is not None:
        statement = statement.where(Commitment.owner_id == owner_id)
    rows = session.scalars(statement.order_by(Commitment.due_at, Item.number).limit(LIMIT))
    return [row for row in rows if not is_overdue(row, start, zone)]


def items_of_kind(
    session: Session, circle_id: int, kinds: tuple[ItemKind, ...], since: datetime, until: datetime
) -> list[Item]:
    """For recaps and agendas: a circle's items of these kinds (updates, announcements, decisions) posted
    within [since, until), by number."""
    statement = (
        select(Item)
        .where(Item.circle_id == circle_id, Item.kind.in_(kinds), Item.created_at >= since, Item.created_at < until)
        .options(lazyload(Item.circle))  # a post shows the author and the text
    )
    return list(session.scalars(statement.order_by(Item.number).limit(LIMIT)))


def open_due_before(community_id: int, before: datetime) -> tuple[ColumnElement[bool], ...]:
    """The community's open commitments due before `before` (with Item joined): rounds' and nudges' filter."""
    return (
        Item.community_id == community_id,
        Commitment.status == CommitmentStatus.OPEN,
        Commitment.due_at.is_not(None),
        Commitment.due_at < before,
    )


def _open_by_owner(
    session: Session, community_id: int, before: datetime, keep: Callable[[Any], bool], since: datetime | None = None
) -> dict[int, list[Any]]:
    """Open commitments due before `before` (and from `since`), per owner: the first LIMIT in
    (due, number) order, then those `keep` accepts — what the per-owner query returns, as rows."""
    statement = (
        select(
            Commitment.item_id,
            Item.number,
            Commitment.owner_id,
            Commitment.due_at,
            Commitment.due_has_time,
            Commitment.status,
        )
        .join(Item, Item.id == Commitment.item_id)
        .where(*open_due_before(community_id, before))
    )
    if since is not None:
        statement = statement.where(Commitment.due_at >= since)
    grouped: dict[int, list[Any]] = {}
    for row in session.execute(statement.order_by(Commitment.due_at, Item.number)):
        grouped.setdefault(row.owner_id, []).append(row)
    return {owner: [row for row in rows[:LIMIT] if keep(row)] for owner, rows in grouped.items()}


def overdue_by_owner(
    session: Session, community_id: int, now: datetime, zone: ZoneInfo, since: datetime | None = None
) -> dict[int, list[Any]]:
    """overdue_commitments(owner_id=…, since=…) for every owner: rows (item_id, number, owner_id, due_at…)."""
    return _open_by_owner(session, community_id, now, lambda row: is_overdue(row, now, zone), since=since)


def _open_before(before: datetime) -> Select[Any]:
    return select(func.count()).where(
        Commitment.status == CommitmentStatus.OPEN, Commitment.due_at.is_not(None), Commitment.due_at < before
    )


def open_before_count(session: Session, owner_id: int, before: datetime) -> int:
    """How many open commitments of an owner were due before `before` (a digest counts, and does not
    list, those overdue for weeks: bot.posts.digest)."""
    return int(session.scalar(_open_before(before).where(Commitment.owner_id == owner_id)) or 0)


def open_before_by_owner(session: Session, community_id: int, before: datetime) -> dict[int, int]:
    """open_before_count for every owner of the community, in one grouped count."""
    statement = (
        _open_before(before)
        .add_columns(Commitment.owner_id)
        .join(Item, Item.id == Commitment.item_id)
        .where(Item.community_id == community_id)
        .group_by(Commitment.owner_id)
    )
    return {owner_id: count for count, owner_id in session.execute(statement)}


def open_due_dates(
    session: Session, community_id: int, before: datetime, owner_id: int | None = None
) -> dict[int, list[Any]]:
    """The open commitments due before `before`, of an owner or of every one, per owner: rows (owner_id,
    due_at), only the columns (nudges count those overdue for weeks and say them on their weekly day)."""
    statement = (
        select(Commitment.owner_id, Commitment.due_at)
        .join(Item, Item.id == Commitment.item_id)
        .where(*open_due_before(community_id, before))
    )
    if owner_id is not None:
        statement = statement.where(Commitment.owner_id == owner_id)
    grouped: dict[int, list[Any]] = {}
    for row in session.execute(statement):
        grouped.setdefault(row.owner_id, []).append(row)
    return grouped


def due_between_by_owner(
    session: Session, community_id: int, start: datetime, end: datetime, zone: ZoneInfo
) -> dict[int, list[Any]]:
    """due_between(owner_id=…) for every owner: rows (item_id, number, owner_id, due_at…)."""
    return _open_by_owner(
        session,
        community_id,
        _end_of_day(end, zone),
        lambda row: not is_overdue(row, start, zone),
        since=start - timedelta(days=1),
    )


@dataclass(frozen=True)
class Shown:
    """What a post shows of a commitment (what commitment_bullet and commitment_title read), read as
    columns: a round shows thousands of them."""

    item_id: int
    number: int
    title: str
    owner: Member
    due_at: datetime | None
    due_has_time: bool
    status: str
    progress: int | None


def shown_commitments(session: Session, ids: Collection[int]) -> dict[int, Shown]:
    """The commitments with these ids, as a post shows them, in two queries per CHUNK (and their owners)."""
    found: dict[int, Shown] = {}
    wanted = sorted(ids)
    owners: dict[int, Member] = {}
    for start in range(0, len(wanted), CHUNK):
        rows = session.execute(
            select(
                Commitment.item_id,
                Item.number,
                Commitment.title,
                Commitment.owner_id,
                Commitment.due_at,
                Commitment.due_has_time,
                Commitment.status,
                Commitment.progress,
            )
            .join(Item, Item.id == Commitment.item_id)
            .where(Commitment.item_id.in_(wanted[start : start + CHUNK]))
        ).all()
        missing = sorted({row.owner_id for row in rows} - set(owners))
        owners.update((member.id, member) for member in session.scalars(select(Member).where(Member.id.in_(missing))))
        for row in rows:
            found[row.item_id] = Shown(
                row.item_id,
                row.number,
                row.title,
                owners[row.owner_id],
                row.due_at,
                row.due_has_time,
                row.status,
                row.progress,
            )
    return found


def overdue_by_circle(
    session: Session, community_id: int, now: datetime, zone: ZoneInfo, shown: int
) -> dict[int, tuple[list[Shown], int]]:
    """overdue_in_circle for every circle of the community at once: one query of columns."""
    statement = (
        select(Commitment.item_id, Item.circle_id, Commitment.due_at, Commitment.due_has_time, Commitment.status)
        .join(Item, Item.id == Commitment.item_id)
        .where(
            Item.community_id == community_id,
            Commitment.status == CommitmentStatus.OPEN,
            Commitment.due_at.is_not(None),
            Commitment.due_at < now,
        )
        .order_by(Commitment.due_at, Item.number)
    )
    per_circle: dict[int, list[Any]] = {}
    for row in session.execute(statement):
        per_circle.setdefault(row.circle_id, []).append(row)
    ids = {
        circle: [row.item_id for row in rows[:LIMIT] if is_overdue(row, now, zone)]
        for circle, rows in per_circle.items()
    }
    loaded = shown_commitments(session, [item_id for listed in ids.values() for item_id in listed[:shown]])
    return {circle: ([loaded[item_id] for item_id in listed[:shown]], len(listed)) for circle, listed in ids.items()}


def overdue_in_circle(
    session: Session, now: datetime, zone: ZoneInfo, circle_id: int, shown: int
) -> tuple[list[Shown], int]:
    """overdue_commitments(circle_id=…) as (its first `shown`, how many it lists): the list is made
    of plain columns, and only the commitments shown are loaded."""
    statement = (
        select(Commitment.item_id, Commitment.due_at, Commitment.due_has_time, Commitment.status)
        .join(Item, Item.id == Commitment.item_id)
        .where(
            Item.circle_id == circle_id,
            Commitment.status == CommitmentStatus.OPEN,
            Commitment.due_at.is_not(None),
            Commitment.due_at < now,
        )
        .order_by(Commitment.due_at, Item.number)
        .limit(LIMIT)
    )
    ids = [row.item_id for row in session.execute(statement) if is_overdue(row, now, zone)]
    loaded = shown_commitments(session, ids[:shown])
    return [loaded[item_id] for item_id in ids[:shown]], len(ids)
