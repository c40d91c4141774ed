"""The agenda of a meeting, the reminders before it, and the notice that it is cancelled.

Posted by the scheduler before the meeting, shown now by /agenda and `relais agenda`.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config.schedules import ScheduleSettings
from bot.kinds import ItemKind, OccurrenceKind
from bot.markup import bold, esc
from bot.models import Community, Item, Meeting, Occurrence
from bot.posts import queries
from bot.posts.draft import Draft
from bot.presentation import Localiser, capped, commitment_bullet, item_line, meeting_when, member_label
from bot.reply import Post
from bot.services.levels import coverage
from bot.services.meetings import meeting_after, meeting_before, topics_for

LINES = 10
SINCE_DEFAULT = timedelta(days=30)
DECISIONS_WINDOW = timedelta(days=90)
MAX_UPDATES = 50


def build_agenda(
    session: Session, community: Community, meeting: Meeting, loc: Localiser, settings: ScheduleSettings
) -> Draft:
    """What the meeting is about: proposed topics, overdue and coming commitments, little-read
    updates and decisions to share since the previous meeting."""
    circle = meeting.item.circle
    now = loc.now
    topics = topics_for(session, meeting)
    overdue = queries.overdue_commitments(session, now, loc.tz, circle.id)
    after = meeting_after(session, meeting)
    horizon = after.starts_at if after else meeting.starts_at + timedelta(days=28)
    soon = queries.due_between(session, now, horizon, loc.tz, circle.id)
    previous = meeting_before(session, circle.id, meeting.starts_at)
    since = previous.starts_at if previous else now - SINCE_DEFAULT
    updates = queries.items_of_kind(session, circle.id, queries.NEWS, since, now)[-MAX_UPDATES:]
    decided = queries.items_of_kind(session, circle.id, (ItemKind.DECISION,), now - DECISIONS_WINDOW, now)
    decisions = decided[-MAX_UPDATES:]
    covered = coverage(session, [item.id for item in [*updates, *decisions]])
    little_read = [item for item in updates if covered[item.id].share < settings.low_coverage]
    open_decisions = [item for item in decisions if item.created_at >= since or covered[item.id].share < 1]
    if after:
        due_title = loc.t("Due before the next meeting, {when}", when=loc.day(after.starts_at))
    else:
        due_title = loc.t("Due in the next 4 weeks")
    since_text = loc.t("since the last meeting") if previous else loc.t("over the last 30 days")
    sections = [
        (
            loc.t("Proposed topics"),
            [
                f"• {esc(topic.text, 300)} — " + loc.t("proposed by {name}", name=member_label(topic.author))
                for topic in topics
            ],
        ),
        ("⚠️ " + loc.t("Overdue commitments"), [commitment_bullet(loc, row) for row in overdue]),
        (due_title, [commitment_bullet(loc, row) for row in soon]),
        (
            loc.t("Little-read updates {since}", since=since_text),
            [item_line(loc, item, covered[item.id]) for item in little_read],
        ),
        (loc.t("Decisions to share"), [item_line(loc, item, covered[item.id], 200) for item in open_decisions]),
    ]
    body = [
        loc.t(
            "Meeting #{number} of {circle}: {when}",
            number=meeting.number,
            circle=esc(circle.name, 60),
            when=meeting_when(loc, meeting),
        )
    ]
    position = 0
    for title, lines in sections:
        if lines:
            position += 1
            body += ["", bold(f"{position}. {title}"), *capped(loc, lines, LINES)]
    if not position:
        body.append(loc.t("Nothing on the agenda yet."))
    body += ["", loc.t("Propose a topic: /agenda add <topic>.")]
    return Draft("🗓️", loc.t("Agenda — {title}", title=esc(meeting.title, 120)), tuple(body))


def agenda_number(session: Session, meeting: Meeting) -> int | None:
    """The number of the agenda item posted for this meeting, if it was posted."""
    item_id = session.scalar(
        select(Occurrence.item_id)
        .where(
            Occurrence.meeting_id == meeting.item_id,
            Occurrence.kind == OccurrenceKind.AGENDA,
            Occurrence.item_id.is_not(None),
        )
        .limit(1)
    )
    if item_id is None:
        return None
    item = session.get(Item, item_id)
    return item.number if item else None


def delay_text(loc: Localiser, meeting: Meeting) -> str:
    """ "in 50 minutes", "in 24 hours"."""
    minutes = max(round((meeting.starts_at - loc.now).total_seconds() / 60), 0)
    if minutes < 60:
        return loc.tn("in {count} minute", "in {count} minutes", minutes)
    return loc.tn("in {count} hour", "in {count} hours", round(minutes / 60))


def reminder_post(session: Session, meeting: Meeting, loc: Localiser) -> Post:
    """A reminder to the circle (not an item to read: it points to the agenda, which is)."""
    lines = [
        "⏰ "
        + loc.t(
            "Reminder: {title} ({circle}) starts {delay}, {when}.",
            title=bold(esc(meeting.title, 120)),
            circle=esc(meeting.item.circle.name, 60),
            delay=delay_text(loc, meeting),
            when=meeting_when(loc, meeting),
        )
    ]
    number = agenda_number(session, meeting)
    if number is not None:
        lines.append(loc.t("The agenda is #{number}; add a topic with /agenda add <topic>.", number=number))
    else:
        lines.append(loc.t("See the agenda with /agenda #{number}.", number=meeting.number))
    return Post(text="\n".join(lines), target="circle", circle_id=meeting.circle_id, notify=True)


def cancelled_post(meeting: Meeting, loc: Localiser) -> Post:
    """The circle is told that the meeting will not take place."""
    text = "❌ " + loc.t(
        "Meeting #{number} {title} of {when} is cancelled.",
        number=meeting.number,
        title=bold(esc(meeting.title, 120)),
        when=loc.when(meeting.starts_at),
    )
    return Post(text=text, target="circle", circle_id=meeting.circle_id, notify=True)
