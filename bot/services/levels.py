"""Reading levels over many items: per member, per organisation, per item (/level, recaps, agendas).

The items (with the confirmations kept on each) and their circles' memberships are read, and the
audience arithmetic is done here; what each member confirmed comes from the summary kept per
member and week (bot.services.reading_summary), so the cost follows the items asked for and the
members, never the acknowledgements nor the history.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from bot.models import Acknowledgement, CircleMember, Item, Member
from bot.models.community import covers
from bot.services.reading_summary import circles_of, levels_between, memberships_of
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


def _audience_sizes(items: Sequence[Any], memberships: dict[int, dict[int, Window]]) -> dict[int, int]:
    """How many members must read each item: those whose window starts at or before it, less those
    whose window ended before it, less its author (bisecting sorted numbers)."""
    edges: dict[int, tuple[list[int], list[int]]] = {}
    for circle, members in memberships.items():
        froms = sorted(start for start, _ in members.values())
        untils = sorted(until for _, until in members.values() if until is not None)
        edges[circle] = (froms, untils)
    sizes: dict[int, int] = {}
    for item_id, circle, number, author, *_ in items:  # plain tuples: 8,000 rows for /level's 4 weeks
        froms, untils = edges[circle]
        window = memberships[circle].get(author) if author is not None else None
        own = 1 if window is not None and covers(window, number) else 0
        sizes[item_id] = bisect_right(froms, number) - bisect_left(untils, number) - own
    return sizes


@dataclass
class _Tally:
    by_id: dict[int, tuple[int, int, int | None, int]]  # item -> (circle, number, author, version)
    audience: dict[int, int]  # item -> members who must read it
    acked_by_item: dict[int, int]


def _tally(
    session: Session, conditions: list[ColumnElement[bool]], memberships: dict[int, dict[int, Window]] | None = None
) -> _Tally | None:
    """For the items matching `conditions`: how many members must read each, and how many confirmed
    it (the count kept on the item, less muted members', who are in no audience)."""
    items = (
        session.connection()
        .execute(
            select(Item.id, Item.circle_id, Item.number, Item.author_id, Item.version, Item.confirmed).where(
                *conditions
            )
        )
        .all()
    )
    if not items:
        return None
    if memberships is None:
        memberships = _memberships(session, {row.circle_id for row in items})
    audience_size = _audience_sizes(items, memberships)
    by_id = {item_id: (circle, number, author, version) for item_id, circle, number, author, version, _ in items}
    acked_by_item = {item_id: confirmed for item_id, *_, confirmed in items}
    _less_muted(session, by_id, acked_by_item)
    return _Tally(by_id, audience_size, acked_by_item)


def _less_muted(
    session: Session, by_id: dict[int, tuple[int, int, int | None, int]], acked_by_item: dict[int, int]
) -> None:
    """Take off the items' counts what muted members confirmed (read through each muted member's
    acknowledgements within the items' ids: a few rows, whatever the history)."""
    muted = list(session.scalars(select(Member.id).where(Member.muted.is_(True))))
    if not muted:
        return
    windows = {
        (circle, member): (start, until)
        for circle, member, start, until in session.execute(
            select(
                CircleMember.circle_id, CircleMember.member_id, CircleMember.audience_from, CircleMember.audience_until
            ).where(CircleMember.member_id.in_(muted))
        )
    }
    for item_id, member, version in session.execute(
        select(Acknowledgement.item_id, Acknowledgement.member_id, Acknowledgement.version).where(
            Acknowledgement.member_id.in_(muted), Acknowledgement.item_id.between(min(by_id), max(by_id))
        )
    ):
        found = by_id.get(item_id)
        if found is None or found[3] != version or found[2] == member:
            continue
        window = windows.get((found[0], member))
        if window is not None and covers(window, found[1]):
            acked_by_item[item_id] -= 1


def _memberships(session: Session, circle_ids: set[int]) -> dict[int, dict[int, Window]]:
    """circle -> member -> audience window, for the members who are not muted."""
    return memberships_of(session, circle_ids)


def level_report(
    session: Session,
    community_id: int,
    since: datetime,
    circle_id: int | None = None,
    lowest: int = 5,
    until: datetime | None = None,
    memberships: dict[int, dict[int, Window]] | None = None,
) -> LevelReport:
    """Per member, per organisation and per item: acknowledged / to read, for items since `since`
    (and before `until`: one week of the dashboard's heat map). `memberships`: those of the
    community's (or the circle's) circles, members not muted, if the caller has read them already."""
    if memberships is None:
        memberships = _memberships(session, set(circles_of(session, community_id, circle_id)))
    low, items = item_levels(session, community_id, since, circle_id, memberships, lowest, until)
    if not items:
        return LevelReport(members=[], organisations=[], lowest=[], items=0)
    (counts,) = levels_between(session, community_id, circle_id, [since, until], memberships)
    totals = {member: value for member, value in counts.items() if value[1]}
    members = {m.id: m for m in session.scalars(select(Member).where(Member.id.in_(list(totals))))}
    order = member_order(totals, {m: members[m].display_name for m in totals})
    levels = [MemberLevel(members[m], *totals[m]) for m in order]
    return LevelReport(
        members=levels,
        organisations=organisation_order(
            (level.member.organisation.name if level.member.organisation else None, level.acknowledged, level.total)
            for level in levels
        ),
        lowest=low,
        items=items,
    )


def member_order(totals: dict[int, tuple[int, int]], names: dict[int, str]) -> list[int]:
    """/level's order of members (acknowledged, to read > 0): furthest behind first, then by name
    (then by id: two namesakes always in the same order)."""
    return sorted(totals, key=lambda m: (totals[m][0] / totals[m][1], names[m], m))


def organisation_order(rows: Iterable[tuple[str | None, int, int]]) -> list[tuple[str | None, int, int]]:
    """Members' (organisation name or None, acknowledged, to read) summed per organisation, in
    /level's order: furthest behind first, then by name."""
    sums: dict[str | None, list[int]] = {}
    for name, acknowledged, total in rows:
        bucket = sums.setdefault(name, [0, 0])
        bucket[0] += acknowledged
        bucket[1] += total
    return sorted(
        ((name, acked, total) for name, (acked, total) in sums.items()),
        key=lambda row: (row[1] / row[2] if row[2] else 1.0, row[0] or ""),
    )


def item_levels(
    session: Session,
    community_id: int,
    since: datetime,
    circle_id: int | None,
    memberships: dict[int, dict[int, Window]],
    lowest: int = 5,
    until: datetime | None = None,
) -> tuple[list[Coverage], int]:
    """The `lowest` least-confirmed items to read since `since` (before `until`), and how many items
    had someone to read them: level_report's `lowest` and `items`."""
    conditions = [Item.community_id == community_id, Item.must_read.is_(True), Item.created_at >= since]
    if until is not None:
        conditions.append(Item.created_at < until)
    if circle_id is not None:
        conditions.append(Item.circle_id == circle_id)
    tally = _tally(session, conditions, memberships)
    if tally is None:
        return [], 0
    audience_size, by_id, acked_by_item = tally.audience, tally.by_id, tally.acked_by_item
    ranked = heapq.nsmallest(  # as sorted(...)[:lowest]
        lowest,
        (item_id for item_id, size in audience_size.items() if size),
        key=lambda item_id: (acked_by_item[item_id] / audience_size[item_id], -by_id[item_id][1]),
    )
    loaded = {item.id: item for item in load_items(session, ranked)}
    items = sum(1 for size in audience_size.values() if size)
    return [Coverage(loaded[i], acked_by_item[i], audience_size[i]) for i in ranked], items


def coverage(session: Session, item_ids: Sequence[int]) -> dict[int, Coverage]:
    """Acknowledged / audience for some items (recaps and agendas use it), in three queries."""
    if not item_ids:
        return {}
    tally = _tally(session, [Item.id.in_(list(item_ids)), Item.must_read.is_(True)])
    if tally is None:
        return {}
    loaded = load_items(session, list(tally.by_id))
    return {item.id: Coverage(item, tally.acked_by_item[item.id], tally.audience[item.id]) for item in loaded}
