"""The review's commitments due in a period, counted per organisation and outcome (kept, late,
dropped, not due yet) and per type of resources mobilised.

The database counts them (one GROUP BY organisation and outcome, the outcome a CASE): a period's
5,000 commitments are a few dozen rows. outcome() says the same for one commitment in Python: the
reference the tests compare with, and the way periods longer than MAX_SQL_DAYS are counted (their
CASE would list a local midnight per day).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, case, func, literal, not_, select, text
from sqlalchemy.orm import Session

from bot.kinds import CommitmentStatus
from bot.models import Commitment, CommitmentChange, Community, Item, Organisation
from bot.models.base import UTCDateTime
from bot.presentation import Localiser
from bot.services.commitments import is_overdue

OUTCOMES = ("kept", "late", "dropped", "coming")
RESOURCES = ("human", "financial", "material", "immaterial")
MAX_SQL_DAYS = 400

Counted = tuple[list[tuple[str, list[int]]], list[tuple[str, int]]]  # per organisation, per resource


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


def _closed_at() -> Any:
    """When each commitment's status last changed (a done one: when it was done), by its changes' index."""
    return (
        select(func.max(CommitmentChange.at))
        .where(CommitmentChange.commitment_id == Commitment.item_id, CommitmentChange.field == "status")
        .scalar_subquery()
    )


def _due(community_id: int | None, since: datetime, until: datetime, *columns: Any) -> Any:
    """The commitments due in [since, until) of the community (None: the database's only one: no
    need to read their items, which PostgreSQL would do by reading every item)."""
    statement = (
        select(*columns)
        .select_from(Commitment)
        .outerjoin(Organisation, Organisation.id == Commitment.organisation_id)
        .where(Commitment.due_at >= since, Commitment.due_at < until)
    )
    if community_id is None:
        return statement
    return statement.join(Item, Item.id == Commitment.item_id).where(Item.community_id == community_id)


def alone(session: Session, community_id: int) -> int | None:
    """`community_id`, or None when it is the only community in the database (every item is its own)."""
    others = session.scalar(select(func.count()).select_from(Community).where(Community.id != community_id))
    return community_id if others else None


def _midnight(loc: Localiser, day: Any) -> datetime:
    return datetime.combine(day, time(), tzinfo=loc.tz)


def outcome_sql(loc: Localiser, since: datetime, until: datetime) -> Any:
    """outcome() as a CASE, for commitments due in [since, until). A due day without a time is kept
    if done before the local midnight that ends it (one of the period's, listed); an open one is late
    once today's local midnight is past it."""
    done = func.coalesce(_closed_at(), Commitment.updated_at)
    first, last = since.astimezone(loc.tz).date(), until.astimezone(loc.tz).date()
    ends = [_midnight(loc, first + timedelta(days=n)) for n in range(1, (last - first).days + 1)]
    day_end = case(*((Commitment.due_at < end, literal(end, UTCDateTime())) for end in ends), else_=None)
    today = _midnight(loc, loc.now.astimezone(loc.tz).date())
    status, timed = Commitment.status, Commitment.due_has_time
    return case(
        (status == CommitmentStatus.DROPPED, literal("dropped")),
        (and_(status == CommitmentStatus.DONE, timed), case((done <= Commitment.due_at, "kept"), else_="late")),
        (status == CommitmentStatus.DONE, case((done < day_end, "kept"), else_="late")),
        (and_(status == CommitmentStatus.OPEN, timed, Commitment.due_at < loc.now), literal("late")),
        (and_(status == CommitmentStatus.OPEN, not_(timed), Commitment.due_at < today), literal("late")),
        else_=literal("coming"),
    )


def _mobilised(kind: str) -> Any:
    return func.coalesce(getattr(Commitment, f"resources_{kind}"), "") != ""


def counted(session: Session, community_id: int, loc: Localiser, since: datetime, until: datetime) -> Counted:
    """Per organisation (its name; None: none) the counts in the order of OUTCOMES, sorted by name
    (without: `no organisation`, placed by its words); per type of resources, the commitments that
    mobilised it."""
    if (until - since).days > MAX_SQL_DAYS:
        return counted_in_python(session, community_id, loc, since, until)
    if session.connection().dialect.name == "postgresql":  # for the rest of this reading only
        session.execute(text("SET LOCAL jit = off"))  # its estimate (a subquery a commitment) asks for 60 ms of JIT
    which = outcome_sql(loc, since, until).label("outcome")
    used = [func.sum(case((_mobilised(kind), 1), else_=0)) for kind in RESOURCES]
    statement = _due(alone(session, community_id), since, until, Organisation.name, which, func.count(), *used)
    by_org: dict[str, list[int]] = {}
    resources = dict.fromkeys(RESOURCES, 0)
    no_org = loc.t("no organisation")
    for organisation, kind, count, *mobilised in session.execute(statement.group_by(Organisation.name, which)):
        by_org.setdefault(organisation or no_org, [0] * len(OUTCOMES))[OUTCOMES.index(kind)] += count
        for resource, number in zip(RESOURCES, mobilised, strict=True):
            resources[resource] += int(number or 0)
    return sorted(by_org.items(), key=lambda pair: pair[0].lower()), list(resources.items())


def counted_in_python(session: Session, community_id: int, loc: Localiser, since: datetime, until: datetime) -> Counted:
    """counted(), each commitment read and its outcome() said in Python."""
    kinds = [_mobilised(kind) for kind in RESOURCES]
    columns = (Commitment.status, Commitment.due_at, Commitment.due_has_time, Commitment.updated_at)
    rows = session.execute(_due(community_id, since, until, *columns, Organisation.name, _closed_at(), *kinds))
    by_org: dict[str, list[int]] = {}
    resources = dict.fromkeys(RESOURCES, 0)
    no_org = loc.t("no organisation")
    for status, due_at, due_has_time, updated_at, organisation, closed_at, *mobilised in rows:
        counts = by_org.setdefault(organisation or no_org, [0] * len(OUTCOMES))
        counts[OUTCOMES.index(outcome(Due(status, due_at, due_has_time, updated_at), closed_at, loc))] += 1
        for kind, used in zip(RESOURCES, mobilised, strict=True):
            resources[kind] += 1 if used else 0
    return sorted(by_org.items(), key=lambda pair: pair[0].lower()), list(resources.items())
