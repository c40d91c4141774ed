"""A round: run_due, the deterministic heart of the scheduler. APScheduler only decides when to call it.

For every occurrence due up to `now` and not yet claimed:
* a recap or an agenda is built in a reading transaction (on SQLite it takes no write lock), then
  in one short transaction claimed (its Occurrence row: the unique (schedule key, due time) makes a
  second process fail here and skip it), its item and outbox rows written, committed — all of it,
  or none of it;
* the digests or the nudges of a round are claimed first (status "posting"), built for every
  member at once in a reading transaction, then written BATCH members per transaction, the last
  one giving the occurrence its status: a chat command waits for one batch at most, never for the
  round. Each member's outbox rows have their own unique key, so a round interrupted half-way is
  finished by a later run (at once if it failed in this process, after STALE if the process
  stopped) without writing to anyone twice;
* a reminder, or an occurrence paused or missed, in one short transaction.

An occurrence later than its grace window is recorded as missed (listed in the next recap of its
circle, or of the default circle for digests and nudges); one posted more than `late_after`
after its time says so; while its schedule is paused it is recorded as paused.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.config import Config
from bot.config.schedules import ScheduleSettings
from bot.db import Store
from bot.models import Circle, Community, Identity, Item, Meeting, Member, Occurrence, OutboxMessage
from bot.outbox import LIVE_PLATFORMS, enqueue, enqueue_post, platform_of
from bot.posts.agenda import build_agenda, reminder_post
from bot.posts.digest import build_digests
from bot.posts.draft import Draft, post_draft
from bot.posts.nudges import build_nudges, nudge_candidates
from bot.posts.recap import build_recap
from bot.presentation import Localiser, late_note
from bot.reply import Post
from bot.services.community import find_circle, find_community
from bot.services.membership import belonging_members
from bot.services.preferences import digest_subscribers, nudges_off
from schedules.occurrences import Due, due_occurrences, schedules_in_step, sync_schedules

log = logging.getLogger(__name__)
BATCH = 50  # members written per transaction in a round of digests or nudges
STALE = timedelta(minutes=10)  # a round still "posting" this long after its claim: its process stopped
DIRECT = ("digest", "nudges")


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


@dataclass(frozen=True)
class Resumed:
    """A round of digests or nudges claimed and not finished: which row, and its claim time when seen."""

    occurrence_id: int
    claimed_at: datetime


class _Claimed(Exception):
    """Another process claimed this occurrence first."""


def community_of(session: Session, config: Config) -> Community | None:
    return find_community(session, config.community_name)


def run_due(target: object, config: Config, now: datetime) -> list[Outcome]:
    """Post (or record) every occurrence due up to `now`; returns what was done, oldest first.

    `target` is the App or its Store. Safe to call often, from several processes at once.
    """
    store: Store = getattr(target, "store", target)  # type: ignore[assignment]
    outcomes = []
    for community_id, due, resumed in _prepare_all(store, config, now):
        try:
            if resumed is not None or (due.kind in DIRECT and not due.paused and not due.expired(now)):
                outcomes.append(_run_direct(store, community_id, due, config, now, resumed))
            elif due.kind in ("recap", "agenda") and not due.paused and not due.expired(now):
                outcomes.append(_run_circle_item(store, community_id, due, config, now))
            else:
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
    """The occurrences due now and not claimed yet, per community."""
    return [(community_id, due) for community_id, due, resumed in _prepare_all(store, config, now) if resumed is None]


def _prepare_all(store: Store, config: Config, now: datetime) -> list[tuple[int, Due, Resumed | None]]:
    """Interrupted rounds to finish first, then the occurrences due now and not claimed yet."""
    settings = config.schedules
    for attempt in (1, 2, 3):
        try:
            # most runs find the schedule rows as the config says: they only read
            with store.unit_of_work(reading=attempt == 1) as session:
                community = community_of(session, config)
                if community is None:
                    return []
                rows = schedules_in_step(session, community, settings)
                if rows is None:
                    if attempt == 1:
                        continue
                    rows = sync_schedules(session, community, settings, now)
                dues = due_occurrences(session, community, rows, settings, now)
                resumed = interrupted_rounds(session, community, settings, now)
                return [(community.id, due, seen) for due, seen in resumed] + [
                    (community.id, due, None) for due in dues
                ]
        except IntegrityError:  # a schedule row inserted by another process at the same moment
            if attempt == 3:
                raise
    return []


def _claim(session: Session, community_id: int, due: Due, now: datetime, status: str = "posted") -> Occurrence:
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
        raise _Claimed(due.occurrence_key) from error
    return occurrence


def _run_one(session: Session, community_id: int, due: Due, config: Config, now: datetime) -> Outcome:
    """Claim the occurrence and do all of its work in this one transaction."""
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
    """Have the occurrence's posts built, and write them to the outbox under its key (in this transaction)."""
    loc = Localiser.of(community, now)
    item: Item | None = None
    if due.kind in ("recap", "agenda"):
        circle_id, draft, missed = _circle_draft(session, community, due, config, loc)
        item, post = _circle_item(session, community, circle_id, draft, missed, due, loc, late)
        occurrence.item_id = item.id
        posts = [(post, due.occurrence_key)]
    elif due.kind == "reminder":
        post = reminder_post(session, session.get_one(Meeting, due.meeting_id), loc)
        if late:
            post = Post(late_note(loc, due.at) + "\n" + post.text, post.target, post.circle_id, notify=True)
        posts = [(post, due.occurrence_key)]
    else:
        posts = [(post, key) for post, key, _ in _direct(session, community, due, loc, config.schedules, late)]
    rows = sum(len(enqueue_post(session, post, now, occurrence_key=key)) for post, key in posts)
    return [post for post, _ in posts], item.number if item else None, rows


def _circle_draft(
    session: Session, community: Community, due: Due, config: Config, loc: Localiser
) -> tuple[int, Draft, list[int]]:
    """A recap or an agenda before it has a number: its circle, its draft, the missed occurrences it reports."""
    if due.kind == "recap":
        circle = session.get_one(Circle, due.circle_id)
        missed = missed_for(session, community, circle, config)
        since = recap_since(config, circle, due.at)
        draft = build_recap(session, community, circle, loc, config.schedules, since, missed, until=due.at)
        return circle.id, draft, [row.id for row in missed]
    meeting = session.get_one(Meeting, due.meeting_id)
    return meeting.item.circle_id, build_agenda(session, community, meeting, loc, config.schedules), []


def _circle_item(
    session: Session,
    community: Community,
    circle_id: int,
    draft: Draft,
    missed: list[int],
    due: Due,
    loc: Localiser,
    late: bool,
) -> tuple[Item, Post]:
    """The draft as an item of its circle, to read, and its post; the missed occurrences it lists are reported."""
    circle = session.get_one(Circle, circle_id)
    item, text = post_draft(session, community, circle, draft, loc, due.kind, late, due.at)
    if missed:
        session.execute(update(Occurrence).where(Occurrence.id.in_(missed)).values(reported_at=loc.now))
    return item, Post(text, "circle", circle.id, item_id=item.id, notify=True)


def _run_circle_item(store: Store, community_id: int, due: Due, config: Config, now: datetime) -> Outcome:
    """A recap or an agenda: built while reading, then claimed and written in one short transaction."""
    late = now - due.at > config.schedules.late_after
    with store.unit_of_work(reading=True) as session:
        community = session.get_one(Community, community_id)
        circle_id, draft, missed = _circle_draft(session, community, due, config, Localiser.of(community, now))
    with store.unit_of_work() as session:
        occurrence = _claim(session, community_id, due, now)
        community = session.get_one(Community, community_id)
        item, post = _circle_item(session, community, circle_id, draft, missed, due, Localiser.of(community, now), late)
        rows = len(enqueue_post(session, post, now, occurrence_key=due.occurrence_key))
        occurrence.item_id = item.id
        occurrence.posts = 1
        occurrence.status = "late" if late else "posted"
        return Outcome(due.key, due.at, due.kind, occurrence.status, (post,), item.number, rows)


def _run_direct(
    store: Store, community_id: int, due: Due, config: Config, now: datetime, resumed: Resumed | None
) -> Outcome:
    """Digests or nudges: claimed (or an interrupted round taken over), built for every member while
    reading, written BATCH members per transaction (the last one sets the occurrence's status)."""
    late = now - due.at > config.schedules.late_after
    with store.unit_of_work() as session:
        occurrence_id = _claim(session, community_id, due, now, "posting").id if resumed is None else None
        if resumed is not None:
            occurrence_id = _take_over(session, due, resumed, now)
    assert occurrence_id is not None
    written = 0
    try:
        with store.unit_of_work(reading=True) as session:
            community = session.get_one(Community, community_id)
            posts = _direct(session, community, due, Localiser.of(community, now), config.schedules, late)
            done = _already_written(session, due) if resumed is not None else set()
        status = ("late" if late else "posted") if posts else "empty"
        batches = [posts[start : start + BATCH] for start in range(0, len(posts), BATCH)] or [[]]
        for index, batch in enumerate(batches):
            with store.unit_of_work() as session:
                for post, key, platforms in batch:
                    for platform in platforms:
                        destination = f"{key}@{platform}:member:{post.member_id}"  # as enqueue_post names it
                        if destination in done:
                            continue
                        enqueue(
                            session,
                            now,
                            post.text,
                            member_id=post.member_id,
                            platform=platform,
                            notify=True,
                            occurrence_key=destination,
                        )
                        written += 1
                if index == len(batches) - 1:
                    occurrence = session.get_one(Occurrence, occurrence_id)
                    occurrence.status, occurrence.posts = status, len(posts)
    except BaseException:
        _interrupted(store, occurrence_id, due, now, bool(written or resumed))
        raise
    return Outcome(due.key, due.at, due.kind, status, tuple(post for post, _, _ in posts), None, written)


def _take_over(session: Session, due: Due, resumed: Resumed, now: datetime) -> int:
    """An interrupted round is ours to finish if nobody took it over since it was seen."""
    taken = session.execute(
        update(Occurrence)
        .where(
            Occurrence.id == resumed.occurrence_id,
            Occurrence.status == "posting",
            Occurrence.claimed_at == resumed.claimed_at,
        )
        .values(claimed_at=now)
    )
    if not getattr(taken, "rowcount", 0):
        raise _Claimed(due.occurrence_key)
    return resumed.occurrence_id


def _interrupted(store: Store, occurrence_id: int, due: Due, now: datetime, started: bool) -> None:
    """A round that failed in this process: with nothing written the claim is withdrawn (the next run
    starts it again); half written, its claim is dated back by STALE (the next run finishes it)."""
    try:
        with store.unit_of_work() as session:
            occurrence = session.get(Occurrence, occurrence_id)
            if occurrence is None or occurrence.status != "posting":
                return
            if started:
                occurrence.claimed_at = now - STALE
            else:
                session.delete(occurrence)
    except Exception:  # the database is away: a later run finds the round after STALE
        log.exception("could not release the interrupted round %s", due.occurrence_key)


def _already_written(session: Session, due: Due) -> set[str]:
    """The outbox keys of the members an interrupted round wrote to."""
    prefix = f"{due.occurrence_key}/member:"
    statement = select(OutboxMessage.occurrence_key).where(
        OutboxMessage.occurrence_key.startswith(prefix, autoescape=True)
    )
    return {key for key in session.scalars(statement) if key}


def interrupted_rounds(
    session: Session, community: Community, settings: ScheduleSettings, now: datetime
) -> list[tuple[Due, Resumed]]:
    """Rounds of digests or nudges claimed at least STALE ago and not finished (their process stopped)."""
    grace = {"digest": settings.digest_grace, "nudges": settings.nudge_grace}
    rows = session.scalars(
        select(Occurrence)
        .where(
            Occurrence.community_id == community.id,
            Occurrence.status == "posting",
            Occurrence.claimed_at <= now - STALE,
        )
        .order_by(Occurrence.due_at, Occurrence.id)
    )
    return [
        (
            Due(row.schedule_key, row.due_at, row.kind, grace.get(row.kind, timedelta()), schedule=row.schedule_key),
            Resumed(row.id, row.claimed_at),
        )
        for row in rows
    ]


def _direct(
    session: Session, community: Community, due: Due, loc: Localiser, settings: ScheduleSettings, late: bool
) -> list[tuple[Post, str, list[str]]]:
    """Personal digests or nudges, every member's at once: one message per member who can receive
    one (on a live platform), with its occurrence key and the member's platforms."""
    if due.kind == "digest":
        members = digest_subscribers(session, community.id)
    else:
        wanted = nudge_candidates(session, community.id, settings, due.at) - nudges_off(session, community.id)
        members = list(
            session.scalars(select(Member).where(Member.id.in_(wanted), Member.muted.is_(False)).order_by(Member.id))
        )
    belonging = belonging_members(session, community.id)
    platforms = _platforms(session, [member.id for member in members if member.id in belonging])
    # someone who left every circle is no longer written to; console-only members read with /digest and /unread
    members = [member for member in members if platforms.get(member.id)]
    posts = []
    if due.kind == "digest":
        drafts = build_digests(session, community, members, loc)
        for member in members:
            draft = drafts[member.id]
            if draft is not None:
                note = late_note(loc.for_member(member), due.at) if late else None
                posts.append((member, draft.text(late=note)))
    else:
        texts = build_nudges(session, community, members, loc, settings, due.at)
        for member in members:
            text = texts[member.id]
            if text:
                posts.append((member, late_note(loc.for_member(member), due.at) + "\n" + text if late else text))
    return [
        (
            Post(text, "direct", member_id=member.id, notify=True),
            f"{due.occurrence_key}/member:{member.id}",
            platforms[member.id],
        )
        for member, text in posts
    ]


def _platforms(session: Session, member_ids: list[int]) -> dict[int, list[str]]:
    """Each member's live platforms, sorted: member_platforms for many members at once."""
    found: dict[int, set[str]] = {}
    for start in range(0, len(member_ids), 1000):
        chunk = member_ids[start : start + 1000]
        for member_id, identity in session.execute(
            select(Identity.member_id, Identity.identity).where(Identity.member_id.in_(chunk))
        ):
            platform = platform_of(identity)
            if platform in LIVE_PLATFORMS:
                found.setdefault(member_id, set()).add(platform)
    return {member_id: sorted(platforms) for member_id, platforms in found.items()}


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
