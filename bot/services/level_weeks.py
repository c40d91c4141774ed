"""Reading levels week by week (the dashboard's heat map and the review's trend) in one pass.

Each week says what bot.services.levels.level_report says for that week alone (the same items,
audiences and confirmations; a test checks it), but the whole span is read at once: the items,
their circles' memberships, and the confirmations counted per week, circle and member by the
database (a CASE on the item's creation time gives its week). Only members whose membership
starts or ends inside a week's items are read one by one, as level_report does.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from bot.models import Acknowledgement, Item, Member, Organisation
from bot.services.levels import Window, _audience_counts, _memberships
from bot.services.membership import covers

Key = tuple[int, int, int]  # (week, circle, member)


@dataclass(frozen=True)
class WeekLevel:
    """One week: acknowledged / to read, per member and per organisation (None: no organisation)."""

    members: dict[int, tuple[int, int]]
    organisations: dict[str | None, tuple[int, int]]

    @property
    def acknowledged(self) -> int:
        return sum(acked for acked, _ in self.members.values())

    @property
    def total(self) -> int:
        return sum(total for _, total in self.members.values())


def weekly_levels(
    session: Session, community_id: int, bounds: Sequence[datetime], circle_id: int | None = None
) -> list[WeekLevel]:
    """The weeks [bounds[i], bounds[i + 1]), each as level_report(since=bounds[i], until=bounds[i + 1])."""
    weeks = len(bounds) - 1
    conditions = [
        Item.community_id == community_id,
        Item.must_read.is_(True),
        Item.created_at >= bounds[0],
        Item.created_at < bounds[-1],
    ]
    if circle_id is not None:
        conditions.append(Item.circle_id == circle_id)
    rows = session.execute(
        select(Item.id, Item.circle_id, Item.number, Item.author_id, Item.created_at).where(*conditions)
    ).all()
    if not rows:
        return [WeekLevel({}, {}) for _ in range(weeks)]
    by_week: list[list] = [[] for _ in range(weeks)]
    for row in rows:
        by_week[bisect_right(bounds, row.created_at) - 1].append(row)
    memberships = _memberships(session, {row.circle_id for row in rows})
    totals = [_audience_counts(week, memberships)[0] if week else {} for week in by_week]
    spans = [_spans(week) for week in by_week]
    acked = _acknowledged(session, conditions, bounds, memberships, spans)
    names = _organisations(session, {member for week in totals for member in week})
    levels = []
    for week, counts in enumerate(totals):
        members = {member: (acked.get((week, member), 0), total) for member, total in counts.items()}
        organisations: dict[str | None, tuple[int, int]] = {}
        for member, (done, total) in members.items():
            before = organisations.get(names.get(member), (0, 0))
            organisations[names.get(member)] = (before[0] + done, before[1] + total)
        levels.append(WeekLevel(members, organisations))
    return levels


def _spans(rows: Sequence) -> dict[int, tuple[int, int]]:
    """circle -> (first, last) item number among one week's items."""
    span: dict[int, tuple[int, int]] = {}
    for row in rows:
        first, last = span.get(row.circle_id, (row.number, row.number))
        span[row.circle_id] = (min(first, row.number), max(last, row.number))
    return span


def _acknowledged(
    session: Session,
    conditions: list,
    bounds: Sequence[datetime],
    memberships: dict[int, dict[int, Window]],
    spans: list[dict[int, tuple[int, int]]],
) -> dict[tuple[int, int], int]:
    """(week, member) -> confirmations that count, as levels._confirmations adds them up per member."""
    week_of = case(*((Item.created_at < end, index) for index, end in enumerate(bounds[1:])), else_=-1)
    confirmed = (
        select()
        .select_from(Item)
        .join(Acknowledgement, and_(Acknowledgement.item_id == Item.id, Acknowledgement.version == Item.version))
        .where(*conditions, or_(Item.author_id.is_(None), Item.author_id != Acknowledgement.member_id))
    )
    acked: dict[tuple[int, int], int] = {}
    partial: set[Key] = set()
    grouped = confirmed.add_columns(week_of, Item.circle_id, Acknowledgement.member_id, func.count())
    for week, circle, member, count in session.execute(
        grouped.group_by(week_of, Item.circle_id, Acknowledgement.member_id)
    ):
        window = memberships[circle].get(member)
        if window is None:
            continue  # not in the circle's audience (another circle's facilitator, muted): counts for no one
        first, last = spans[week][circle]
        if covers(window, first) and covers(window, last):
            acked[week, member] = acked.get((week, member), 0) + count
        else:
            partial.add((week, circle, member))
    members = sorted({member for _, _, member in partial})
    one_by_one = confirmed.add_columns(week_of, Item.circle_id, Item.number, Acknowledgement.member_id)
    for start in range(0, len(members), 500):
        for week, circle, number, member in session.execute(
            one_by_one.where(Acknowledgement.member_id.in_(members[start : start + 500]))
        ):
            if (week, circle, member) in partial and covers(memberships[circle][member], number):
                acked[week, member] = acked.get((week, member), 0) + 1
    return acked


def _organisations(session: Session, member_ids: set[int]) -> dict[int, str | None]:
    """member -> their organisation's name (absent: none)."""
    names: dict[int, str | None] = {}
    ids = sorted(member_ids)
    for start in range(0, len(ids), 500):
        statement = (
            select(Member.id, Organisation.name)
            .join(Organisation, Organisation.id == Member.organisation_id)
            .where(Member.id.in_(ids[start : start + 500]))
        )
        names.update({member: name for member, name in session.execute(statement)})
    return names
