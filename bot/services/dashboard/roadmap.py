"""The roadmap page: commitments filtered as /actions filters them, and one commitment in full.

Read through bot.services.commitments (list_commitments, is_overdue, history) and written by
bot.presentation, as /actions and /show write them: a page never disagrees with the chat.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import Session

from bot.dispatch import Dispatcher
from bot.export import action_rows, to_csv
from bot.kinds import CommitmentStatus, ItemKind
from bot.markup import to_plain
from bot.models import Circle, Commitment, Community, Item, Member, Organisation, Update
from bot.presentation import Localiser, change_line, percent, status_label
from bot.services.commitments import ActionFilter, commitments_statement, history, is_overdue
from bot.services.dashboard.viewer import Viewer, localiser

STATUSES = ("open", "overdue", "done", "dropped", "all")
PAGE_ROWS = 100  # commitments on a page; "previous" and "next" links page through the rest


@dataclass(frozen=True)
class RoadmapFilter:
    """What the roadmap's form asks: each set narrows."""

    organisation: int | None = None
    circle: int | None = None
    owner: int | None = None
    status: str = "open"
    start: date | None = None  # due on or after
    end: date | None = None  # due on or before
    page: int = 1  # which PAGE_ROWS rows, from 1


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
    page: int = 1  # the page shown (past the last page: the last one)
    pages: int = 1

    @property
    def first(self) -> int:
        """The position of the first row shown (from 1), for "41–80 of 3,271"."""
        return (self.page - 1) * PAGE_ROWS + 1 if self.rows else 0


@dataclass(frozen=True)
class Listed:
    """What a row of the roadmap shows of a commitment, read as plain columns."""

    number: int
    title: str
    owner: str
    organisation: str | None
    circle: str
    due_at: datetime | None
    due_has_time: bool
    status: CommitmentStatus
    progress: int | None


def listed(commitment: Commitment) -> Listed:
    """A commitment read in full (its own page), as a row lists it."""
    organisation = commitment.organisation.name if commitment.organisation else None
    return Listed(
        commitment.number,
        commitment.title,
        commitment.owner.display_name,
        organisation,
        commitment.item.circle.name,
        commitment.due_at,
        commitment.due_has_time,
        commitment.status,
        commitment.progress,
    )


class Labels:
    """A page's due dates and percentages, each written once (many commitments share a due day)."""

    def __init__(self, loc: Localiser) -> None:
        self.loc = loc
        self.dues: dict[tuple[datetime | None, bool], str] = {}
        self.percents: dict[int, str] = {}

    def due(self, at: datetime | None, has_time: bool) -> str:
        if (at, has_time) not in self.dues:
            self.dues[at, has_time] = self.loc.when(at, has_time) if at else self.loc.t("no due date")
        return self.dues[at, has_time]

    def percent(self, value: int | None) -> str:
        if value is None:
            return ""
        if value not in self.percents:
            self.percents[value] = percent(self.loc, value)
        return self.percents[value]


def commitment_row(loc: Localiser, found: Listed, labels: Labels | None = None) -> CommitmentRow:
    labels = labels or Labels(loc)
    progress = found.progress
    # is_overdue, /actions' own rule, on the three columns it reads
    state = Commitment(status=found.status, due_at=found.due_at, due_has_time=found.due_has_time)
    return CommitmentRow(
        number=found.number,
        title=found.title,
        owner=found.owner,
        organisation=found.organisation or "",
        circle=found.circle,
        due=labels.due(found.due_at, found.due_has_time),
        due_at=found.due_at,
        status=str(found.status),
        status_label=status_label(loc, found.status),
        overdue=is_overdue(state, loc.now, loc.tz),
        progress=progress,
        progress_label=labels.percent(progress),
    )


def _matching(session: Session, community: Community, viewer: Viewer, wanted: RoadmapFilter, loc: Localiser):
    """The query of the commitments the viewer may see that match the filter, by due date (no date
    last, then by number: as /actions sorts them), a few columns each.

    /actions' own query (commitments_statement) with the rest of the filter in SQL too, so that a
    page counts them and reads only the rows it shows. A commitment's item is always of kind
    "commitment": saying so lets the database count and order them from ix_items_kind_community_number
    without reading each item's row.
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
    statement = statement.where(Item.kind == ItemKind.COMMITMENT)
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


def _loaded(session: Session, ids: list[int]) -> list[Listed]:
    """The commitments of `ids` as rows list them, in their order: the columns shown, in one query
    (not each commitment with its item, circle, owner and organisation as objects)."""
    if not ids:
        return []
    statement = (
        select(
            Commitment.item_id,
            Item.number,
            Commitment.title,
            Member.display_name,
            Organisation.name.label("organisation"),
            Circle.name.label("circle"),
            Commitment.due_at,
            Commitment.due_has_time,
            Commitment.status,
            Commitment.progress,
        )
        .join(Item, Item.id == Commitment.item_id)
        .join(Circle, Circle.id == Item.circle_id)
        .join(Member, Member.id == Commitment.owner_id)
        .outerjoin(Organisation, Organisation.id == Commitment.organisation_id)
        .where(Commitment.item_id.in_(ids))
    )
    found = {row.item_id: Listed(*row[1:]) for row in session.connection().execute(statement)}
    return [found[item_id] for item_id in ids]


def _choices(session: Session, community: Community, viewer: Viewer) -> tuple[list[Choice], ...]:
    reading = session.connection()
    circles = [
        Choice(circle_id, name)
        for circle_id, name in reading.execute(
            select(Circle.id, Circle.name).where(Circle.community_id == community.id).order_by(Circle.name)
        )
        if viewer.sees_circle(circle_id)
    ]
    organisations = [
        Choice(org_id, name)
        for org_id, name in reading.execute(
            select(Organisation.id, Organisation.name)
            .where(Organisation.community_id == community.id)
            .order_by(Organisation.name)
        )
    ]
    # the members who own a commitment of the community: one look-up each in the owners' index
    # (ix_commitments_owner_status_due), not a pass over every commitment
    owns = exists().where(Commitment.owner_id == Member.id, Item.id == Commitment.item_id)
    owns = owns.where(Item.community_id == community.id)
    owners = [
        Choice(member_id, name)
        for member_id, name in reading.execute(
            select(Member.id, Member.display_name)
            .where(Member.community_id == community.id, owns)
            .order_by(Member.display_name)
        )
    ]
    return organisations, circles, owners


def _page_ids(session: Session, matching: Select[Any], total: int, page: int) -> list[int]:
    """The ids of the page's commitments, in the roadmap's order. A page nearer the end is read from
    the end (the exact reverse order, then turned back): the database then sorts and skips as few
    rows for the last page as for the first."""
    start, end = (page - 1) * PAGE_ROWS, min(page * PAGE_ROWS, total)
    ids = matching.with_only_columns(Commitment.item_id)
    if start <= total - end:
        return list(session.scalars(ids.offset(start).limit(end - start)))
    backwards = ids.order_by(None).order_by(
        Commitment.due_at.is_(None).desc(), Commitment.due_at.desc(), Item.number.desc()
    )
    return list(reversed(session.scalars(backwards.offset(total - end).limit(end - start)).all()))


def roadmap(dispatcher: Dispatcher, viewer: Viewer, wanted: RoadmapFilter) -> RoadmapPage:
    """The roadmap as the viewer may see it, filtered: one page of PAGE_ROWS rows (`total` counts
    them all; a page past the last shows the last)."""
    with dispatcher.store.unit_of_work(reading=True) as session:
        community = dispatcher.community(session)
        loc = localiser(community, viewer, dispatcher.clock.now())
        matching = _matching(session, community, viewer, wanted, loc)
        total = session.scalar(select(func.count()).select_from(matching.order_by(None).subquery())) or 0
        pages = max((total + PAGE_ROWS - 1) // PAGE_ROWS, 1)
        page = min(max(wanted.page, 1), pages)
        ids = _page_ids(session, matching, total, page) if total else []
        organisations, circles, owners = _choices(session, community, viewer)
        labels = Labels(loc)
        return RoadmapPage(
            rows=[commitment_row(loc, row, labels) for row in _loaded(session, ids)],
            total=total,
            organisations=organisations,
            circles=circles,
            owners=owners,
            page=page,
            pages=pages,
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
            row=commitment_row(loc, listed(found)),
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
