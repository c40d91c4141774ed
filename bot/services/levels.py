"""Reading levels over many items: per member, per organisation, per item (/level, recaps, agendas).

Three lean queries (the items, their circles' memberships, their acknowledgements); the audience
arithmetic is done here, so the cost follows the items asked for, not the history.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from bot.models import Acknowledgement, CircleMember, Item, Member
from bot.services.membership import covers
from bot.services.reads import load_items

READING_WINDOW = timedelta(weeks=4)  # the reading level of /level and of the weekly recap: "the last 4 weeks"


@dataclass(frozen=True)
class Coverage:
    item: Item
    acknowledged: int
    audience: int

    @property
    def share(self) -> float:
        return self.acknowledged / self.audience if self.audience else 1.0


@dataclass(frozen=True)
class MemberLevel:
    member: Member
    acknowledged: int
    total: int

    @property
    def share(self) -> float:
        return self.acknowledged / self.total if self.total else 1.0


@dataclass(frozen=True)
class LevelReport:
    members: list[MemberLevel]
    organisations: list[tuple[str | None, int, int]]  # (name or None, acknowledged, total)
    lowest: list[Coverage]
    items: int


Window = tuple[int, int | None]  # (audience_from, audience_until): the item numbers a membership covers


def _audience_counts(
    items: Sequence[Any], memberships: dict[int, dict[int, Window]]
) -> tuple[dict[int, int], dict[int, int]]:
    """Items to read per member (added up over their circles), and audience size per item.

    Counted by bisecting sorted numbers: the members whose window starts at or before an item,
    minus those whose window ended before it.
    """
    by_circle: dict[int, list[Any]] = {}
    for row in items:
        by_circle.setdefault(row.circle_id, []).append(row)
    totals: dict[int, int] = {}
    audience_size: dict[int, int] = {}
    for circle, rows in by_circle.items():
        members = memberships[circle]
        numbers = sorted(row.number for row in rows)
        froms = sorted(start for start, _ in members.values())
        untils = sorted(until for _, until in members.values() if until is not None)
        authored: dict[int, list[int]] = {}
        for row in rows:
            window = members.get(row.author_id) if row.author_id is not None else None
            own = 1 if window is not None and covers(window, row.number) else 0
            audience_size[row.id] = bisect_right(froms, row.number) - bisect_left(untils, row.number) - own
            if own:
                authored.setdefault(row.author_id, []).append(row.number)
        for member_id, (start, until) in members.items():
            end = len(numbers) if until is None else bisect_right(numbers, until)
            count = max(end - bisect_left(numbers, start), 0)
            count -= sum(1 for number in authored.get(member_id, ()) if covers((start, until), number))
            if count:
                totals[member_id] = totals.get(member_id, 0) + count
    return totals, audience_size


@dataclass
class _Tally:
    by_id: dict[int, tuple[int, int, int | None, int]]  # item -> (circle, number, author, version)
    totals: dict[int, int]  # member -> items to read
    audience: dict[int, int]  # item -> members who must read it
    acked_by_member: dict[int, int]
    acked_by_item: dict[int, int]


def _tally(session: Session, conditions: list[ColumnElement[bool]]) -> _Tally | None:
    """Count, for the items matching `conditions`, who had to read them and who confirmed."""
    items = session.execute(
        select(Item.id, Item.circle_id, Item.number, Item.author_id, Item.version).where(*conditions)
    ).all()
    if not items:
        return None
    memberships = _memberships(session, {row.circle_id for row in items})
    totals, audience_size = _audience_counts(items, memberships)
    by_id = {row.id: (row.circle_id, row.number, row.author_id, row.version) for row in items}
    acked_by_member: dict[int, int] = dict.fromkeys(totals, 0)
    acked_by_item: dict[int, int] = dict.fromkeys(by_id, 0)
    _confirmations(session, conditions, items, memberships, acked_by_member, acked_by_item)
    return _Tally(by_id, totals, audience_size, acked_by_member, acked_by_item)


def _memberships(session: Session, circle_ids: set[int]) -> dict[int, dict[int, Window]]:
    """circle -> member -> audience window, for the members who are not muted."""
    memberships: dict[int, dict[int, Window]] = {circle: {} for circle in circle_ids}
    for circle, member_id, audience_from, audience_until in session.execute(
        select(CircleMember.circle_id, CircleMember.member_id, CircleMember.audience_from, CircleMember.audience_until)
        .join(Member, Member.id == CircleMember.member_id)
        .where(CircleMember.circle_id.in_(circle_ids), Member.muted.is_(False))
    ):
        memberships[circle][member_id] = (audience_from, audience_until)
    return memberships


def _confirmations(
    session: Session,
    conditions: list[ColumnElement[bool]],
    items: Sequence[Any],
    memberships: dict[int, dict[int, Window]],
    acked_by_member: dict[int, int],
    acked_by_item: dict[int, int],
) -> None:
    """Add up the confirmations that count, per member and per item.

    The database counts them per circle and member and per item (only the current version, never
    the author's own); a member whose membership covers the circle's items from end to end counts
    whole. Only the others — someone who joined or left within the window, a muted member, a
    facilitator reading another circle — are read one by one, to keep what is in their audience and
    take the rest off the items' counts.
    """
    span: dict[int, tuple[int, int]] = {}  # circle -> (first, last) number among the items
    for row in items:
        first, last = span.get(row.circle_id, (row.number, row.number))
        span[row.circle_id] = (min(first, row.number), max(last, row.number))
    confirmed = (
        select()
        .select_from(Item)
        .join(Acknowledgement, and_(Acknowledgement.item_id == Item.id, Acknowledgement.version == Item.version))
        .where(*conditions, or_(Item.author_id.is_(None), Item.author_id != Acknowledgement.member_id))
    )
    partial: set[tuple[int, int]] = set()  # (circle, member) to read one by one
    per_member = confirmed.add_columns(Item.circle_id, Acknowledgement.member_id, func.count())
    for circle, member_id, count in session.execute(per_member.group_by(Item.circle_id, Acknowledgement.member_id)):
        window = memberships[circle].get(member_id)
        if window is not None and covers(window, span[circle][0]) and covers(window, span[circle][1]):
            acked_by_member[member_id] += count
        else:
            partial.add((circle, member_id))
    per_item = confirmed.add_columns(Item.circle_id, Acknowledgement.item_id, func.count())
    for _circle, item_id, count in session.execute(per_item.group_by(Item.circle_id, Acknowledgement.item_id)):
        acked_by_item[item_id] = count
    members = sorted({member_id for _, member_id in partial})
    one_by_one = confirmed.add_columns(Item.circle_id, Item.number, Acknowledgement.item_id, Acknowledgement.member_id)
    for start in range(0, len(members), 500):
        for circle, number, item_id, member_id in session.execute(
            one_by_one.where(Acknowledgement.member_id.in_(members[start : start + 500]))
        ):
            if (circle, member_id) not in partial:
                continue
            window = memberships[circle].get(member_id)
            if window is not None and covers(window, number):
                acked_by_member[member_id] += 1
            else:
                acked_by_item[item_id] -= 1


def level_report(
    session: Session,
    community_id: int,
    since: datetime,
    circle_id: int | None = None,
    lowest: int = 5,
    until: datetime | None = None,
) -> LevelReport:
    """Per member, per organisation and per item: acknowledged / to read, for items since `since`
    (and before `until`: one week of the dashboard's heat map)."""
    conditions = [Item.community_id == community_id, Item.must_read.is_(True), Item.created_at >= since]
    if until is not None:
        conditions.append(Item.created_at < until)
    if circle_id is not None:
        conditions.append(Item.circle_id == circle_id)
    tally = _tally(session, conditions)
    if tally is None:
        return LevelReport(members=[], organisations=[], lowest=[], items=0)
    totals, audience_size, by_id = tally.totals, tally.audience, tally.by_id
    acked_by_member, acked_by_item = tally.acked_by_member, tally.acked_by_item
    members = {m.id: m for m in session.scalars(select(Member).where(Member.id.in_(list(totals))))}
    levels = [MemberLevel(members[m], acked_by_member[m], total) for m, total in totals.items()]
    levels.sort(key=lambda level: (level.share, level.member.display_name))
    organisations: dict[str | None, list[int]] = {}
    for level in levels:
        name = level.member.organisation.name if level.member.organisation else None
        bucket = organisations.setdefault(name, [0, 0])
        bucket[0] += level.acknowledged
        bucket[1] += level.total
    ranked = sorted(
        (item_id for item_id, size in audience_size.items() if size),
        key=lambda item_id: (acked_by_item[item_id] / audience_size[item_id], -by_id[item_id][1]),
    )[:lowest]
    loaded = {item.id: item for item in load_items(session, ranked)}
    return LevelReport(
        members=levels,
        organisations=sorted(
            ((name, acked, total) for name, (acked, total) in organisations.items()),
            key=lambda row: (row[1] / row[2] if row[2] else 1.0, row[0] or ""),
        ),
        lowest=[Coverage(loaded[i], acked_by_item[i], audience_size[i]) for i in ranked],
        items=sum(1 for size in audience_size.values() if size),
    )


def coverage(session: Session, item_ids: Sequence[int]) -> dict[int, Coverage]:
    """Acknowledged / audience for some items (recaps and agendas use it), in three queries."""
    if not item_ids:
        return {}
    tally = _tally(session, [Item.id.in_(list(item_ids)), Item.must_read.is_(True)])
    if tally is None:
        return {}
    loaded = load_items(session, list(tally.by_id))
    return {item.id: Coverage(item, tally.acked_by_item[item.id], tally.audience[item.id]) for item in loaded}
