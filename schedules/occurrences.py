"""Which occurrences exist, which are due, and the schedule rows kept in step with the config.

An occurrence is identified by (schedule key, due time):
* "recap:<circle id>"            weekly recap of a circle (rule of the row "circle:<circle id>")
* "digest:<community id>"        personal digests (row "digest:<community id>")
* "nudges:<community id>"        the daily nudge round (row "nudges:<community id>")
* "agenda:<meeting id>"          a meeting's agenda, agenda_lead before it (or at creation if later)
* "reminder:<meeting id>:<min>"  a reminder <min> minutes before a meeting
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.config.schedules import ScheduleSettings
from bot.kinds import MeetingStatus, OccurrenceKind, OccurrenceStatus, ScheduleKind
from bot.models import Circle, Community, Item, Meeting, Occurrence, Schedule
from bot.recurrence import parse_rule
from bot.reply import Post

KIND_ORDER = {kind: order for order, kind in enumerate(OccurrenceKind)}  # recap, agenda, reminder, digest, nudges


@dataclass(frozen=True)
class Due:
    key: str
    at: datetime
    kind: OccurrenceKind
    grace: timedelta
    circle_id: int | None = None
    meeting_id: int | None = None
    paused: bool = False
    schedule: str | None = None  # the Schedule row that holds its pause switch

    @property
    def occurrence_key(self) -> str:
        """The idempotency key written on the outbox rows: schedule key @ due time (UTC)."""
        return f"{self.key}@{self.at.astimezone(UTC):%Y-%m-%dT%H:%MZ}"

    def expired(self, now: datetime) -> bool:
        return now - self.at > self.grace


def _order(due: Due) -> tuple[datetime, int, str]:
    return due.at, KIND_ORDER.get(due.kind, 9), due.key


def _wanted(
    session: Session, community: Community, settings: ScheduleSettings
) -> list[tuple[str, ScheduleKind, int | None, str]]:
    """(key, kind, circle id, rule text) of every schedule row the config asks for."""
    wanted: list[tuple[str, ScheduleKind, int | None, str]] = []
    for circle_id, name in session.execute(
        select(Circle.id, Circle.name).where(Circle.community_id == community.id).order_by(Circle.id)
    ):
        rule = settings.recap_rule(name)
        wanted.append((f"circle:{circle_id}", ScheduleKind.CIRCLE, circle_id, rule.text() if rule else "off"))
    for kind, rule in ((ScheduleKind.DIGEST, settings.digest), (ScheduleKind.NUDGES, settings.nudges)):
        wanted.append((f"{kind}:{community.id}", kind, None, rule.text() if rule else "off"))
    return wanted


def schedules_in_step(session: Session, community: Community, settings: ScheduleSettings) -> dict[str, Schedule] | None:
    """The community's schedule rows if they already say what the config says (nothing to write), else None."""
    rows = {row.key: row for row in session.scalars(select(Schedule).where(Schedule.community_id == community.id))}
    for key, _, _, text in _wanted(session, community, settings):
        if key not in rows or rows[key].rule != text:
            return None
    return rows


def sync_schedules(
    session: Session, community: Community, settings: ScheduleSettings, now: datetime
) -> dict[str, Schedule]:
    """The community's schedule rows, created or updated from the config (a changed rule restarts it)."""
    rows = {row.key: row for row in session.scalars(select(Schedule).where(Schedule.community_id == community.id))}
    for key, kind, circle_id, text in _wanted(session, community, settings):
        row = rows.get(key)
        if row is None:
            row = _insert(
                session,
                Schedule(
                    community_id=community.id,
                    key=key,
                    kind=kind,
                    circle_id=circle_id,
                    rule=text,
                    paused=False,
                    active_since=now,
                    updated_at=now,
                ),
            )
            rows[key] = row
        elif row.rule != text:
            row.rule, row.active_since, row.updated_at = text, now, now
    session.flush()
    return rows


def _insert(session: Session, row: Schedule) -> Schedule:
    """Insert, or take the row another process inserted at the same moment."""
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
        return row
    except IntegrityError:
        return session.scalars(select(Schedule).where(Schedule.key == row.key)).one()


def meeting_dues(meeting: Meeting, settings: ScheduleSettings, paused: bool) -> list[Due]:
    """The agenda and reminders of a meeting (none before the meeting was created).

    A reminder due when the agenda is posted (24 h before, by default) is the agenda itself.
    """
    start = meeting.starts_at
    dues = []
    agenda_at = max(start - settings.agenda_lead, meeting.created_at)
    if agenda_at < start:
        dues.append(
            Due(
                f"agenda:{meeting.item_id}",
                agenda_at,
                OccurrenceKind.AGENDA,
                start - agenda_at,
                meeting.circle_id,
                meeting.item_id,
                paused,
                f"circle:{meeting.circle_id}",
            )
        )
    for offset in settings.reminder_offsets:
        at = start - offset
        if at < meeting.created_at or abs(at - agenda_at) < timedelta(minutes=1):
            continue
        minutes = int(offset.total_seconds() // 60)
        dues.append(
            Due(
                f"reminder:{meeting.item_id}:{minutes}",
                at,
                OccurrenceKind.REMINDER,
                min(settings.reminder_grace, offset),
                meeting.circle_id,
                meeting.item_id,
                paused,
                f"circle:{meeting.circle_id}",
            )
        )
    return dues


def _recurring(
    rows: dict[str, Schedule], zone: ZoneInfo, after: datetime, upto: datetime, settings: ScheduleSettings
) -> list[Due]:
    dues = []
    for row in rows.values():
        rule = parse_rule(row.rule) if row.rule else None
        if rule is None:
            continue
        since = max(after, row.active_since - timedelta(seconds=1))
        if row.kind == ScheduleKind.CIRCLE:
            key, kind, grace = f"recap:{row.circle_id}", OccurrenceKind.RECAP, settings.recap_grace
        elif row.kind == ScheduleKind.DIGEST:
            key, kind, grace = row.key, OccurrenceKind.DIGEST, settings.digest_grace
        else:
            key, kind, grace = row.key, OccurrenceKind.NUDGES, settings.nudge_grace
        for at in rule.between(since, upto, zone):
            dues.append(Due(key, at, kind, grace, row.circle_id, None, row.paused, row.key))
    return dues


def _meetings(
    session: Session,
    community: Community,
    rows: dict[str, Schedule],
    settings: ScheduleSettings,
    after: datetime,
    upto: datetime,
) -> list[Due]:
    lead = max([settings.agenda_lead, *settings.reminder_offsets])
    meetings = session.scalars(
        select(Meeting)
        .join(Item, Item.id == Meeting.item_id)
        .where(
            Item.community_id == community.id,
            Meeting.status == MeetingStatus.SCHEDULED,
            Meeting.starts_at > after,
            Meeting.starts_at <= upto + lead,
        )
    )
    dues = []
    for meeting in meetings:
        holder = rows.get(f"circle:{meeting.circle_id}")
        paused = bool(holder and holder.paused)
        dues += [due for due in meeting_dues(meeting, settings, paused) if after < due.at <= upto]
    return dues


def due_occurrences(
    session: Session, community: Community, rows: dict[str, Schedule], settings: ScheduleSettings, now: datetime
) -> list[Due]:
    """Every occurrence due at or before `now` that nobody has claimed yet, oldest first."""
    zone = ZoneInfo(community.timezone)
    floor = now - settings.lookback
    candidates = _recurring(rows, zone, floor, now, settings) + _meetings(
        session, community, rows, settings, floor, now
    )
    claimed = {
        (key, at)
        for key, at in session.execute(
            select(Occurrence.schedule_key, Occurrence.due_at).where(
                Occurrence.community_id == community.id, Occurrence.due_at > floor - timedelta(days=1)
            )
        )
    }
    return sorted((due for due in candidates if (due.key, due.at) not in claimed), key=_order)


def planned_occurrences(
    session: Session,
    community: Community,
    rows: dict[str, Schedule],
    settings: ScheduleSettings,
    now: datetime,
    until: datetime,
) -> list[Due]:
    """What will fall due after `now` up to `until`, soonest first (for /schedule and the timers)."""
    zone = ZoneInfo(community.timezone)
    dues = _recurring(rows, zone, now, until, settings) + _meetings(session, community, rows, settings, now, until)
    return sorted(dues, key=_order)


@dataclass(frozen=True)
class Outcome:
    """What happened to one occurrence: posted, late, missed, paused or empty."""

    key: str
    due_at: datetime
    kind: OccurrenceKind
    status: OccurrenceStatus
    posts: tuple[Post, ...] = ()
    item_number: int | None = None
    outbox: int = 0  # outbox rows written (consoles have none)

    @property
    def occurrence_key(self) -> str:
        return Due(self.key, self.due_at, self.kind, timedelta()).occurrence_key


def posted_status(posts: int, late: bool) -> OccurrenceStatus:
    """What an occurrence that was due became: posted (late past its late_after), or empty with nothing to post."""
    if not posts:
        return OccurrenceStatus.EMPTY
    return OccurrenceStatus.LATE if late else OccurrenceStatus.POSTED


AHEAD = timedelta(minutes=1)  # a claim later than this after now was made by a clock that was ahead


def missed_ahead(session: Session, community_id: int, now: datetime) -> list[int]:
    """Occurrences recorded missed, not reported yet, by a clock that was ahead of `now` (days ahead for a
    moment, then put right): looked at again now that the clock is right, else they would be skipped."""
    return list(
        session.scalars(
            select(Occurrence.id).where(
                Occurrence.community_id == community_id,
                Occurrence.status == OccurrenceStatus.MISSED,
                Occurrence.reported_at.is_(None),
                Occurrence.claimed_at > now + AHEAD,
            )
        )
    )


def forget_missed(session: Session, ids: list[int]) -> None:
    """Forget these missed occurrences (missed_ahead): they fall due again at their own time."""
    session.execute(
        delete(Occurrence).where(
            Occurrence.id.in_(ids), Occurrence.status == OccurrenceStatus.MISSED, Occurrence.reported_at.is_(None)
        )
    )


class Claimed(Exception):
    """Another process claimed this occurrence first."""


def claim(
    session: Session, community_id: int, due: Due, now: datetime, status: OccurrenceStatus = OccurrenceStatus.POSTED
) -> Occurrence:
    occurrence = Occurrence(
        community_id=community_id,
        schedule_key=due.key,
        due_at=due.at,
        kind=due.kind,
        circle_id=due.circle_id,
        meeting_id=due.meeting_id,
        status=status,
        claimed_at=now,
        posts=0,
    )
    try:
        with session.begin_nested():
            session.add(occurrence)
            session.flush()
    except IntegrityError as error:
        raise Claimed(due.occurrence_key) from error
    return occurrence
