"""The information level page: who confirmed reading what, and who saw it (seen or confirmed), week
by week (a heat map), the trend, and the least-read items with who has not read them yet.

Every figure is counted as bot.services.levels.level_report counts it for /level: the "last 4
weeks" column is /level's own window, the members and organisations in /level's order (its own
functions), so the page and the command say the same numbers. The weeks and that window come from
one reading of the summary (bot.services.level_weeks); the members are shown PAGE_ROWS at a time
(the organisations, the trend and the least-read items on every page; the export has everyone).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from babel.dates import format_date
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.dispatch import Dispatcher
from bot.markup import to_plain
from bot.models import Circle, Community
from bot.models.reading import week_of
from bot.presentation import Localiser, member_label, name_label
from bot.services import levels, reads
from bot.services.dashboard.roadmap import Choice
from bot.services.dashboard.viewer import Viewer, localiser
from bot.services.level_weeks import Person, WeekLevel, people_of, week_level, weeks_and_window
from bot.services.reading_summary import Counts, Seen, circles_of, memberships_of
from bot.text import first_words

WEEKS = 8
PAGE_ROWS = 100  # members on a page; "previous" and "next" links page through the rest


@dataclass(frozen=True)
class Cell:
    acknowledged: int
    total: int
    label: str  # "67 %", or "—" when there was nothing to read
    seen: int | None = None  # items seen or confirmed (a week's cell; None: not counted, as the last 4 weeks)

    @property
    def share(self) -> float | None:
        return self.acknowledged / self.total if self.total else None


@dataclass(frozen=True)
class HeatRow:
    name: str
    weeks: list[Cell]
    recent: Cell  # the last 4 weeks, as /level counts them
    key: int | None = None  # an organisation's: what ?organisation= takes to show its members (0: none)


@dataclass(frozen=True)
class LowItem:
    number: int
    circle: str
    text: str
    coverage: Cell
    seen: list[str]
    unread: list[str]


@dataclass(frozen=True)
class LevelPage:
    circle: int | None
    circles: list[Choice]
    weeks: list[str]
    organisations: list[HeatRow] = field(default_factory=list)
    members: list[HeatRow] = field(default_factory=list)  # this page's
    trend: list[Cell] = field(default_factory=list)
    lowest: list[LowItem] = field(default_factory=list)
    items: int = 0
    page: int = 1
    pages: int = 1
    total: int = 0  # members with something to read over the last 4 weeks (of the organisation), on every page
    of_organisation: bool = False  # the members of one organisation only,
    organisation: str | None = None  # that one (None: those of none)

    @property
    def first(self) -> int:
        """The number of this page's first member in /level's order, from 1."""
        return (self.page - 1) * PAGE_ROWS + 1 if self.members else 0


def week_starts(loc: Localiser, weeks: int = WEEKS) -> list[datetime]:
    """The Mondays (00:00 in the community's timezone) of the last `weeks` weeks, the current one last."""
    local = loc.now.astimezone(loc.tz)
    monday = (local - timedelta(days=local.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    return [monday - timedelta(weeks=back) for back in range(weeks - 1, -1, -1)]


def cell(loc: Localiser, acknowledged: int, total: int, seen: int | None = None) -> Cell:
    return Cell(acknowledged, total, share_label(loc.language, acknowledged, total), seen)


def share_label(language: str, part: int, total: int) -> str:
    """bot.presentation.share's "67 %", written once per whole percentage: Babel rounds the share
    times 100 half to even, done here in integers (formatting 18,000 cells one by one is slow)."""
    if not total:
        return "—"
    whole, rest = divmod(100 * part, total)
    if 2 * rest > total or (2 * rest == total and whole % 2):
        whole += 1
    return _percent_label(language, whole)


@lru_cache(maxsize=1024)
def _percent_label(language: str, whole: int) -> str:
    from babel.numbers import format_percent

    return format_percent(whole / 100, locale=language)


def _rows(loc: Localiser, found: Found, shown: list[int]) -> tuple[list[HeatRow], list[HeatRow]]:
    """Organisations (all of them) and the `shown` members, in /level's order, with their weeks."""
    no_org = loc.t("no organisation")
    org_weeks = [(week.organisations, week.organisations_seen) for week in found.weeks]
    member_weeks = [(week.members, week.seen) for week in found.weeks]
    keys = {person.organisation: person.organisation_id or 0 for person in found.people.values()}
    organisations = [
        HeatRow(
            name or no_org,
            [cell(loc, *week.get(name, (0, 0)), seen.get(name, 0)) for week, seen in org_weeks],
            cell(loc, acked, total),
            keys.get(name),
        )
        for name, acked, total in found.organisations
    ]
    members = [
        HeatRow(
            to_plain(name_label(found.people[member].name, found.people[member].organisation)),
            [cell(loc, *week.get(member, (0, 0)), seen.get(member, 0)) for week, seen in member_weeks],
            cell(loc, *found.window[member]),
        )
        for member in shown
    ]
    return organisations, members


def _lowest(session: Session, loc: Localiser, lowest: list[levels.Coverage]) -> list[LowItem]:
    """The least-read items (those not read by everyone), with who only saw them and who has not yet."""
    found = []
    for coverage in lowest:
        if coverage.acknowledged >= coverage.audience:
            continue
        states = reads.who_read(session, coverage.item)
        found.append(
            LowItem(
                coverage.item.number,
                coverage.item.circle.name,
                first_words(coverage.item.text, 80),
                cell(loc, coverage.acknowledged, coverage.audience),
                [to_plain(member_label(state.member)) for state in states if state.state == "seen"],
                [to_plain(member_label(state.member)) for state in states if state.state == "unread"],
            )
        )
    return found


def _circles(session: Session, community: Community) -> list[Choice]:
    statement = select(Circle).where(Circle.community_id == community.id).order_by(Circle.name)
    return [Choice(circle.id, circle.name) for circle in session.scalars(statement)]


@dataclass(frozen=True)
class Found:
    """What the page is written from: the weeks, /level's window per member (to read > 0) and its
    order, the organisations in theirs, who everyone is, the least-read items and how many items."""

    weeks: list[WeekLevel]
    window: Counts
    order: list[int]
    organisations: list[tuple[str | None, int, int]]
    people: dict[int, Person]
    lowest: list[levels.Coverage]
    items: int


def _find(session: Session, community_id: int, loc: Localiser, circle_id: int | None) -> Found:
    """level_report's figures over the last 4 weeks and each week's, from one reading of the summary."""
    members = memberships_of(session, circles_of(session, community_id, circle_id))  # read once for all
    since = loc.now - levels.READING_WINDOW
    seen: Seen = {}
    starts = week_starts(loc)
    weeks, window = weeks_and_window(session, community_id, starts, since, circle_id, members, seen)
    lowest, items = levels.item_levels(session, community_id, since, circle_id, members)
    window = {member: value for member, value in window.items() if value[1]} if items else {}
    people = people_of(session, community_id, set(window).union(*weeks))
    names = {member: person.organisation for member, person in people.items()}
    return Found(
        weeks=[
            week_level(counts, names, seen.get(week_of(start, loc.tz), {}))
            for start, counts in zip(starts, weeks, strict=True)
        ],
        window=window,
        order=levels.member_order(window, {member: people[member].name for member in window}),
        organisations=levels.organisation_order((names[member], *value) for member, value in window.items()),
        people=people,
        lowest=lowest,
        items=items,
    )


def _of_organisation(found: Found, key: int | None) -> tuple[list[int], bool, str | None]:
    """The members of the organisation whose HeatRow.key is `key` (those of every organisation of its
    name, as its row counts them; 0: of none) in /level's order, whether they are chosen so, and the
    organisation's name; everyone for None or a key nobody has."""
    names = {person.organisation_id or 0: person.organisation for person in found.people.values()}
    if key is None or key not in names:
        return found.order, False, None
    name = names[key]
    return [member for member in found.order if found.people[member].organisation == name], True, name


def level_page(
    dispatcher: Dispatcher, viewer: Viewer, circle_id: int | None, page: int | None = 1, organisation: int | None = None
) -> LevelPage | None:
    """The information level of the community or one circle, its members PAGE_ROWS a page (`page`
    from 1, past the end: the last; None: every member, for the export), or only those of one
    `organisation` (a HeatRow.key); None for anyone but a facilitator (as /level)."""
    if not viewer.facilitator:
        return None
    with dispatcher.store.unit_of_work(reading=True) as session:
        community = dispatcher.community(session)
        loc = localiser(community, viewer, dispatcher.clock.now())
        circles = _circles(session, community)
        if circle_id is not None and circle_id not in {choice.value for choice in circles}:
            circle_id = None
        found = _find(session, community.id, loc, circle_id)
        order, chosen, name = _of_organisation(found, organisation)
        pages = max((len(order) + PAGE_ROWS - 1) // PAGE_ROWS, 1)
        number = 1 if page is None else min(max(page, 1), pages)
        shown = order if page is None else order[(number - 1) * PAGE_ROWS : number * PAGE_ROWS]
        organisations, members = _rows(loc, found, shown)
        return LevelPage(
            circle=circle_id,
            circles=circles,
            weeks=[format_date(start, "d MMM", locale=loc.language) for start in week_starts(loc)],
            organisations=organisations,
            members=members,
            trend=[cell(loc, week.acknowledged, week.total, week.seen_total) for week in found.weeks],
            lowest=_lowest(session, loc, found.lowest),
            items=found.items,
            page=number,
            pages=1 if page is None else pages,
            total=len(order),
            of_organisation=chosen,
            organisation=name,
        )
