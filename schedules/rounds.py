"""A round: run_due, the deterministic heart of the scheduler. APScheduler only decides when to call it.

For every occurrence due up to `now` and not yet claimed:
* a recap or an agenda is built in a reading transaction (on SQLite it takes no write lock), then
  in one short transaction claimed (its Occurrence row: the unique (schedule key, due time) makes a
  second process fail here and skip it), its item and outbox rows written, committed — all of it,
  or none of it;
* the digests or the nudges of a round are claimed first, built for every member at once in a
  reading transaction, then written a few members per transaction (schedules/direct.py): a chat
  command waits for one batch at most, never for the round;
* a reminder, or an occurrence paused or missed, in one short transaction.

An occurrence later than its grace window is recorded as missed (listed in the next recap of its
circle, or of the default circle for digests and nudges); one posted more than `late_after`
after its time says so; while its schedule is paused it is recorded as paused.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.config import Config
from bot.db import Store, store_of
from bot.kinds import ItemKind, OccurrenceKind, OccurrenceStatus
from bot.models import Circle, Community, Item, Meeting, Occurrence
from bot.outbox import enqueue_post
from bot.outbox_pictures import with_picture
from bot.posts import queries
from bot.posts.agenda import build_agenda, reminder_post
from bot.posts.draft import Draft, post_draft
from bot.posts.queries import Shown
from bot.posts.recap import LINES as RECAP_LINES
from bot.posts.recap import build_recap, dashboard_page
from bot.presentation import Localiser, late_note
from bot.reply import Post
from bot.services import secrets
from bot.services.community import find_circle, find_community
from bot.spelling import for_circles
from schedules.direct import KINDS, Resumed, direct_posts, give_up, interrupted_rounds, run_direct
from schedules.occurrences import (
    Claimed,
    Due,
    Outcome,
    claim,
    due_occurrences,
    forget_missed,
    missed_ahead,
    posted_status,
    schedules_in_step,
    sync_schedules,
)

_Claimed = Claimed  # the name the concurrency tests know
__all__ = [
    "Outcome",
    "Pending",
    "community_of",
    "is_heavy",
    "missed_for",
    "prepare",
    "recap_since",
    "run_due",
]

log = logging.getLogger(__name__)
CIRCLE_ITEMS = (OccurrenceKind.RECAP, OccurrenceKind.AGENDA)  # posted in a circle as an item to read
HEAVY = (OccurrenceKind.RECAP, *KINDS)  # every circle's recap, every member's digest or nudge: seconds of work


def community_of(session: Session, config: Config) -> Community | None:
    return find_community(session, config.community_name)


Pending = list[tuple[int, Due, Resumed | None]]  # what prepare found: (community id, due, interrupted round)


def run_due(target: object, config: Config, now: datetime, pending: Pending | None = None) -> list[Outcome]:
    """Post (or record) every occurrence due up to `now`; returns what was done, oldest first.

    `target` is the App or its Store. Safe to call often, from several processes at once. `pending`:
    what prepare(…, now) found just before (the scheduler's, when it decided the round is not heavy).
    """
    store: Store = getattr(target, "store", target)  # type: ignore[assignment]
    outcomes: list[Outcome] = []
    built: dict[str, tuple[int, Draft, list[int]]] = {}  # recaps of the same time, built together
    pending = _prepare_all(store, config, now) if pending is None else pending
    for index, (community_id, due, resumed) in enumerate(pending):
        try:
            live = not due.paused and not due.expired(now)
            if resumed is not None and due.expired(now):
                outcomes.append(give_up(store, due, resumed, now))
            elif resumed is not None or (due.kind in KINDS and live):
                outcomes.append(run_direct(store, community_id, due, config, now, resumed))
            elif due.kind in CIRCLE_ITEMS and live:
                if due.kind == OccurrenceKind.RECAP and due.occurrence_key not in built:
                    built.update(_build_recaps(store, community_id, _same_time(pending[index:], now), config, now))
                outcomes.append(_run_circle_item(store, community_id, due, config, now, built.get(due.occurrence_key)))
            else:
                with store.unit_of_work() as session:
                    outcomes.append(_run_one(session, community_id, due, config, now))
        except Claimed:
            log.info("occurrence %s already claimed by another process", due.occurrence_key)
        except IntegrityError:
            log.info("occurrence %s claimed concurrently", due.occurrence_key)
        except Exception:  # one broken builder must not stop the others; retried at the next run
            log.exception("scheduled occurrence %s failed", due.occurrence_key)
    try:
        secrets.blank_expired(store, now)  # sign-in links and /link codes left to expire leave the outbox
    except Exception:
        log.exception("blanking expired secrets in the outbox failed")
    return outcomes


def prepare(store: Store, config: Config, now: datetime) -> Pending:
    """Interrupted rounds to finish first, then the occurrences due now and not claimed yet (run_due's first step)."""
    return _prepare_all(store, config, now)


def is_heavy(pending: Pending, now: datetime) -> bool:
    """Whether run_due has a heavy round to do (recaps, digests or nudges due, or a round to finish within
    its grace window): what is worth a process of its own (relais.round_process). Most runs (the resync,
    every minute) find nothing of the kind; an interrupted round past its grace window is only recorded
    missed (give_up), in a moment. A recap whose builder keeps failing is tried again at every run (a
    process each time, once a minute) until it is built or its grace window is over."""
    return any(
        not due.expired(now) and (resumed is not None or (due.kind in HEAVY and not due.paused))
        for _, due, resumed in pending
    )


def _same_time(pending: list[tuple[int, Due, Resumed | None]], now: datetime) -> list[Due]:
    """The recaps due at the same time as the first one (every circle's, on Monday at 09:00)."""
    first = pending[0][1]
    return [
        due
        for _, due, resumed in pending
        if resumed is None and due.kind == first.kind and due.at == first.at and not due.paused and not due.expired(now)
    ]


def _build_recaps(
    store: Store, community_id: int, dues: list[Due], config: Config, now: datetime
) -> dict[str, tuple[int, Draft, list[int]]]:
    """The drafts of recaps due at the same time, built in one reading transaction: what every
    circle has overdue is read once for all of them. A recap that fails here is built again alone."""
    drafts = {}
    with store.unit_of_work(reading=True) as session:
        community = session.get_one(Community, community_id)
        loc = Localiser.of(community, now, commands=for_circles(store))
        overdue = queries.overdue_by_circle(session, community_id, dues[0].at, loc.tz, RECAP_LINES)
        for due in dues:
            try:
                drafts[due.occurrence_key] = _circle_draft(session, community, due, config, loc, overdue)
            except Exception:
                log.exception("recap %s could not be built with the others", due.occurrence_key)
                break
    return drafts


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
                ahead = missed_ahead(session, community.id, now)
                if (rows is None or ahead) and attempt == 1:
                    continue  # something to write: in a writing transaction
                if ahead:
                    log.warning("the clock went back: %d occurrence(s) recorded missed ahead of time", len(ahead))
                    forget_missed(session, ahead)
                if rows is None:
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


def _run_one(session: Session, community_id: int, due: Due, config: Config, now: datetime) -> Outcome:
    """Claim the occurrence and do all of its work in this one transaction."""
    occurrence = claim(session, community_id, due, now)
    community = session.get_one(Community, community_id)
    if due.paused:
        occurrence.status = OccurrenceStatus.PAUSED
    elif due.expired(now):
        occurrence.status = OccurrenceStatus.MISSED
    else:
        late = now - due.at > config.schedules.late_after
        posts, item_number, rows = _post(session, community, due, occurrence, config, now, late)
        occurrence.posts = len(posts)
        occurrence.status = posted_status(len(posts), late)
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
    loc = Localiser.of(community, now, commands=for_circles(store_of(session)))
    item: Item | None = None
    if due.kind in CIRCLE_ITEMS:
        circle_id, draft, missed = _circle_draft(session, community, due, config, loc)
        item, post = _circle_item(session, community, circle_id, draft, missed, due, loc, late)
        occurrence.item_id = item.id
        posts = [(post, due.occurrence_key)]
    elif due.kind == OccurrenceKind.REMINDER:
        post = reminder_post(session, session.get_one(Meeting, due.meeting_id), loc)
        if late:
            post = Post(late_note(loc, due.at) + "\n" + post.text, post.target, post.circle_id, notify=True)
        posts = [(post, due.occurrence_key)]
    else:
        posts = [(post, key) for post, key, _ in direct_posts(session, community, due, loc, config.schedules, late)]
    rows = sum(
        len(with_picture(session, post, enqueue_post(session, post, now, occurrence_key=key), now))
        for post, key in posts
    )
    return [post for post, _ in posts], item.number if item else None, rows


def _circle_draft(
    session: Session,
    community: Community,
    due: Due,
    config: Config,
    loc: Localiser,
    overdue: dict[int, tuple[list[Shown], int]] | None = None,
) -> tuple[int, Draft, list[int]]:
    """A recap or an agenda before it has a number: its circle, its draft, the missed occurrences it
    reports (`overdue`: every circle's overdue commitments, when read once for a whole round)."""
    if due.kind == OccurrenceKind.RECAP:
        circle = session.get_one(Circle, due.circle_id)
        missed = missed_for(session, community, circle, config)
        since = recap_since(config, circle, due.at)
        late = overdue.get(circle.id, ([], 0)) if overdue is not None else None
        page = dashboard_page(config, circle)
        draft = build_recap(
            session,
            community,
            circle,
            loc,
            config.schedules,
            since,
            missed,
            until=due.at,
            overdue=late,
            page=page,
            chart=config.schedules.recap_chart,
        )
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
    item, text = post_draft(session, community, circle, draft, loc, ItemKind(due.kind), late, due.at)
    if missed:
        session.execute(update(Occurrence).where(Occurrence.id.in_(missed)).values(reported_at=loc.now))
    return item, Post(text, "circle", circle.id, item_id=item.id, notify=True, image=draft.picture)


def _run_circle_item(
    store: Store,
    community_id: int,
    due: Due,
    config: Config,
    now: datetime,
    built: tuple[int, Draft, list[int]] | None = None,
) -> Outcome:
    """A recap or an agenda: built while reading (unless `built` with the others of its round),
    then claimed and written in one short transaction."""
    late = now - due.at > config.schedules.late_after
    circles = for_circles(store)  # how the circle's post names commands
    if built is None:
        with store.unit_of_work(reading=True) as session:
            community = session.get_one(Community, community_id)
            built = _circle_draft(session, community, due, config, Localiser.of(community, now, commands=circles))
    circle_id, draft, missed = built
    with store.unit_of_work() as session:
        occurrence = claim(session, community_id, due, now)
        community = session.get_one(Community, community_id)
        loc = Localiser.of(community, now, commands=circles)
        item, post = _circle_item(session, community, circle_id, draft, missed, due, loc, late)
        rows = len(
            with_picture(session, post, enqueue_post(session, post, now, occurrence_key=due.occurrence_key), now)
        )
        occurrence.item_id = item.id
        occurrence.posts = 1
        occurrence.status = OccurrenceStatus.LATE if late else OccurrenceStatus.POSTED
        return Outcome(due.key, due.at, due.kind, occurrence.status, (post,), item.number, rows)


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
                Occurrence.status == OccurrenceStatus.MISSED,
                Occurrence.reported_at.is_(None),
                condition,
            )
            .order_by(Occurrence.due_at, Occurrence.id)
        )
    )
