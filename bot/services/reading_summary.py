"""Reading levels over a span of time from the summary kept as things happen (bot.models.reading).

A span is cut at the community's week boundaries: the whole weeks inside it are read from the
summary rows (one row per member, circle and week); a piece of a week at either end is counted
from its own items and acknowledgements — or, when it is the larger part of its week, as the
week's row less the rest of the week, so that at most half a week is ever counted item by item.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import String, and_, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from bot.models import Acknowledgement, Circle, CircleMember, Community, Item, Member, ReadingWeek
from bot.models.community import covers
from bot.models.reading import week_of, week_start

Window = tuple[int, int | None]
Memberships = dict[int, dict[int, Window]]  # circle -> member -> audience window (members not muted)
Counts = dict[int, tuple[int, int]]  # member -> (confirmed, to read)
Seen = dict[date, dict[int, int]]  # week (its Monday) -> member -> items seen or confirmed (whole weeks)


def zone(session: Session, community_id: int) -> ZoneInfo:
    return ZoneInfo(session.scalar(select(Community.timezone).where(Community.id == community_id)) or "UTC")


def circles_of(session: Session, community_id: int, circle_id: int | None) -> list[int]:
    if circle_id is not None:
        return [circle_id]
    return list(session.scalars(select(Circle.id).where(Circle.community_id == community_id)))


def _add(into: Counts, member: int, confirmed: int, to_read: int, sign: int = 1) -> None:
    before = into.get(member, (0, 0))
    into[member] = (before[0] + sign * confirmed, before[1] + sign * to_read)


def _weeks(
    session: Session,
    circles: list[int],
    memberships: Memberships,
    first: date,
    last: date | None,
    by_member: bool,
    seen: Seen | None = None,
) -> dict[date, Counts]:
    """week -> member -> (confirmed, to read), summed over the circles, for the members of
    `memberships` (not muted); not `by_member`: week -> {0: the week's sums}. The rows are read by
    week (the primary key's first column). `seen` (by member): filled with each week's items seen."""
    members = {member for circle in memberships.values() for member in circle}
    week = type_coerce(ReadingWeek.week, String)  # SQLite's text as it is: each week's read once, below
    columns = [week, ReadingWeek.member_id] if by_member else [week]
    statement = (
        select(*columns, func.sum(ReadingWeek.confirmed), func.sum(ReadingWeek.to_read), func.sum(ReadingWeek.seen))
        .where(ReadingWeek.week >= first, ReadingWeek.circle_id.in_(circles))
        .group_by(*columns)
    )
    if last is not None:
        statement = statement.where(ReadingWeek.week <= last)
    if not by_member:
        muted = select(Member.id).where(Member.muted.is_(True))
        statement = statement.where(ReadingWeek.member_id.not_in(muted.scalar_subquery()))
    found: dict[Any, Counts] = {}
    sights: dict[Any, dict[int, int]] = {}
    for raw, *rest in session.connection().execute(statement).all():  # Core: no ORM rows
        member, confirmed, to_read, saw = rest if by_member else (0, *rest)
        if member in members or not by_member:
            counts = found.get(raw)
            if counts is None:
                counts = found[raw] = {}
                sights[raw] = {}
            counts[member] = (int(confirmed or 0), int(to_read or 0))
            if saw:
                sights[raw][member] = int(saw)
    if seen is not None:
        seen.update((_day(raw), values) for raw, values in sights.items())
    return {_day(raw): counts for raw, counts in found.items()}


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def by_member(_circle: int, member: int) -> int:
    return member


def by_circle(circle: int, _member: int) -> int:
    return circle


def exact(
    session: Session,
    where: Any,
    load: Callable[[], Memberships],
    since: datetime,
    until: datetime,
    key: Callable[[int, int], int] = by_member,
) -> Counts:
    """member -> (confirmed, to read) for the items posted in [since, until), counted from them
    (`load` gives the memberships, read only if there are items); `key=by_circle`: circle -> the sums."""
    counts: Counts = {}
    timing = [where, Item.must_read.is_(True), Item.created_at >= since, Item.created_at < until]
    rows = session.connection().execute(select(Item.circle_id, Item.number, Item.author_id).where(*timing)).all()
    if not rows:
        return counts
    memberships = load()
    for circle, number, author in rows:
        for member, window in memberships.get(circle, {}).items():
            if member != author and covers(window, number):
                _add(counts, key(circle, member), 0, 1)
    confirmed = (
        select(Item.circle_id, Item.number, Acknowledgement.member_id)
        .join(Acknowledgement, and_(Acknowledgement.item_id == Item.id, Acknowledgement.version == Item.version))
        .where(*timing, or_(Item.author_id.is_(None), Item.author_id != Acknowledgement.member_id))
    )
    for circle, number, member in session.connection().execute(confirmed):
        window = memberships.get(circle, {}).get(member)
        if window is not None and covers(window, number):
            _add(counts, key(circle, member), 1, 0)
    return counts


def memberships_of(session: Session, circle_ids: set[int] | list[int]) -> Memberships:
    """circle -> member -> audience window, for the members who are not muted (the muted left out by
    a NOT IN, not a join: SQLite ran the join member by member, each probing every circle)."""
    memberships: Memberships = {circle: {} for circle in circle_ids}
    muted = select(Member.id).where(Member.muted.is_(True)).scalar_subquery()
    for circle, member_id, audience_from, audience_until in session.connection().execute(
        select(
            CircleMember.circle_id, CircleMember.member_id, CircleMember.audience_from, CircleMember.audience_until
        ).where(CircleMember.circle_id.in_(list(circle_ids)), CircleMember.member_id.not_in(muted))
    ):
        memberships[circle][member_id] = (audience_from, audience_until)
    return memberships


def levels_between(
    session: Session,
    community_id: int,
    circle_id: int | None,
    bounds: Sequence[datetime | None],
    memberships: Memberships | None = None,
    by_member: bool = True,
    seen: Seen | None = None,
) -> list[Counts]:
    """For each span [bounds[i], bounds[i + 1]) (a last bound None: no end), member -> (confirmed,
    to read) as bot.services.levels counts them (members not muted, with something to read).
    `memberships`: those of every circle concerned, if the caller has read them already. Not
    `by_member`: each span's sums only, as {0: (confirmed, to read)} (the review's trend). `seen`: filled
    with the items seen or confirmed of each whole week the spans touch (bot.models.reading)."""
    tz = zone(session, community_id)
    circles = circles_of(session, community_id, circle_id)
    known = memberships if memberships is not None and set(circles) <= set(memberships) else None

    @cache
    def load() -> Memberships:
        return known if known is not None else memberships_of(session, circles)

    where = Item.community_id == community_id if circle_id is None else Item.circle_id == circle_id
    first = week_of(bounds[0], tz)  # type: ignore[arg-type]
    last = None if bounds[-1] is None else week_of(bounds[-1], tz)
    rows = _weeks(session, circles, load() if by_member else {}, first, last, by_member, seen)
    found = []
    for since, until in zip(bounds[:-1], bounds[1:], strict=True):
        assert since is not None
        counts = _span(session, where, load, rows, tz, since, until)
        if not by_member:
            counts = {0: (sum(done for done, _ in counts.values()), sum(total for _, total in counts.values()))}
        found.append(counts)
    return found


def _span(
    session: Session,
    where: Any,
    load: Callable[[], Memberships],
    rows: dict[date, Counts],
    tz: ZoneInfo,
    since: datetime,
    until: datetime | None,
    key: Callable[[int, int], int] = by_member,
) -> Counts:
    counts: Counts = {}
    week = week_of(since, tz)
    last = week_of(until, tz) if until is not None else max(rows, default=week)
    while week <= last:
        start, end = week_start(week, tz), week_start(week + timedelta(weeks=1), tz)
        if until is not None and start >= until:
            break
        low, high = max(since, start), end if until is None else min(until, end)
        if low == start and high == end:
            whole = rows.get(week, {})
        elif (high - low) * 2 <= end - start:
            whole, start, end = {}, low, low  # the piece alone
            for member, (done, to_read) in exact(session, where, load, low, high, key).items():
                _add(counts, member, done, to_read)
        else:  # the week less what lies outside the span
            whole = rows.get(week, {})
            for piece in ((start, low), (high, end)):
                if piece[0] < piece[1]:
                    for member, (done, to_read) in exact(session, where, load, *piece, key).items():
                        _add(counts, member, done, to_read, -1)
        for member, (done, to_read) in whole.items():
            _add(counts, member, done, to_read)
        week += timedelta(weeks=1)
    return {member: value for member, value in counts.items() if value != (0, 0)}


def circle_levels(session: Session, community_id: int, since: datetime) -> Counts:
    """circle -> (confirmed, to read) of its items posted since `since`, for the members not muted: what
    levels_between says of each circle's members, summed (the facilitators' overview of every circle,
    bot.services.overview), read from the summary grouped by week and circle (a few hundred rows)."""
    tz = zone(session, community_id)
    circles = circles_of(session, community_id, None)

    @cache
    def load() -> Memberships:
        return memberships_of(session, circles)

    week = type_coerce(ReadingWeek.week, String)
    muted = select(Member.id).where(Member.muted.is_(True)).scalar_subquery()
    statement = (
        select(week, ReadingWeek.circle_id, func.sum(ReadingWeek.confirmed), func.sum(ReadingWeek.to_read))
        .where(
            ReadingWeek.week >= week_of(since, tz),
            ReadingWeek.circle_id.in_(circles),
            ReadingWeek.member_id.not_in(muted),
        )
        .group_by(week, ReadingWeek.circle_id)
    )
    rows: dict[date, Counts] = {}
    for raw, circle, confirmed, to_read in session.connection().execute(statement).all():
        rows.setdefault(_day(raw), {})[circle] = (int(confirmed or 0), int(to_read or 0))
    where = Item.community_id == community_id
    return _span(session, where, load, rows, tz, since, None, by_circle)
