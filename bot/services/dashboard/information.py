"""The information level page: who confirmed reading what, week by week (a heat map), the trend,
and the least-read items with who has not read them yet.

Every figure comes from bot.services.levels.level_report, the report /level writes: the "last 4
weeks" column is /level's own window, so the page and the command say the same numbers; the
weeks come from bot.services.level_weeks, which counts each week as level_report would, in one pass.
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
from bot.presentation import Localiser, member_label
from bot.services import levels, reads
from bot.services.dashboard.roadmap import Choice
from bot.services.dashboard.viewer import Viewer, localiser
from bot.services.level_weeks import WeekLevel, weekly_levels
from bot.services.reading_summary import circles_of, memberships_of
from bot.text import first_words

WEEKS = 8


@dataclass(frozen=True)
class Cell:
    acknowledged: int
    total: int
    label: str  # "67 %", or "—" when there was nothing to read

    @property
    def share(self) -> float | None:
        return self.acknowledged / self.total if self.total else None


@dataclass(frozen=True)
class HeatRow:
    name: str
    weeks: list[Cell]
    recent: Cell  # the last 4 weeks, as /level counts them


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
    members: list[HeatRow] = field(default_factory=list)
    trend: list[Cell] = field(default_factory=list)
    lowest: list[LowItem] = field(default_factory=list)
    items: int = 0


def week_starts(loc: Localiser, weeks: int = WEEKS) -> list[datetime]:
    """The Mondays (00:00 in the community's timezone) of the last `weeks` weeks, the current one last."""
    local = loc.now.astimezone(loc.tz)
    monday = (local - timedelta(days=local.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    return [monday - timedelta(weeks=back) for back in range(weeks - 1, -1, -1)]


def cell(loc: Localiser, acknowledged: int, total: int) -> Cell:
    return Cell(acknowledged, total, share_label(loc.language, acknowledged, total))


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


def _rows(loc: Localiser, recent: levels.LevelReport, weekly: list[WeekLevel]) -> tuple[list[HeatRow], list[HeatRow]]:
    """Organisations and members, in /level's order (furthest behind first), with their weeks."""
    no_org = loc.t("no organisation")
    org_weeks = [week.organisations for week in weekly]
    member_weeks = [week.members for week in weekly]
    organisations = [
        HeatRow(name or no_org, [cell(loc, *week.get(name, (0, 0))) for week in org_weeks], cell(loc, acked, total))
        for name, acked, total in recent.organisations
    ]
    members = [
        HeatRow(
            to_plain(member_label(row.member)),
            [cell(loc, *week.get(row.member.id, (0, 0))) for week in member_weeks],
            cell(loc, row.acknowledged, row.total),
        )
        for row in recent.members
    ]
    return organisations, members


def _lowest(session: Session, loc: Localiser, report: levels.LevelReport) -> list[LowItem]:
    """The least-read items (those not read by everyone), with who only saw them and who has not yet."""
    found = []
    for coverage in report.lowest:
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


def level_page(dispatcher: Dispatcher, viewer: Viewer, circle_id: int | None) -> LevelPage | None:
    """The information level of the community or one circle; None for anyone but a facilitator (as /level)."""
    if not viewer.facilitator:
        return None
    with dispatcher.store.unit_of_work(reading=True) as session:
        community = dispatcher.community(session)
        loc = localiser(community, viewer, dispatcher.clock.now())
        circles = _circles(session, community)
        if circle_id is not None and circle_id not in {choice.value for choice in circles}:
            circle_id = None
        members = memberships_of(session, circles_of(session, community.id, circle_id))  # read once for both
        since = loc.now - levels.READING_WINDOW
        recent = levels.level_report(session, community.id, since, circle_id, memberships=members)
        starts = week_starts(loc)
        bounds = [*starts, loc.now + timedelta(seconds=1)]
        weekly = weekly_levels(session, community.id, bounds, circle_id, memberships=members)
        organisations, members = _rows(loc, recent, weekly)
        trend = [cell(loc, week.acknowledged, week.total) for week in weekly]
        return LevelPage(
            circle=circle_id,
            circles=circles,
            weeks=[format_date(start, "d MMM", locale=loc.language) for start in starts],
            organisations=organisations,
            members=members,
            trend=trend,
            lowest=_lowest(session, loc, recent),
            items=recent.items,
        )
