"""Items and meetings pages: the items to read with their readers (as /who-read), the meetings
to come and past ones with their agendas and decisions (as /meetings and /agenda), the .ics."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.dispatch import Dispatcher
from bot.errors import kind_name
from bot.ics import meetings_calendar
from bot.kinds import ItemKind, MeetingStatus
from bot.markup import to_plain
from bot.models import Community, Item, Meeting
from bot.presentation import Localiser, member_label
from bot.services import levels, reads
from bot.services.dashboard.information import Cell, cell
from bot.services.dashboard.viewer import Viewer, localiser
from bot.services.meetings import topics_for, upcoming_meetings
from bot.text import first_words

MAX_ITEMS = 200
PAST = timedelta(days=180)


@dataclass(frozen=True)
class ItemRow:
    number: int
    kind: str
    circle: str
    author: str
    when: str
    text: str
    coverage: Cell


@dataclass(frozen=True)
class Reader:
    name: str
    state: str  # acknowledged, seen, unread
    when: str


@dataclass(frozen=True)
class ItemPage:
    row: ItemRow
    full_text: str
    readers: list[Reader]
    by_organisation: list[tuple[str, int, int]]


def _row(loc: Localiser, item: Item, coverage: levels.Coverage | None) -> ItemRow:
    return ItemRow(
        number=item.number,
        kind=loc.t(kind_name(item.kind)),
        circle=item.circle.name,
        author=to_plain(member_label(item.author)),
        when=loc.when(item.created_at),
        text=first_words(item.text, 120),
        coverage=cell(loc, coverage.acknowledged, coverage.audience) if coverage else cell(loc, 0, 0),
    )


def items_page(dispatcher: Dispatcher, viewer: Viewer) -> list[ItemRow]:
    """The items to read of the last 4 weeks in the viewer's circles, newest first, with how many confirmed."""
    with dispatcher.store.unit_of_work(reading=True) as session:
        community = dispatcher.community(session)
        loc = localiser(community, viewer, dispatcher.clock.now())
        statement = select(Item).where(
            Item.community_id == community.id,
            Item.must_read.is_(True),
            Item.created_at >= loc.now - levels.READING_WINDOW,
        )
        if viewer.circles is not None:
            statement = statement.where(Item.circle_id.in_(list(viewer.circles)))
        found = session.scalars(statement.order_by(Item.number.desc()).limit(MAX_ITEMS)).all()
        coverage = levels.coverage(session, [item.id for item in found])
        return [_row(loc, item, coverage.get(item.id)) for item in found]


def item_page(dispatcher: Dispatcher, viewer: Viewer, number: int) -> ItemPage | None:
    """An item with who confirmed, who only saw it, who not yet (as /who-read #N); None if not visible."""
    with dispatcher.store.unit_of_work(reading=True) as session:
        community = dispatcher.community(session)
        item = session.scalar(select(Item).where(Item.community_id == community.id, Item.number == number))
        if item is None or not item.must_read or not viewer.sees(item.circle_id, item.author_id):
            return None
        loc = localiser(community, viewer, dispatcher.clock.now())
        states = reads.who_read(session, item)
        organisations: dict[str, list[int]] = {}
        for state in states:
            name = state.member.organisation.name if state.member.organisation else loc.t("no organisation")
            bucket = organisations.setdefault(name, [0, 0])
            bucket[0] += state.state == "acknowledged"
            bucket[1] += 1
        acknowledged = sum(1 for state in states if state.state == "acknowledged")
        return ItemPage(
            row=_row(loc, item, levels.Coverage(item, acknowledged, len(states))),
            full_text=item.text,
            readers=[Reader(to_plain(member_label(s.member)), s.state, loc.when(s.at) if s.at else "") for s in states],
            by_organisation=[(name, a, t) for name, (a, t) in sorted(organisations.items())],
        )


@dataclass(frozen=True)
class MeetingRow:
    number: int
    title: str
    circle: str
    when: str
    place: str
    topics: list[str] = field(default_factory=list)
    decisions: list[str] = field(default_factory=list)


def _meeting_row(session: Session, loc: Localiser, meeting: Meeting, past: bool) -> MeetingRow:
    decisions: list[str] = []
    if past:
        day_start = meeting.starts_at.astimezone(loc.tz).replace(hour=0, minute=0, second=0, microsecond=0)
        decisions = [
            f"#{item.number} {item.text}"
            for item in session.scalars(
                select(Item)
                .where(Item.circle_id == meeting.circle_id, Item.kind == ItemKind.DECISION)
                .where(Item.created_at >= day_start, Item.created_at < day_start + timedelta(days=1))
                .order_by(Item.number)
            )
        ]
    return MeetingRow(
        number=meeting.number,
        title=meeting.title,
        circle=meeting.item.circle.name,
        when=loc.when(meeting.starts_at),
        place=meeting.place or "",
        topics=[topic.text for topic in topics_for(session, meeting)],
        decisions=decisions,
    )


def meetings_page(dispatcher: Dispatcher, viewer: Viewer) -> tuple[list[MeetingRow], list[MeetingRow]]:
    """The meetings to come and those held in the last six months (every circle's, as /meetings)."""
    with dispatcher.store.unit_of_work(reading=True) as session:
        community = dispatcher.community(session)
        loc = localiser(community, viewer, dispatcher.clock.now())
        coming = upcoming_meetings(session, community.id, loc.now, 50)
        held = session.scalars(
            select(Meeting)
            .join(Item, Item.id == Meeting.item_id)
            .where(Item.community_id == community.id, Meeting.status == MeetingStatus.SCHEDULED)
            .where(Meeting.starts_at <= loc.now, Meeting.starts_at >= loc.now - PAST)
            .order_by(Meeting.starts_at.desc())
            .limit(50)
        ).all()
        return (
            [_meeting_row(session, loc, meeting, False) for meeting in coming],
            [_meeting_row(session, loc, meeting, True) for meeting in held],
        )


def calendar(dispatcher: Dispatcher, viewer: Viewer) -> bytes:
    """The meetings as iCalendar, as `relais export meetings --format ics` writes them."""
    del viewer  # every member sees every circle's meetings (/meetings)
    with dispatcher.store.unit_of_work(reading=True) as session:
        community: Community = dispatcher.community(session)
        now: datetime = dispatcher.clock.now()
        return meetings_calendar(session, community, now)
