"""A round of personal digests or nudges: every member's message built at once while reading, then
written BATCH members per transaction.

The round is claimed first (its Occurrence row, status "posting"), so that a second process skips
it; the last batch gives it its status (posted, late or empty). Each member's outbox rows have
their own unique key: a round interrupted half-way is finished by a later run — at once when it
failed in this process, after STALE when its process stopped — without writing to anyone twice.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.config import Config
from bot.config.schedules import ScheduleSettings
from bot.db import Store, store_of
from bot.kinds import OccurrenceKind, OccurrenceStatus
from bot.models import Community, Identity, Member, MemberPreference, Occurrence, OutboxMessage
from bot.outbox import LIVE_PLATFORMS, enqueue, one_platform, platform_of
from bot.posts.digest import build_digests
from bot.posts.nudges import build_nudges, nudge_candidates
from bot.presentation import Localiser, late_note
from bot.reply import Post
from bot.services.membership import belonging_members
from bot.services.preferences import digest_subscribers, nudges_off
from bot.spelling import spellings_of
from schedules.occurrences import Claimed, Due, Outcome, claim, posted_status

log = logging.getLogger(__name__)
BATCH = 50  # members written per transaction
STALE = timedelta(minutes=10)  # a round still "posting" this long after its claim: its process stopped
KINDS = (OccurrenceKind.DIGEST, OccurrenceKind.NUDGES)
CLAIM_WATCH = "schedules.claim_watch"  # Store.extensions: told each round's id before its claim commits (round_child)


@dataclass(frozen=True)
class Resumed:
    """A round of digests or nudges claimed and not finished: which row, and its claim time when seen."""

    occurrence_id: int
    claimed_at: datetime


def run_direct(
    store: Store, community_id: int, due: Due, config: Config, now: datetime, resumed: Resumed | None
) -> Outcome:
    """Digests or nudges: claimed (or an interrupted round taken over), built for every member while
    reading, written BATCH members per transaction (the last one sets the occurrence's status)."""
    late = now - due.at > config.schedules.late_after
    with store.unit_of_work() as session:
        occurrence_id = claim(session, community_id, due, now, OccurrenceStatus.POSTING).id if resumed is None else None
        if resumed is not None:
            occurrence_id = _take_over(session, due, resumed, now)
        assert occurrence_id is not None
        watch = store.extensions.get(CLAIM_WATCH)
        if watch is not None:  # the round's own process tells relais run, which releases it if this process dies
            watch(occurrence_id)
    written = 0
    try:
        with store.unit_of_work(reading=True) as session:
            community = session.get_one(Community, community_id)
            posts = direct_posts(session, community, due, Localiser.of(community, now), config.schedules, late)
            done = _already_written(session, due) if resumed is not None else set()
        status = posted_status(len(posts), late)
        batches = [posts[start : start + BATCH] for start in range(0, len(posts), BATCH)] or [[]]
        for index, batch in enumerate(batches):
            with store.unit_of_work() as session:
                for post, key, platforms in batch:
                    if key in done:  # written to already, maybe on another platform (their choice changed since)
                        continue
                    for platform in platforms:
                        destination = f"{key}@{platform}:member:{post.member_id}"  # as enqueue_post names it
                        enqueue(
                            session,
                            now,
                            post.text,
                            member_id=post.member_id,
                            platform=platform,
                            notify=True,
                            occurrence_key=destination,
                            commitments=post.commitments,
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
            Occurrence.status == OccurrenceStatus.POSTING,
            Occurrence.claimed_at == resumed.claimed_at,
        )
        .values(claimed_at=now)
    )
    if not getattr(taken, "rowcount", 0):
        raise Claimed(due.occurrence_key)
    return resumed.occurrence_id


def give_up(store: Store, due: Due, resumed: Resumed, now: datetime) -> Outcome:
    """An interrupted round found past its grace window (Relais was down longer): recorded missed, and
    reported as missed posts are; the members written to keep theirs, the others get nothing built days ago."""
    with store.unit_of_work() as session:
        _take_over(session, due, resumed, now)
        occurrence = session.get_one(Occurrence, resumed.occurrence_id)
        occurrence.status, occurrence.posts = OccurrenceStatus.MISSED, len(_already_written(session, due))
    log.warning("the round %s, interrupted, is past its grace window: recorded missed", due.occurrence_key)
    return Outcome(due.key, due.at, due.kind, OccurrenceStatus.MISSED)


def _interrupted(store: Store, occurrence_id: int, due: Due, now: datetime, started: bool) -> None:
    """A round that failed in this process: with nothing written the claim is withdrawn (the next run
    starts it again); half written, its claim is dated back by STALE (the next run finishes it)."""
    try:
        with store.unit_of_work() as session:
            occurrence = session.get(Occurrence, occurrence_id)
            if occurrence is None or occurrence.status != OccurrenceStatus.POSTING:
                return
            if started:
                occurrence.claimed_at = now - STALE
            else:
                session.delete(occurrence)
    except Exception:  # the database is away: a later run finds the round after STALE
        log.exception("could not release the interrupted round %s", due.occurrence_key)


def release_claims(store: Store, ids: Collection[int], claimed_at: datetime) -> int:
    """The rounds `ids`, claimed at `claimed_at` by a process that died without finishing them (the
    round's own process, killed: relais.round_process) and still its: dated back by STALE, so that the
    next run finishes them (interrupted_rounds), writing to nobody twice. Returns how many."""
    if not ids:
        return 0
    with store.unit_of_work() as session:
        released = session.execute(
            update(Occurrence)
            .where(
                Occurrence.id.in_(sorted(ids)),
                Occurrence.status == OccurrenceStatus.POSTING,
                Occurrence.claimed_at == claimed_at,
            )
            .values(claimed_at=claimed_at - STALE)
        )
        return int(getattr(released, "rowcount", 0) or 0)


def _already_written(session: Session, due: Due) -> set[str]:
    """The members an interrupted round wrote to, by their key (`<occurrence>/member:<id>`), whatever
    platform it wrote to: a member whose chosen or last platform changed since gets nothing twice."""
    prefix = f"{due.occurrence_key}/member:"
    statement = select(OutboxMessage.occurrence_key).where(
        OutboxMessage.occurrence_key.startswith(prefix, autoescape=True)
    )
    return {prefix + key.removeprefix(prefix).partition("@")[0] for key in session.scalars(statement) if key}


def interrupted_rounds(
    session: Session, community: Community, settings: ScheduleSettings, now: datetime
) -> list[tuple[Due, Resumed]]:
    """Rounds of digests or nudges claimed at least STALE ago and not finished (their process stopped)."""
    grace = {OccurrenceKind.DIGEST: settings.digest_grace, OccurrenceKind.NUDGES: settings.nudge_grace}
    rows = session.scalars(
        select(Occurrence)
        .where(
            Occurrence.community_id == community.id,
            Occurrence.status == OccurrenceStatus.POSTING,
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


def direct_posts(
    session: Session, community: Community, due: Due, loc: Localiser, settings: ScheduleSettings, late: bool
) -> list[tuple[Post, str, list[str]]]:
    """Personal digests or nudges, every member's at once: one message per member who can receive
    one (on a live platform), with its occurrence key and the member's platforms."""
    if due.kind == OccurrenceKind.DIGEST:
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
    store = store_of(session)
    spellings = spellings_of(store.extensions) if store is not None else None  # commands as typed where it goes
    commands = {member.id: spellings.on(platforms[member.id][0]) for member in members} if spellings else None
    posts: list[tuple[Member, str, tuple[int, ...]]] = []
    if due.kind == OccurrenceKind.DIGEST:
        drafts = build_digests(session, community, members, loc, commands)
        for member in members:
            draft = drafts[member.id]
            if draft is not None:
                note = late_note(loc.for_member(member), due.at) if late else None
                posts.append((member, draft.text(late=note), draft.commitments))
    else:
        listed: dict[int, tuple[int, ...]] = {}
        texts = build_nudges(session, community, members, loc, settings, due.at, listed, commands)
        for member in members:
            text = texts[member.id]
            if text:
                text = late_note(loc.for_member(member), due.at) + "\n" + text if late else text
                posts.append((member, text, listed.get(member.id, ())))
    return [
        (
            Post(text, "direct", member_id=member.id, notify=True, commitments=numbers),
            f"{due.occurrence_key}/member:{member.id}",
            platforms[member.id],
        )
        for member, text, numbers in posts
    ]


def _platforms(session: Session, member_ids: list[int]) -> dict[int, list[str]]:
    """Where each member's personal message goes: reach_on for many members at once."""
    found: dict[int, set[str]] = {}
    for start in range(0, len(member_ids), 1000):
        chunk = member_ids[start : start + 1000]
        for member_id, identity in session.execute(
            select(Identity.member_id, Identity.identity).where(Identity.member_id.in_(chunk))
        ):
            platform = platform_of(identity)
            if platform in LIVE_PLATFORMS:
                found.setdefault(member_id, set()).add(platform)
    several = [member_id for member_id, platforms in found.items() if len(platforms) > 1]
    choices = {
        member_id: (chosen, last)
        for member_id, chosen, last in session.execute(
            select(Member.id, MemberPreference.via, Member.last_platform)
            .outerjoin(MemberPreference, MemberPreference.member_id == Member.id)
            .where(Member.id.in_(several))
        )
    }
    return {  # a member with accounts on several platforms is written to on one (bot.outbox.reach_on)
        member_id: one_platform(sorted(platforms), *choices.get(member_id, (None, None)))
        for member_id, platforms in found.items()
    }
