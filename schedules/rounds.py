"""A round: run_due, the deterministic heart of the scheduler. APScheduler only decides when to call it.

For every occurrence due up to `now` and not yet claimed, in one transaction each:
claim it (insert its Occurrence row: the unique (schedule key, due time) makes a second process
fail here and skip it), build the post, write the item and the outbox rows (their occurrence_key
is unique too), and commit — all of it, or none of it.

An occurrence later than its grace window is recorded as missed (listed in the next recap of its
circle, or of the default circle for digests and nudges); one posted more than `late_after`
after its time says so; while its schedule is paused it is recorded as paused.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.config import Config
from bot.config.schedules import ScheduleSettings
from bot.db import Store
from bot.models import Circle, Community, Item, Meeting, Member, Occurrence
from bot.outbox import enqueue_post, member_platforms
from bot.posts.agenda import build_agenda, reminder_post
from bot.posts.digest import build_digest
from bot.posts.draft import post_draft
from bot.posts.nudges import build_nudge, nudge_candidates
from bot.posts.recap import build_recap
from bot.presentation import Localiser, late_note
from bot.reply import Post
from bot.services.community import find_circle, find_community
from bot.services.membership import belonging_members
from bot.services.preferences import digest_subscribers, nudges_off
from schedules.occurrences import Due, due_occurrences, sync_schedules

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """What happened to one occurrence: posted, late, missed, paused or empty."""

    key: str
    due_at: datetime
    kind: str
    status: str
    posts: tuple[Post, ...] = ()
    item_number: int | None = None
    outbox: int = 0  # outbox rows written (consoles have none)

    @property
    def occurrence_key(self) -> str:
        return Due(self.key, self.due_at, self.kind, timedelta()).occurrence_key


class _Claimed(Exception):
    """Another process claimed this occurrence first."""


def community_of(session: Session, config: Config) -> Community | None:
    return find_community(session, config.community_name)


def run_due(target: object, config: Config, now: datetime) -> list[Outcome]:
    """Post (or record) every occurrence due up to `now`; returns what was done, oldest first.

    `target` is the App or its Store. Safe to call often, from several processes at once.
    """
    store: Store = getattr(target, "store", target)  # type: ignore[assignment]
    dues = _prepare(store, config, now)
    outcomes = []
    for community_id, due in dues:
        try:
            with store.unit_of_work() as session:
                outcomes.append(_run_one(session, community_id, due, config, now))
        except _Claimed:
            log.info("occurrence %s already claimed by another process", due.occurrence_key)
        except IntegrityError:
            log.info("occurrence %s claimed concurrently", due.occurrence_key)
        except Exception:  # one broken builder must not stop the others; retried at the next run
            log.exception("scheduled occurrence %s failed", due.occurrence_key)
    return outcomes


def _prepare(store: Store, config: Config, now: datetime) -> list[tuple[int, Due]]:
    settings = config.schedules
    for attempt in (1, 2):
        try:
            with store.unit_of_work() as session:
                community = community_of(session, config)
                if community is None:
                    return []
                rows = sync_schedules(session, community, settings, now)
                return [(community.id, due) for due in due_occurrences(session, community, rows, settings, now)]
        except IntegrityError:  # a schedule row inserted by another process at the same moment
            if attempt == 2:
                raise
    return []


def _claim(session: Session, community_id: int, due: Due, now: datetime) -> Occurrence:
    occurrence = Occurrence(
        community_id=community_id,
        schedule_key=due.key,
        due_at=due.at,
        kind=due.kind,
        circle_id=due.circle_id,
        meeting_id=due.meeting_id,
        status="posted",
        claimed_at=now,
        posts=0,
    )
    try:
        with session.begin_nested():
            session.add(occurrence)
            session.flush()
    except IntegrityError as error:
        raise _Claimed(due.occurrence_key) from error
    return occurrence


def _run_one(session: Session, community_id: int, due: Due, config: Config, now: datetime) -> Outcome:
    occurrence = _claim(session, community_id, due, now)
    community = session.get_one(Community, community_id)
    if due.paused:
        occurrence.status = "paused"
    elif due.expired(now):
        occurrence.status = "missed"
    else:
        late = now - due.at > config.schedules.late_after
        posts, item_number, rows = _post(session, community, due, occurrence, config, now, late)
        occurrence.posts = len(posts)
        occurrence.status = ("late" if late else "posted") if posts else "empty"
        return Outcome(due.key, due.at, due.kind, occurrence.status, tuple(posts), item_number, rows)
    return Outcome(due.key, due.at, due.kind, occurrence.status)


def recap_since(config: Config, circle: Circle, due_at: datetime) -> datetime:
    """A recap covers the time since the circle's previous recap (a week for "mon 09:00")."""
    rule = config.schedules.recap_rule(circle.name)
    if rule is None:
        return due_at - timedelta(days=7)
    return rule.previous(due_at - timedelta(microseconds=1), ZoneInfo(config.timezone))


def _post(
    session: Session,
    community: Community,
    due: Due,
    occurrence: Occurrence,
    config: Config,
    now: datetime,
    late: bool,
) -> tuple[list[Post], int | None, int]:
    """Have the occurrence's posts built, and write them to the outbox under its key."""
    loc = Localiser.of(community, now)
    item: Item | None = None
    if due.kind in ("recap", "agenda"):
        item, post = _circle_item(session, community, due, config, loc, late)
        occurrence.item_id = item.id
        posts = [(post, due.occurrence_key)]
    elif due.kind == "reminder":
        post = reminder_post(session, session.get_one(Meeting, due.meeting_id), loc)
        if late:
            post = Post(late_note(loc, due.at) + "\n" + post.text, post.target, post.circle_id, notify=True)
        posts = [(post, due.occurrence_key)]
    else:
        posts = _direct(session, community, due, loc, config.schedules, late)
    rows = sum(len(enqueue_post(session, post, now, occurrence_key=key)) for post, key in posts)
    return [post for post, _ in posts], item.number if item else None, rows


def _circle_item(
    session: Session, community: Community, due: Due, config: Config, loc: Localiser, late: bool
) -> tuple[Item, Post]:
    """A recap or an agenda: an item of its circle, to read, and its post."""
    if due.kind == "recap":
        circle = session.get_one(Circle, due.circle_id)
        missed = missed_for(session, community, circle, config)
        since = recap_since(config, circle, due.at)
        draft = build_recap(session, community, circle, loc, config.schedules, since, missed, until=due.at)
        for row in missed:
            row.reported_at = loc.now
    else:
        meeting = session.get_one(Meeting, due.meeting_id)
        circle = meeting.item.circle
        draft = build_agenda(session, community, meeting, loc, config.schedules)
    item, text = post_draft(session, community, circle, draft, loc, due.kind, late, due.at)
    return item, Post(text, "circle", circle.id, item_id=item.id, notify=True)


def _direct(
    session: Session, community: Community, due: Due, loc: Localiser, settings: ScheduleSettings, late: bool
) -> list[tuple[Post, str]]:
    """Personal digests or nudges: one message per member who can receive one (live platform)."""
    posts = []
    if due.kind == "digest":
        members = digest_subscribers(session, community.id)
    else:
        wanted = nudge_candidates(session, community.id, settings, due.at) - nudges_off(session, community.id)
        members = list(
            session.scalars(select(Member).where(Member.id.in_(wanted), Member.muted.is_(False)).order_by(Member.id))
        )
    belonging = belonging_members(session, community.id)
    for member in members:
        if member.id not in belonging:
            continue  # left every circle: no longer written to
        if not member_platforms(session, member.id):
            continue  # console-only members read with /digest and /unread
        own = loc.for_member(member)
        if due.kind == "digest":
            draft = build_digest(session, member, own)
            text = draft.text(late=late_note(own, due.at) if late else None) if draft else None
        else:
            text = build_nudge(session, member, own, settings, due.at)
            if text and late:
                text = late_note(own, due.at) + "\n" + text
        if text:
            posts.append(
                (Post(text, "direct", member_id=member.id, notify=True), f"{due.occurrence_key}/member:{member.id}")
            )
    return posts


def missed_for(session: Session, community: Community, circle: Circle, config: Config) -> list[Occurrence]:
    """Missed occurrences not yet reported: the circle's own, and on the default circle the others."""
    condition = Occurrence.circle_id == circle.id
    default = find_circle(session, community, config.default_circle)
    if default is not None and default.id == circle.id:
        condition = or_(condition, Occurrence.circle_id.is_(None))
    return list(
        session.scalars(
            select(Occurrence)
            .where(
                Occurrence.community_id == community.id,
                Occurrence.status == "missed",
                Occurrence.reported_at.is_(None),
                condition,
            )
            .order_by(Occurrence.due_at, Occurrence.id)
        )
    )
