"""The roadmap page: commitments filtered as /actions filters them, and one commitment in full.

Read through bot.services.commitments (list_commitments, is_overdue, history) and written by
bot.presentation, as /actions and /show write them: a page never disagrees with the chat.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.dispatch import Dispatcher
from bot.export import action_rows, to_csv
from bot.kinds import CommitmentStatus
from bot.markup import to_plain
from bot.models import Circle, Commitment, Community, Item, Member, Organisation, Update
from bot.presentation import Localiser, change_line, percent, status_label
from bot.services.commitments import ActionFilter, commitments_statement, history, is_overdue
from bot.services.dashboard.viewer import Viewer, localiser

STATUSES = ("open", "overdue", "done", "dropped", "all")
MAX_ROWS = 200


@dataclass(frozen=True)
class RoadmapFilter:
    """What the roadmap's form asks: each set narrows."""

    organisation: int | None = None
    circle: int | None = None
    owner: int | None = None
    status: str = "open"
    start: date | None = None  # due on or after
    end: date | None = None  # due on or before


@dataclass(frozen=True)
class Choice:
    value: int
    label: str


@dataclass(frozen=True)
class CommitmentRow:
    number: int
    title: str
    owner: str
    organisation: str
    circle: str
    due: str  # "vendredi 4 décembre 2026", or "no due date"
    due_at: datetime | None
    status: str  # open, done, dropped
    status_label: str
    overdue: bool
    progress: int | None
    progress_label: str


@dataclass(frozen=True)
class RoadmapPage:
    rows: list[CommitmentRow]
    total: int
    organisations: list[Choice] = field(default_factory=list)
    circles: list[Choice] = field(default_factory=list)
    owners: list[Choice] = field(default_factory=list)


def commitment_row(loc: Localiser, commitment: Commitment) -> CommitmentRow:
    due = loc.when(commitment.due_at, commitment.due_has_time) if commitment.due_at else loc.t("no due date")
    progress = commitment.progress
    return CommitmentRow(
        number=commitment.number,
        title=commitment.title,
        owner=commitment.owner.display_name,
        organisation=commitment.organisation.name if commitment.organisation else "",
        circle=commitment.item.circle.name,
        due=due,
        due_at=commitment.due_at,
        status=str(commitment.status),
        status_label=status_label(loc, commitment.status),
        overdue=is_overdue(commitment, loc.now, loc.tz),
        progress=progress,
        progress_label=percent(loc, progress) if progress is not None else "",
    )


def _matching(session: Session, community: Community, viewer: Viewer, wanted: RoadmapFilter, loc: Localiser):
    """The query of the commitments the viewer may see that match the filter, by due date (no date
    last, then by number: as /actions sorts them), a few columns each.

    /actions' own query (commitments_statement) with the rest of the filter in SQL too, so that a
    page counts them and reads only the rows it shows.
    """
    chosen = ActionFilter(
        owners=frozenset({wanted.owner}) if wanted.owner else frozenset(),
        organisations=frozenset({wanted.organisation}) if wanted.organisation else frozenset(),
        circles=frozenset({wanted.circle}) if wanted.circle else frozenset(),
        overdue=wanted.status == "overdue",
        include_closed=wanted.status in ("done", "dropped", "all"),
    )
    statement = commitments_statement(community, chosen, loc.now, loc.tz).with_only_columns(
        Commitment.item_id, Item.number
    )
    if wanted.status in ("done", "dropped"):
        statement = statement.where(Commitment.status == CommitmentStatus(wanted.status))
    local_today = datetime.combine(loc.now.astimezone(loc.tz).date(), time(), tzinfo=loc.tz)
    if wanted.status == "overdue":  # is_overdue: a due day without time is late from the next day on
        statement = statement.where(or_(Commitment.due_has_time.is_(True), Commitment.due_at < local_today))
    if wanted.start:
        statement = statement.where(Commitment.due_at >= datetime.combine(wanted.start, time(), tzinfo=loc.tz))
    if wanted.end:
        after = datetime.combine(wanted.end + timedelta(days=1), time(), tzinfo=loc.tz)
        statement = statement.where(Commitment.due_at < after)
    if viewer.circles is not None:
        statement = statement.where(
            or_(Item.circle_id.in_(sorted(viewer.circles)), Commitment.owner_id == viewer.member_id)
        )
    return statement.order_by(Commitment.due_at.is_(None), Commitment.due_at, Item.number)


def _loaded(session: Session, ids: list[int]) -> list[Commitment]:
    """The commitments of `ids`, in full and in their order."""
    found = {c.item_id: c for c in session.scalars(select(Commitment).where(Commitment.item_id.in_(ids)))}
    return [found[item_id] for item_id in ids]


def _choices(session: Session, community: Community, viewer: Viewer) -> tuple[list[Choice], ...]:
    circles = [
        Choice(circle.id, circle.name)
        for circle in session.scalars(select(Circle).where(Circle.community_id == community.id).order_by(Circle.name))
        if viewer.sees_circle(circle.id)
    ]
    organisations = [
        Choice(org.id, org.name)
        for org in session.scalars(
            select(Organisation).where(Organisation.community_id == community.id).order_by(Organisation.name)
        )
    ]
    owner_ids = select(Commitment.owner_id).join(Item, Item.id == Commitment.item_id)
    owner_ids = owner_ids.where(Item.community_id == community.id).distinct()
    owners = [
        Choice(member_id, name)
        for member_id, name in session.execute(
            select(Member.id, Member.display_name).where(Member.id.in_(owner_ids)).order_by(Member.display_name)
        )
    ]
    return organisations, circles, owners


def roadmap(dispatcher: Dispatcher, viewer: Viewer, wanted: RoadmapFilter) -> RoadmapPage:
    """The roadmap as the viewer may see it, filtered; at most MAX_ROWS rows (`total` counts them all)."""
    with dispatcher.store.unit_of_work(reading=True) as session:
        community = dispatcher.community(session)
        loc = localiser(community, viewer, dispatcher.clock.now())
        matching = _matching(session, community, viewer, wanted, loc)
        total = session.scalar(select(func.count()).select_from(matching.order_by(None).subquery())) or 0
        shown = list(session.scalars(matching.with_only_columns(Commitment.item_id).limit(MAX_ROWS)))
        organisations, circles, owners = _choices(session, community, viewer)
        return RoadmapPage(
            rows=[commitment_row(loc, row) for row in _loaded(session, shown)],
            total=total,
            organisations=organisations,
            circles=circles,
            owners=owners,
        )


def roadmap_csv(dispatcher: Dispatcher, viewer: Viewer, wanted: RoadmapFilter) -> str:
    """The filtered roadmap as `relais export actions` writes it (CSV with a byte-order mark)."""
    with dispatcher.store.unit_of_work(reading=True) as session:
        community = dispatcher.community(session)
        loc = localiser(community, viewer, dispatcher.clock.now())
        keys = session.execute(_matching(session, community, viewer, wanted, loc)).all()
        by_number = {row["number"]: row for row in action_rows(session, community, [key.item_id for key in keys])}
        return to_csv([by_number[key.number] for key in keys])


@dataclass(frozen=True)
class UpdateLine:
    number: int
    when: str
    author: str
    text: str
    progress: str


@dataclass(frozen=True)
class CommitmentPage:
    row: CommitmentRow
    expected_result: str
    resources: list[tuple[str, str]]
    history: list[str]
    updates: list[UpdateLine]


RESOURCES = (
    ("human", "human resources"),
    ("financial", "financial resources"),
    ("material", "material resources"),
    ("immaterial", "immaterial resources"),
)


def commitment_page(dispatcher: Dispatcher, viewer: Viewer, number: int) -> CommitmentPage | None:
    """A commitment in full (as /show #N): its history, updates and progress; None if there is none
    with that number or the viewer may not see it."""
    with dispatcher.store.unit_of_work(reading=True) as session:
        community = dispatcher.community(session)
        found = session.scalar(
            select(Commitment)
            .join(Item, Item.id == Commitment.item_id)
            .where(Item.community_id == community.id, Item.number == number)
        )
        if found is None or not viewer.sees(found.item.circle_id, found.owner_id):
            return None
        loc = localiser(community, viewer, dispatcher.clock.now())
        updates = session.scalars(
            select(Update).where(Update.commitment_id == found.item_id).order_by(Update.item_id)
        ).all()
        return CommitmentPage(
            row=commitment_row(loc, found),
            expected_result=found.expected_result or "",
            resources=[
                (loc.t(label), text) for key, label in RESOURCES if (text := getattr(found, f"resources_{key}"))
            ],
            history=[to_plain(change_line(loc, change)).removeprefix("• ") for change in history(session, found)],
            updates=[
                UpdateLine(
                    update.item.number,
                    loc.when(update.item.created_at),
                    update.item.author.display_name if update.item.author else "Relais",
                    update.item.text,
                    percent(loc, update.progress) if update.progress is not None else "",
                )
                for update in updates
            ],
        )
