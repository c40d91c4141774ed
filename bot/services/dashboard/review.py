"""The intermediate review (bilan intermédiaire) of a period, for the steering committee.

The commitments due in the period, per organisation: kept (done by their due day), late (done
after it, or still open past it), dropped, and not due yet; the resources they mobilised, by type;
the information level week by week (bot.services.level_weeks, as /level counts it); the decisions taken and the
meetings held. Facilitators only, as /level.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from babel.dates import format_date
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.dispatch import Dispatcher
from bot.kinds import ItemKind, MeetingStatus
from bot.models import Circle, Commitment, Community, Item, Meeting
from bot.presentation import Localiser
from bot.services.dashboard.information import Cell, cell
from bot.services.dashboard.review_counts import OUTCOMES, counted
from bot.services.dashboard.viewer import Viewer, localiser
from bot.services.level_weeks import weekly_totals
from bot.text import first_words

MAX_WEEKS = 26


@dataclass(frozen=True)
class Dated:
    number: int
    when: str
    circle: str
    text: str


@dataclass(frozen=True)
class ReviewPage:
    start: date
    end: date
    outcomes: list[tuple[str, list[int]]]  # organisation -> counts in the order of OUTCOMES
    totals: list[int]
    resources: list[tuple[str, int]]  # type -> commitments that mobilised it
    weeks: list[str] = field(default_factory=list)
    trend: list[Cell] = field(default_factory=list)
    decisions: list[Dated] = field(default_factory=list)
    meetings: list[Dated] = field(default_factory=list)
    undated: int = 0  # commitments without a due date, left out of the outcomes


def _bounds(loc: Localiser, start: date, end: date) -> tuple[datetime, datetime]:
    return (
        datetime.combine(start, time(), tzinfo=loc.tz),
        datetime.combine(end + timedelta(days=1), time(), tzinfo=loc.tz),
    )


def _commitments(session: Session, community: Community, loc: Localiser, since: datetime, until: datetime) -> tuple:
    """Outcomes per organisation and resources by type, for the commitments due in the period
    (bot.services.dashboard.review_counts), and how many have no due date."""
    outcomes, resources = counted(session, community.id, loc, since, until)
    undated = session.scalar(
        select(func.count())
        .select_from(Commitment)
        .join(Item, Item.id == Commitment.item_id)
        .where(Item.community_id == community.id, Commitment.due_at.is_(None), Item.created_at < until)
    )
    return outcomes, resources, undated or 0


def _dated(session: Session, community: Community, loc: Localiser, since: datetime, until: datetime) -> tuple:
    decisions = session.execute(
        select(Item.number, Item.created_at, Circle.name, Item.text)
        .join(Circle, Circle.id == Item.circle_id)
        .where(Item.community_id == community.id, Item.kind == ItemKind.DECISION)
        .where(Item.created_at >= since, Item.created_at < until)
        .order_by(Item.created_at)
    ).all()
    meetings = session.execute(
        select(Item.number, Meeting.starts_at, Circle.name, Meeting.title)
        .join(Item, Item.id == Meeting.item_id)
        .join(Circle, Circle.id == Item.circle_id)
        .where(Item.community_id == community.id, Meeting.status == MeetingStatus.SCHEDULED)
        .where(Meeting.starts_at >= since, Meeting.starts_at < min(until, loc.now))
        .order_by(Meeting.starts_at)
    ).all()
    days: dict[date, str] = {}  # a period's thousand decisions fall on a few dozen days: each written once

    def day(at: datetime) -> str:
        local = at.astimezone(loc.tz).date()
        if local not in days:
            days[local] = loc.day(at)
        return days[local]

    return (
        [Dated(number, day(at), circle, first_words(text, 200)) for number, at, circle, text in decisions],
        [Dated(number, loc.when(at), circle, title) for number, at, circle, title in meetings],
    )


def review_page(dispatcher: Dispatcher, viewer: Viewer, start: date | None, end: date | None) -> ReviewPage | None:
    """The review of [start, end] (default: the last 12 weeks to today); None for anyone but a facilitator."""
    if not viewer.facilitator:
        return None
    with dispatcher.store.unit_of_work(reading=True) as session:
        community = dispatcher.community(session)
        loc = localiser(community, viewer, dispatcher.clock.now())
        end = end or loc.now.astimezone(loc.tz).date()
        start = start or end - timedelta(weeks=12)
        if start > end:
            start, end = end, start
        since, until = _bounds(loc, start, end)
        outcomes, resources, undated = _commitments(session, community, loc, since, until)
        decisions, meetings = _dated(session, community, loc, since, until)
        weeks, trend = _trend(session, community, loc, since, min(until, loc.now + timedelta(seconds=1)))
        return ReviewPage(
            start=start,
            end=end,
            outcomes=outcomes,
            totals=[sum(counts[index] for _, counts in outcomes) for index in range(len(OUTCOMES))],
            resources=resources,
            weeks=weeks,
            trend=trend,
            decisions=decisions,
            meetings=meetings,
            undated=undated,
        )


def _trend(session: Session, community: Community, loc: Localiser, since: datetime, until: datetime) -> tuple:
    """Confirmed reading week by week over the period (its last MAX_WEEKS weeks), as /level counts it
    (a period that reaches now ends with no bound: nothing is posted later, and the current week is
    then its summary row, not counted item by item)."""
    starts: list[datetime] = []
    cursor = since
    while cursor < until:
        starts.append(cursor)
        cursor += timedelta(weeks=1)
    starts = starts[-MAX_WEEKS:]
    totals = weekly_totals(session, community.id, [*starts, None if until > loc.now else until])
    cells = [cell(loc, acknowledged, total) for acknowledged, total in totals]
    return [format_date(start.astimezone(loc.tz), "d MMM", locale=loc.language) for start in starts], cells
