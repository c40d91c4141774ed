"""Reading levels week by week (the dashboard's heat map and the review's trend) in one pass.

Each week says what bot.services.levels.level_report says for that week alone (the same items,
audiences and confirmations; a test checks it), read from the summary kept per member, circle
and week (bot.services.reading_summary): a few rows per member and week, whatever the history.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Member, Organisation
from bot.services.reading_summary import Memberships, levels_between


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
    session: Session,
    community_id: int,
    bounds: Sequence[datetime],
    circle_id: int | None = None,
    memberships: Memberships | None = None,
) -> list[WeekLevel]:
    """The weeks [bounds[i], bounds[i + 1]), each as level_report(since=bounds[i], until=bounds[i + 1])."""
    spans = levels_between(session, community_id, circle_id, list(bounds), memberships)
    names = _organisations(session, {member for counts in spans for member in counts})
    levels = []
    for counts in spans:
        members = {member: (done, total) for member, (done, total) in counts.items() if total}
        organisations: dict[str | None, tuple[int, int]] = {}
        for member, (done, total) in members.items():
            before = organisations.get(names.get(member), (0, 0))
            organisations[names.get(member)] = (before[0] + done, before[1] + total)
        levels.append(WeekLevel(members, organisations))
    return levels


def weekly_totals(
    session: Session, community_id: int, bounds: Sequence[datetime], circle_id: int | None = None
) -> list[tuple[int, int]]:
    """The weeks' (acknowledged, total) only, as WeekLevel's: the sums, without reading members."""
    spans = levels_between(session, community_id, circle_id, list(bounds), by_member=False)
    return [span.get(0, (0, 0)) for span in spans]


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
