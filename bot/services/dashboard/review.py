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
from bot.kinds import CommitmentStatus, ItemKind, MeetingStatus
from bot.models import Circle, Commitment, CommitmentChange, Community, Item, Meeting, Organisation
from bot.presentation import Localiser
from bot.services.commitments import is_overdue
from bot.services.dashboard.information import Cell, cell
from bot.services.dashboard.viewer import Viewer, localiser
from bot.services.level_weeks import weekly_totals
from bot.text import first_words

OUTCOMES = ("kept", "late", "dropped", "coming")
RESOURCES = ("human", "financial", "material", "immaterial")
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


@dataclass(frozen=True)
class Due:
    """What the review needs of a commitment due in the period (read as plain rows, not objects)."""

    status: CommitmentStatus
    due_at: datetime
    due_has_time: bool
    updated_at: datetime


def outcome(commitment: Commitment | Due, closed_at: datetime | None, loc: Localiser) -> str:
    """kept, late, dropped or coming, for a commitment with a due date."""
    if commitment.status == CommitmentStatus.DROPPED:
        return "dropped"
    assert commitment.due_at is not None
    if commitment.status == CommitmentStatus.DONE:
        done = closed_at or commitment.updated_at
        if commitment.due_has_time:
            return "kept" if done <= commitment.due_at else "late"
        return "kept" if done.astimezone(loc.tz).date() <= commitment.due_at.astimezone(loc.tz).date() else "late"
    return "late" if is_overdue(commitment, loc.now, loc.tz) else "coming"  # type: ignore[arg-type]


def _bounds(loc: Localiser, start: date, end: date) -> tuple[datetime, datetime]:
    return (
        datetime.combine(start, time(), tzinfo=loc.tz),
        datetime.combine(end + timedelta(days=1), time(), tzinfo=loc.tz),
    )


def _commitments(session: Session, community: Community, loc: Localiser, since: datetime, until: datetime) -> tuple:
    """Outcomes per organisation and resources by type, for the commitments due in the period
    (one query of plain rows: the closing change of each is read by its own index)."""
    closed = (
        select(func.max(CommitmentChange.at))
        .where(CommitmentChange.commitment_id == Commitment.item_id, CommitmentChange.field == "status")
        .scalar_subquery()
    )
    kinds = [func.coalesce(getattr(Commitment, f"resources_{kind}"), "") != "" for kind in RESOURCES]
    rows = session.execute(
        select(
            Commitment.status,
            Commitment.due_at,
            Commitment.due_has_time,
            Commitment.updated_at,
            Organisation.name,
            closed,
            *kinds,
        )
        .join(Item, Item.id == Commitment.item_id)
        .outerjoin(Organisation, Organisation.id == Commitment.organisation_id)
        .where(Item.community_id == community.id, Commitment.due_at >= since, Commitment.due_at < until)
    ).all()
    by_org: dict[str, list[int]] = {}
    resources = dict.fromkeys(RESOURCES, 0)
    no_org = loc.t("no organisation")
    for status, due_at, due_has_time, updated_at, organisation, closed_at, *mobilised in rows:
        counts = by_org.setdefault(organisation or no_org, [0] * len(OUTCOMES))
        counts[OUTCOMES.index(outcome(Due(status, due_at, due_has_time, updated_at), closed_at, loc))] += 1
        for kind, used in zip(RESOURCES, mobilised, strict=True):
            resources[kind] += 1 if used else 0
    undated = session.scalar(
        select(func.count())
        .select_from(Commitment)
        .join(Item, Item.id == Commitment.item_id)
        .where(Item.community_id == community.id, Commitment.due_at.is_(None), Item.created_at < until)
    )
    return sorted(by_org.items(), key=lambda pair: pair[0].lower()), list(resources.items()), undated or 0


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
    return (
        [Dated(number, loc.day(at), circle, first_words(text, 200)) for number, at, circle, text in decisions],
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
    """Confirmed reading week by week over the period (its last MAX_WEEKS weeks), as /level counts it."""
    starts: list[datetime] = []
    cursor = since
    while cursor < until:
        starts.append(cursor)
        cursor += timedelta(weeks=1)
    starts = starts[-MAX_WEEKS:]
    totals = weekly_totals(session, community.id, [*starts, until])
    cells = [cell(loc, acknowledged, total) for acknowledged, total in totals]
    return [format_date(start.astimezone(loc.tz), "d MMM", locale=loc.language) for start in starts], cells
