"""Reading levels week by week (the dashboard's heat map and the review's trend) in one pass.

Each week says what bot.services.levels.level_report says for that week alone (the same items,
audiences and confirmations; a test checks it), read from the summary kept per member, circle
and week (bot.services.reading_summary): a few rows per member and week, whatever the history.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Member, Organisation
from bot.services.reading_summary import Counts, Memberships, Seen, levels_between


@dataclass(frozen=True)
class WeekLevel:
    """One week: acknowledged / to read, per member and per organisation (None: no organisation), and
    the items seen or confirmed (`seen`, per member; `organisations_seen`) when they were asked for."""

    members: dict[int, tuple[int, int]]
    organisations: dict[str | None, tuple[int, int]]
    seen: dict[int, int] = field(default_factory=dict)
    organisations_seen: dict[str | None, int] = field(default_factory=dict)

    @property
    def acknowledged(self) -> int:
        return sum(acked for acked, _ in self.members.values())

    @property
    def total(self) -> int:
        return sum(total for _, total in self.members.values())

    @property
    def seen_total(self) -> int:
        return sum(self.seen.values())


def weekly_levels(
    session: Session,
    community_id: int,
    bounds: Sequence[datetime],
    circle_id: int | None = None,
    memberships: Memberships | None = None,
) -> list[WeekLevel]:
    """The weeks [bounds[i], bounds[i + 1]), each as level_report(since=bounds[i], until=bounds[i + 1])."""
    spans = levels_between(session, community_id, circle_id, list(bounds), memberships)
    people = people_of(session, community_id, {member for counts in spans for member in counts})
    names = {member: person.organisation for member, person in people.items()}
    return [week_level(counts, names) for counts in spans]


def week_level(counts: Counts, names: dict[int, str | None], seen: dict[int, int] | None = None) -> WeekLevel:
    """A week from its counts per member (those with nothing to read left out), summed per organisation,
    with what they saw (`seen`: member -> items seen or confirmed) if given."""
    members = {member: (done, total) for member, (done, total) in counts.items() if total}
    organisations: dict[str | None, tuple[int, int]] = {}
    for member, (done, total) in members.items():
        before = organisations.get(names.get(member), (0, 0))
        organisations[names.get(member)] = (before[0] + done, before[1] + total)
    sights = {member: count for member, count in (seen or {}).items() if member in members}
    organisations_seen: dict[str | None, int] = {}
    for member, count in sights.items():
        organisations_seen[names.get(member)] = organisations_seen.get(names.get(member), 0) + count
    return WeekLevel(members, organisations, sights, organisations_seen)


def weeks_and_window(
    session: Session,
    community_id: int,
    starts: Sequence[datetime],
    since: datetime,
    circle_id: int | None = None,
    memberships: Memberships | None = None,
    seen: Seen | None = None,
) -> tuple[list[Counts], Counts]:
    """Member -> (confirmed, to read) for each week starting at `starts` (the last one up to now) and
    for the window from `since` (not before starts[0]) up to now, as level_report(since) counts it:
    one reading of the summary, the week holding `since` cut in two. `seen`: filled with each week's
    items seen or confirmed per member (reading_summary.levels_between)."""
    assert starts and since >= starts[0]
    bounds: list[datetime | None] = [*sorted({*starts, since}), None]
    spans = levels_between(session, community_id, circle_id, bounds, memberships, seen=seen)
    edges = [bounds.index(start) for start in starts] + [len(spans)]
    weeks = [_sum(spans[edges[i] : edges[i + 1]]) for i in range(len(starts))]
    return weeks, _sum(spans[bounds.index(since) :])


def _sum(spans: Sequence[Counts]) -> Counts:
    if len(spans) == 1:
        return spans[0]
    total: Counts = {}
    for counts in spans:
        for member, (done, to_read) in counts.items():
            before = total.get(member, (0, 0))
            total[member] = (before[0] + done, before[1] + to_read)
    return total


def weekly_totals(
    session: Session, community_id: int, bounds: Sequence[datetime | None], circle_id: int | None = None
) -> list[tuple[int, int]]:
    """The weeks' (acknowledged, total) only, as WeekLevel's: the sums, without reading members (a
    last bound None: the last week has no end)."""
    spans = levels_between(session, community_id, circle_id, list(bounds), by_member=False)
    return [span.get(0, (0, 0)) for span in spans]


@dataclass(frozen=True)
class Person:
    """A member as the level pages name them: display name and organisation (id and name; None: none)."""

    name: str
    organisation_id: int | None
    organisation: str | None


def people_of(session: Session, community_id: int, member_ids: set[int]) -> dict[int, Person]:
    """member -> Person for `member_ids`, as plain columns: the community's members in one query (a
    list of 2,000 ids, 500 a query, took PostgreSQL four times as long)."""
    statement = (
        select(Member.id, Member.display_name, Member.organisation_id, Organisation.name)
        .outerjoin(Organisation, Organisation.id == Member.organisation_id)
        .where(Member.community_id == community_id)
    )
    return {
        member: Person(name, organisation_id, organisation)
        for member, name, organisation_id, organisation in session.connection().execute(statement)
        if member in member_ids
    }
