"""`relais export meetings --format ics`: the meetings as an iCalendar file calendar apps import.

Each meeting keeps one UID, so importing again updates it; a cancelled meeting is exported with
STATUS:CANCELLED (and a higher SEQUENCE) so that calendars remove it. Times carry the
community's zone (with its VTIMEZONE), so a meeting at 14:00 in Paris stays 14:00 in Paris.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.kinds import MeetingStatus
from bot.models import Community, Item, Meeting
from bot.presentation import Localiser

PAST = timedelta(days=365)
_URL = re.compile(r"https?://\S+", re.IGNORECASE)


def meeting_uid(community: Community, meeting: Meeting) -> str:
    """Stable for one community (importing again updates the event), unique across installations:
    the community's own fingerprint (its name and the instant it was created) is part of it."""
    created = community.created_at.astimezone(UTC).isoformat() if community.created_at else ""
    fingerprint = hashlib.sha256(f"{community.name}\n{created}".encode()).hexdigest()[:16]
    return f"relais-{fingerprint}-meeting-{meeting.number}@relais"


def meetings_calendar(session: Session, community: Community, now: datetime) -> bytes:
    """Every meeting from a year ago on, cancelled ones included (so that calendars drop them)."""
    loc = Localiser.of(community, now)
    calendar = Calendar()
    calendar.add("prodid", "-//Relais//Relais meetings//FR")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", community.name)
    calendar.add("x-wr-timezone", community.timezone)
    meetings = session.scalars(
        select(Meeting)
        .join(Item, Item.id == Meeting.item_id)
        .where(Item.community_id == community.id, Meeting.starts_at >= now - PAST)
        .order_by(Meeting.starts_at, Meeting.item_id)
    )
    for meeting in meetings:
        calendar.add_component(_event(community, meeting, loc))
    calendar.add_missing_timezones()
    return calendar.to_ical()


def _event(community: Community, meeting: Meeting, loc: Localiser) -> Event:
    start = meeting.starts_at.astimezone(loc.tz)
    circle = meeting.item.circle.name
    event = Event()
    event.add("uid", meeting_uid(community, meeting))
    event.add("dtstamp", loc.now)
    event.add("created", meeting.created_at)
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=meeting.minutes))
    event.add("summary", meeting.title)
    event.add("categories", [circle])
    description = loc.t(
        "Meeting #{number} of {circle}. Agenda in the chat: /agenda #{number}.", number=meeting.number, circle=circle
    )
    if meeting.place:
        event.add("location", meeting.place)
        link = _URL.search(meeting.place)
        if link:
            event.add("url", link.group(0))
    event.add("description", description)
    cancelled = meeting.status == MeetingStatus.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("sequence", 1 if cancelled else 0)
    if cancelled and meeting.cancelled_at is not None:
        event.add("last-modified", meeting.cancelled_at)
    return event
