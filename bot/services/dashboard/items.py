"""Items and meetings pages: the items to read with their readers (as /who-read), the meetings
to come and past ones with their agendas and decisions (as /meetings and /agenda), the .ics."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Row, select
from sqlalchemy.orm import Session

from bot.dispatch import Dispatcher
from bot.errors import kind_name
from bot.ics import meetings_calendar
from bot.kinds import ItemKind, MeetingStatus
from bot.markup import to_plain
from bot.models import AgendaTopic, Circle, Community, Item, Meeting
from bot.presentation import Localiser, member_label
from bot.services import levels, reads
from bot.services.dashboard.information import Cell, cell
from bot.services.dashboard.viewer import Viewer, localiser
from bot.text import first_words

ITEM_ROWS = 50  # items on a page; "previous" and "next" links page through the rest
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
    full_text: str = ""  # the whole text (the page shows its first words)


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
        full_text=to_plain(item.text),
    )


@dataclass(frozen=True)
class ItemsPage:
    rows: list[ItemRow]
    total: int  # items to read in the last 4 weeks
    page: int = 1  # the page shown (past the last page: the last one)
    pages: int = 1

    @property
    def first(self) -> int:
        """The position of the first row shown (from 1)."""
        return (self.page - 1) * ITEM_ROWS + 1 if self.rows else 0


def items_page(dispatcher: Dispatcher, viewer: Viewer, page: int = 1, every: bool = False) -> ItemsPage:
    """The items to read of the last 4 weeks in the viewer's circles, newest first, with how many
    confirmed: one page of ITEM_ROWS (`every`: all of them, for the export).

    The numbers of the window's items are read from the index of their creation time (a few thousand
    a day at most), sorted here; only the page's items are read in full and counted.
    """
    with dispatcher.store.unit_of_work(reading=True) as session:
        community = dispatcher.community(session)
        loc = localiser(community, viewer, dispatcher.clock.now())
        statement = select(Item.id, Item.number).where(
            Item.community_id == community.id,
            Item.must_read.is_(True),
            Item.created_at >= loc.now - levels.READING_WINDOW,
        )
        if viewer.circles is not None:
            statement = statement.where(Item.circle_id.in_(list(viewer.circles)))
        keys = sorted(session.connection().execute(statement).all(), key=lambda key: key.number, reverse=True)
        pages = 1 if every else max((len(keys) + ITEM_ROWS - 1) // ITEM_ROWS, 1)
        page = min(max(page, 1), pages)
        shown = keys if every else keys[(page - 1) * ITEM_ROWS : page * ITEM_ROWS]
        ids = [key.id for key in shown]
        coverage = levels.coverage(session, ids)
        found = [coverage[item_id].item for item_id in ids if item_id in coverage]
        if len(found) < len(ids):  # not expected (they are items to read): read them as they are
            found = reads.load_items(session, ids)
        rows = [_row(loc, item, coverage.get(item.id)) for item in found]
        return ItemsPage(rows, len(keys), page, pages)


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


MEETING_COLUMNS = (Meeting.item_id, Item.number, Item.circle_id, Circle.name, Meeting.title, Meeting.starts_at)


def _meetings(session: Session, conditions: list[ColumnElement[bool]], order: list[Any]) -> list[Row[Any]]:
    """Scheduled meetings of the community, a few columns each (at most 50)."""
    statement = select(*MEETING_COLUMNS, Meeting.place).join(Item, Item.id == Meeting.item_id)
    statement = statement.join(Circle, Circle.id == Item.circle_id)
    statement = statement.where(Meeting.status == MeetingStatus.SCHEDULED, *conditions)
    return list(session.execute(statement.order_by(*order).limit(50)))


def _topics(session: Session, meetings: list[Row[Any]]) -> dict[int, list[str]]:
    """Each meeting's agenda (as /agenda: the topics in the order they were proposed), in one query."""
    topics: dict[int, list[str]] = {}
    ids = [meeting.item_id for meeting in meetings]
    statement = select(AgendaTopic.meeting_id, AgendaTopic.text).where(AgendaTopic.meeting_id.in_(ids))
    for meeting_id, text in session.execute(statement.order_by(AgendaTopic.id)) if ids else ():
        topics.setdefault(meeting_id, []).append(text)
    return topics


def _decisions(session: Session, loc: Localiser, held: list[Row[Any]]) -> dict[tuple[int, date], list[str]]:
    """The decisions of each held meeting's circle on that meeting's day (local), in one query."""
    if not held:
        return {}
    days = [meeting.starts_at.astimezone(loc.tz).date() for meeting in held]
    since = datetime.combine(min(days), time(), tzinfo=loc.tz)
    until = datetime.combine(max(days) + timedelta(days=1), time(), tzinfo=loc.tz)
    statement = select(Item.circle_id, Item.number, Item.text, Item.created_at).where(
        Item.circle_id.in_({meeting.circle_id for meeting in held}),
        Item.kind == ItemKind.DECISION,
        Item.created_at >= since,
        Item.created_at < until,
    )
    found: dict[tuple[int, date], list[str]] = {}
    for circle_id, number, text, created_at in session.execute(statement.order_by(Item.number)):
        found.setdefault((circle_id, created_at.astimezone(loc.tz).date()), []).append(f"#{number} {text}")
    return found


def meetings_page(dispatcher: Dispatcher, viewer: Viewer) -> tuple[list[MeetingRow], list[MeetingRow]]:
    """The meetings to come (as /meetings: soonest first) and those held in the last six months
    (every circle's, the latest 50 of each), with agendas and, for those held, that day's decisions."""
    with dispatcher.store.unit_of_work(reading=True) as session:
        community = dispatcher.community(session)
        loc = localiser(community, viewer, dispatcher.clock.now())
        ours = Item.community_id == community.id
        coming = _meetings(session, [ours, Meeting.starts_at > loc.now], [Meeting.starts_at, Meeting.item_id])
        recent = [ours, Meeting.starts_at <= loc.now, Meeting.starts_at >= loc.now - PAST]
        held = _meetings(session, recent, [Meeting.starts_at.desc()])
        topics = _topics(session, coming + held)
        decisions = _decisions(session, loc, held)

        def row(meeting: Row[Any], past: bool) -> MeetingRow:
            day = meeting.starts_at.astimezone(loc.tz).date()
            return MeetingRow(
                number=meeting.number,
                title=meeting.title,
                circle=meeting.name,
                when=loc.when(meeting.starts_at),
                place=meeting.place or "",
                topics=topics.get(meeting.item_id, []),
                decisions=decisions.get((meeting.circle_id, day), []) if past else [],
            )

        return [row(meeting, False) for meeting in coming], [row(meeting, True) for meeting in held]


def calendar(dispatcher: Dispatcher, viewer: Viewer) -> bytes:
    """The meetings as iCalendar, as `relais export meetings --format ics` writes them."""
    del viewer  # every member sees every circle's meetings (/meetings)
    with dispatcher.store.unit_of_work(reading=True) as session:
        community: Community = dispatcher.community(session)
        now: datetime = dispatcher.clock.now()
        return meetings_calendar(session, community, now)
