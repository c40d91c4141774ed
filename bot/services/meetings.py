"""Meetings of a circle, the topics proposed for their agenda, and the circle's decisions.

`upcoming_meetings(session, community_id, now, limit)` is what personal views (Slack App Home)
list; the scheduler (schedules/) reads meetings to post agendas and reminders.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import Refusal
from bot.kinds import ItemKind, MeetingStatus
from bot.models import AgendaTopic, Circle, Community, Item, Meeting, Member
from bot.services.commitments import check_note
from bot.services.numbering import find_item, new_item
from bot.services.updates import post_item

MAX_TITLE = 200
MAX_PLACE = 300
MAX_TOPIC = 500


def check_meeting_title(title: str) -> str:
    title = " ".join(title.split())
    if not title:
        raise Refusal("Give the meeting a title, for example: /meeting COPIL Thursday 2pm #copil town hall")
    if len(title) > MAX_TITLE:
        raise Refusal(
            "This title is too long ({length} characters; at most {limit}).", length=len(title), limit=MAX_TITLE
        )
    return title


def create_meeting(
    session: Session,
    community: Community,
    circle: Circle,
    author: Member | None,
    title: str,
    starts_at: datetime,
    place: str | None,
    now: datetime,
    minutes: int = 120,
) -> Meeting:
    """A new meeting numbered #N; topics proposed for "the next meeting" of the circle join it."""
    title = check_meeting_title(title)
    place = " ".join((place or "").split()) or None
    if place is not None and len(place) > MAX_PLACE:
        raise Refusal(
            "This place is too long ({length} characters; at most {limit}).", length=len(place), limit=MAX_PLACE
        )
    if starts_at <= now:
        raise Refusal("This meeting would start in the past. Nothing was saved.")
    item = new_item(session, community, circle, author, ItemKind.MEETING, title, now, must_read=False)
    meeting = Meeting(
        item_id=item.id,
        title=title,
        starts_at=starts_at,
        minutes=minutes,
        place=place,
        status=MeetingStatus.SCHEDULED,
        created_by=author.id if author else None,
        created_at=now,
    )
    session.add(meeting)
    session.flush()
    if next_meeting(session, circle.id, now) is meeting:
        for topic in session.scalars(
            select(AgendaTopic).where(AgendaTopic.circle_id == circle.id, AgendaTopic.meeting_id.is_(None))
        ):
            topic.meeting_id = meeting.item_id
    session.flush()
    return meeting


def get_meeting(session: Session, community: Community, number: int) -> Meeting:
    item = find_item(session, community.id, number)
    if item is None:
        raise Refusal("There is no #{number}. /meetings lists the coming meetings.", number=number)
    meeting = session.get(Meeting, item.id)
    if meeting is None:
        raise Refusal("#{number} is not a meeting. /meetings lists the coming meetings.", number=number)
    return meeting


def cancel_meeting(session: Session, meeting: Meeting, now: datetime) -> None:
    if meeting.status == MeetingStatus.CANCELLED:
        raise Refusal("Meeting #{number} is already cancelled.", number=meeting.number)
    if meeting.starts_at <= now:
        raise Refusal("Meeting #{number} has already started; it cannot be cancelled.", number=meeting.number)
    meeting.status = MeetingStatus.CANCELLED
    meeting.cancelled_at = now
    for topic in session.scalars(select(AgendaTopic).where(AgendaTopic.meeting_id == meeting.item_id)):
        topic.meeting_id = None  # kept for the circle's next meeting
    session.flush()


def _scheduled() -> object:
    return select(Meeting).join(Item, Item.id == Meeting.item_id).where(Meeting.status == MeetingStatus.SCHEDULED)


def upcoming_meetings(
    session: Session,
    community_id: int,
    now: datetime,
    limit: int = 10,
    circle_id: int | None = None,
    until: datetime | None = None,
    circle_ids: Collection[int] | None = None,
) -> list[Meeting]:
    """Scheduled meetings not started yet, soonest first (all circles unless `circle_id`/`circle_ids`)."""
    statement = _scheduled().where(Item.community_id == community_id, Meeting.starts_at > now)  # type: ignore[attr-defined]
    if circle_id is not None:
        statement = statement.where(Item.circle_id == circle_id)
    if circle_ids is not None:
        statement = statement.where(Item.circle_id.in_(list(circle_ids)))
    if until is not None:
        statement = statement.where(Meeting.starts_at <= until)
    return list(session.scalars(statement.order_by(Meeting.starts_at, Meeting.item_id).limit(limit)))


def next_meeting(session: Session, circle_id: int, now: datetime) -> Meeting | None:
    statement = _scheduled().where(Item.circle_id == circle_id, Meeting.starts_at > now)  # type: ignore[attr-defined]
    return session.scalar(statement.order_by(Meeting.starts_at, Meeting.item_id).limit(1))


def meeting_after(session: Session, meeting: Meeting) -> Meeting | None:
    """The circle's next scheduled meeting after this one."""
    statement = _scheduled().where(
        Item.circle_id == meeting.circle_id,  # type: ignore[attr-defined]
        Meeting.starts_at > meeting.starts_at,
    )
    return session.scalar(statement.order_by(Meeting.starts_at, Meeting.item_id).limit(1))


def meeting_before(session: Session, circle_id: int, before: datetime) -> Meeting | None:
    """The circle's last scheduled meeting that started before `before`."""
    statement = _scheduled().where(Item.circle_id == circle_id, Meeting.starts_at < before)  # type: ignore[attr-defined]
    return session.scalar(statement.order_by(Meeting.starts_at.desc(), Meeting.item_id.desc()).limit(1))


def add_topic(
    session: Session, circle: Circle, meeting: Meeting | None, author: Member | None, text: str, now: datetime
) -> AgendaTopic:
    text = " ".join(text.split())
    if not text:
        raise Refusal("Say which topic, for example: /agenda add Summer workshops review")
    if len(text) > MAX_TOPIC:
        raise Refusal(
            "This topic is too long ({length} characters; at most {limit}).", length=len(text), limit=MAX_TOPIC
        )
    topic = AgendaTopic(
        circle_id=meeting.circle_id if meeting else circle.id,
        meeting_id=meeting.item_id if meeting else None,
        author_id=author.id if author else None,
        text=text,
        created_at=now,
    )
    session.add(topic)
    session.flush()
    return topic


def topics_for(session: Session, meeting: Meeting) -> list[AgendaTopic]:
    return list(
        session.scalars(select(AgendaTopic).where(AgendaTopic.meeting_id == meeting.item_id).order_by(AgendaTopic.id))
    )


def record_decision(
    session: Session, community: Community, circle: Circle, author: Member, text: str, now: datetime
) -> Item:
    """A decision of the circle: an item everyone in it must read."""
    text = check_note(text)
    if not text:
        raise Refusal("Say what was decided, for example: /decision The forum takes place on 12 June")
    return post_item(session, community, circle, author, ItemKind.DECISION, text, now)
