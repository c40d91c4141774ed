"""Outgoing messages through the outbox: written in the command's transaction, sent after.

A Reply's posts become rows: "reply" goes back to the channel (and thread) it came from, "circle" goes to every
channel of the circle on every platform (one community may span Slack and Matrix; a scheduled post's picture is a
row of its own: bot.outbox_pictures); "direct" to the member's private conversation on one platform (reach_on: the
one they chose, else the one they last used). Console channels are not in the outbox: the console prints replies.

A row written while a delivery loop of this process is ready for its platform (a `Taker`, registered with the
store) is claimed at once — written 'sending', attempt counted, leased as a delivery pass would — and handed to
that loop right after the commit: no query, no second transaction, no wait between a command and its answer.
Any other row waits for a pass; on PostgreSQL the transaction also NOTIFYs `relais_outbox`: another process sends it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import bindparam, func, inspect, select, update
from sqlalchemy.orm import Session

from bot.db import Store, after_commit, store_of
from bot.kinds import OutboxStatus
from bot.listed import listed
from bot.models import CircleChannel, Identity, Member, MemberPreference, MessageRef, OutboxMessage
from bot.outbox_leases import still_mine
from bot.reply import Incoming, Post, Reply
from bot.spelling import typed_there
from bot.wakeups import notify

LIVE_PLATFORMS = ("matrix", "slack")
MAX_ATTEMPTS = 8
WAITING = (OutboxStatus.PENDING, OutboxStatus.SENDING)  # not delivered yet (sending: maybe, by a stopped process)
NOTIFY_CHANNEL = "relais_outbox"  # payload: the platform
TAKERS = "outbox_takers"  # Store.extensions: platform -> the Taker running in this process
HANDED = "relais_outbox_handed"  # session.info: rows claimed for a Taker in this transaction
NOTIFIED = "relais_outbox_notified"  # session.info: platforms announced by NOTIFY in this transaction
WITH_COMMIT = "relais_outbox_with_commit"  # session.info: rows written last (bot.db.insert_new_rows), not at once


class Taker(Protocol):
    """A delivery loop of this process that takes the rows written for its platform as they commit."""

    lease: timedelta

    @property
    def owner(self) -> str:
        """The token its leases carry (bot.outbox_leases)."""
        ...

    def accepting(self) -> bool:
        """Ready to send now (running, its platform reachable)."""
        ...

    def take(self, rows: Sequence[OutboxMessage]) -> None:
        """Called right after the commit, in the committing thread: send these claimed rows."""
        ...

    def poke(self) -> None:
        """Something is waiting for a delivery pass (any thread)."""
        ...


def takers(store: Store) -> dict[str, Taker]:
    """The store's delivery loops by platform (a Deliverer registers itself while it runs)."""
    found = store.extensions.get(TAKERS)
    if found is None:
        found = store.extensions[TAKERS] = {}
    return found  # type: ignore[no-any-return]


def platform_of(address: str | None) -> str:
    return (address or "").split(":", 1)[0]


def new_id(session: Session, now: datetime) -> str:
    """A stable, unique id (32 hex characters) that sorts in creation order. Time first, then the row's rank
    in its transaction, then randomness: two posts written by one command go out in the order they were written."""
    rank = session.info.get("outbox_rank", 0) + 1
    session.info["outbox_rank"] = rank
    micros = int(now.timestamp() * 1_000_000)
    return f"{micros:014x}{rank:04x}{uuid.uuid4().hex[:14]}"


def enqueue(
    session: Session,
    now: datetime,
    text: str,
    *,
    channel: str | None = None,
    member_id: int | None = None,
    platform: str | None = None,
    recipient: str | None = None,
    thread: str | None = None,
    item_id: int | None = None,
    notify: bool = False,
    ephemeral: bool = False,
    occurrence_key: str | None = None,
    replaces: str | None = None,
    not_before: datetime | None = None,
    reply_to: str | None = None,
    image: bytes | None = None,
    commitments: tuple[int, ...] = (),
) -> OutboxMessage:
    """One row to deliver; `replaces` makes it an update of that posted message (bot.copies),
    `not_before` holds it until then (it is not handed over at commit), and `reply_to` names the
    command's platform message it answers (shown as a reply to it where the platform can); with
    `image` (PNG bytes) the row posts that picture, `text` its alternative text (its commands as typed on the
    row's platform: bot.spelling.typed_there); `commitments`: Post.commitments."""
    where = platform or platform_of(channel)
    row = OutboxMessage(
        id=new_id(session, now),
        platform=where,
        channel=channel,
        member_id=member_id,
        recipient=recipient,
        thread=thread,
        text=typed_there(store_of(session), text, where),
        item_id=item_id,
        notify=notify,
        ephemeral=ephemeral,
        occurrence_key=occurrence_key,
        replaces=replaces,
        reply_to=reply_to,
        image=image,
        commitments=listed(commitments),
        status=OutboxStatus.PENDING,
        attempts=0,
        created_at=now,
        not_before=not_before,
    )
    session.add(row)
    _route(session, row, now)
    return row


def _route(session: Session, row: OutboxMessage, now: datetime) -> None:
    """Claim the row for this process' delivery loop, or let other processes know it is waiting."""
    store = store_of(session)
    if store is None:
        return
    taker = takers(store).get(row.platform)
    held = row.not_before is not None and row.not_before > now
    if taker is not None and taker.accepting() and not held:
        row.status, row.attempts, row.not_before = OutboxStatus.SENDING, 1, now + taker.lease
        row.lease_owner = taker.owner
        handed = session.info.setdefault(HANDED, {})
        if taker not in handed:
            handed[taker] = []
            after_commit(session, lambda: _hand_over(taker, handed.pop(taker, [])))
        handed[taker].append(row)
        return
    notified = session.info.setdefault(NOTIFIED, set())
    if row.platform in notified:
        return
    notified.add(row.platform)
    if taker is not None:  # this process delivers it once its platform is back
        after_commit(session, taker.poke)
    if store.dialect == "postgresql":  # delivered (only) when the transaction commits
        notify(session, NOTIFY_CHANNEL, row.platform)


def _hand_over(taker: Taker, rows: list[OutboxMessage]) -> None:
    """After the commit: the rows that were really written (a savepoint may have undone some)."""
    written = [row for row in rows if inspect(row).has_identity]
    if written:
        taker.take(written)


def circle_channels(session: Session, circle_id: int) -> list[str]:
    channels = session.scalars(select(CircleChannel.channel).where(CircleChannel.circle_id == circle_id))
    return [channel for channel in channels if platform_of(channel) in LIVE_PLATFORMS]


def member_platforms(session: Session, member_id: int) -> list[str]:
    identities = session.scalars(select(Identity.identity).where(Identity.member_id == member_id))
    return sorted({platform_of(identity) for identity in identities} & set(LIVE_PLATFORMS))


def reach_on(session: Session, member_id: int) -> list[str]:
    """Where a personal message reaches the member: one platform, even with accounts on several — the
    one they chose (/nudges via), else the one they last typed a command on, else the first."""
    platforms = member_platforms(session, member_id)
    if len(platforms) < 2:
        return platforms
    chosen = session.scalar(select(MemberPreference.via).where(MemberPreference.member_id == member_id))
    last = session.scalar(select(Member.last_platform).where(Member.id == member_id))
    return one_platform(platforms, chosen, last)


def one_platform(platforms: list[str], chosen: str | None, last: str | None) -> list[str]:
    """Of a member's platforms (sorted), the one a personal message goes to (see reach_on)."""
    for wanted in (chosen, last):
        if wanted in platforms:
            return [wanted]
    return platforms[:1]


def enqueue_post(
    session: Session, post: Post, now: datetime, incoming: Incoming | None = None, occurrence_key: str | None = None
) -> list[OutboxMessage]:
    """Rows for one post; occurrence_key (scheduled posts) is suffixed per destination."""
    rows: list[OutboxMessage] = []

    def key(destination: str) -> str | None:
        return f"{occurrence_key}@{destination}" if occurrence_key else None

    if post.target == "reply":
        if incoming is not None and platform_of(incoming.channel) in LIVE_PLATFORMS:
            rows.append(
                enqueue(
                    session,
                    now,
                    post.text,
                    channel=incoming.channel,
                    recipient=incoming.identity,
                    thread=incoming.thread,
                    item_id=post.item_id,
                    notify=post.notify,
                    ephemeral=True,
                    reply_to=incoming.event_id,
                    commitments=post.commitments,
                )
            )
    elif post.target == "circle" and post.circle_id is not None:
        for channel in _circle_destinations(session, post, now):
            thread = incoming.thread if incoming is not None and incoming.channel == channel else None
            rows.append(
                enqueue(
                    session,
                    now,
                    post.text,
                    channel=channel,
                    thread=thread,
                    item_id=post.item_id,
                    notify=post.notify,
                    occurrence_key=key(channel),
                )
            )
    elif post.target == "direct" and post.member_id is not None:
        for platform in reach_on(session, post.member_id):
            rows.append(
                enqueue(
                    session,
                    now,
                    post.text,
                    member_id=post.member_id,
                    platform=platform,
                    item_id=post.item_id,
                    notify=True,
                    occurrence_key=key(f"{platform}:member:{post.member_id}"),
                    commitments=post.commitments,
                )
            )
    for row in rows:
        row.blank_after = post.secret_until
    session.info.get(WITH_COMMIT) or session.flush()  # else written last (bot.db.insert_new_rows)
    return rows


def _circle_destinations(session: Session, post: Post, now: datetime) -> list[str]:
    """The circle's channels; for an edited item's post, those where no copy could be updated."""
    assert post.circle_id is not None
    updated: set[str] = set()
    if post.edit and post.item_id is not None:
        from bot.copies import update_copies  # bot.copies writes its rows with enqueue()

        updated = set(update_copies(session, post.item_id, now, text=post.text))
    return [channel for channel in circle_channels(session, post.circle_id) if channel not in updated]


def enqueue_reply(session: Session, reply: Reply, now: datetime, incoming: Incoming) -> list[OutboxMessage]:
    return [row for post in reply.posts for row in enqueue_post(session, post, now, incoming)]


def due_messages(
    session: Session, platform: str, now: datetime, limit: int = 50, skip: Sequence[str] = ()
) -> Sequence[OutboxMessage]:
    """Due on a platform, oldest first ('sending': resends after a crash); not `skip`, this process' own sends."""
    statement = (
        select(OutboxMessage)
        .where(
            OutboxMessage.platform == platform,
            OutboxMessage.status.in_(WAITING),
            (OutboxMessage.not_before.is_(None)) | (OutboxMessage.not_before <= now),
            OutboxMessage.id.not_in(skip),
        )
        .order_by(OutboxMessage.created_at, OutboxMessage.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update(skip_locked=True)
    return session.scalars(statement).all()


def mark_sending(session: Session, message: OutboxMessage, now: datetime, lease: timedelta, owner: str) -> None:
    """Record the attempt before the network call: a crash after it makes the next send a resend. The row
    is leased to `owner`: no other delivery pass (another bot process) picks it before the lease ends, nor
    releases it at start while its owner lives (bot.outbox_leases)."""
    message.status = OutboxStatus.SENDING
    message.attempts += 1
    message.not_before = now + lease
    message.lease_owner = owner


def mark_sent(
    session: Session,
    message_id: str,
    platform_message_id: str | None,
    now: datetime,
    channel: str | None = None,
    also: Sequence[str] = (),
) -> None:
    """The row went out as `platform_message_id` (and, for a post in several parts, `also`).

    Every part of an item's post maps back to the item: a ✅ on any of them counts.
    """
    message = session.get_one(OutboxMessage, message_id)
    message.status = OutboxStatus.SENT
    message.sent_at = now
    message.image = None  # a posted picture's bytes are not kept
    message.message_id = platform_message_id
    _refer(session, message.item_id, channel or message.channel, platform_message_id, now, also)


# Core, compiled once: no ORM bookkeeping for rows no session holds (a third of a millisecond each)
DELIVERED = (
    update(OutboxMessage.__table__)
    .where(OutboxMessage.__table__.c.id == bindparam("row"))
    .values(status=OutboxStatus.SENT, sent_at=bindparam("at"), message_id=bindparam("ref"), image=None)
)
Delivered = tuple[str, int | None, str | None, str | None, Sequence[str]]  # row id, item, channel, message id, also


def mark_delivered(session: Session, sent: Sequence[Delivered], now: datetime) -> None:
    """mark_sent for a delivery loop that already knows each row's item and channel: one UPDATE for
    them all, and the message refs of an item's post. A posted picture's bytes are not kept."""
    if sent:
        session.connection().execute(DELIVERED, [{"row": row, "at": now, "ref": ref} for row, _, _, ref, _ in sent])
    for _row, item_id, channel, ref, also in sent:
        _refer(session, item_id, channel, ref, now, also)


def _refer(
    session: Session,
    item_id: int | None,
    channel: str | None,
    platform_message_id: str | None,
    now: datetime,
    also: Sequence[str],
) -> None:
    """An item's post and its other parts stand for the item (message refs)."""
    if item_id is None or not channel:
        return
    for part in dict.fromkeys([*also, *([platform_message_id] if platform_message_id else [])]):
        found = session.scalar(
            select(MessageRef.id).where(MessageRef.channel == channel, MessageRef.message_id == part)
        )
        if found is None:
            session.add(MessageRef(item_id=item_id, channel=channel, message_id=part, posted_at=now))


def waiting(session: Session, platform: str, now: datetime) -> tuple[bool, datetime | None]:
    """(something is due now, the earliest later attempt) for a platform: one query, no lock taken."""
    due = (OutboxMessage.not_before.is_(None)) | (OutboxMessage.not_before <= now)
    row = session.execute(
        select(func.count().filter(due), func.min(OutboxMessage.not_before).filter(~due)).where(
            OutboxMessage.platform == platform, OutboxMessage.status.in_(WAITING)
        )
    ).one()
    return bool(row[0]), row[1]


def mark_held(session: Session, message_id: str, error: str, now: datetime, retry_in: timedelta, owner: str) -> None:
    """Not sent, through no fault of the message (its Slack workspace uninstalled Relais): it waits
    `retry_in` and its attempt is not counted, so it waits as long as it takes, never given up."""
    message = session.get_one(OutboxMessage, message_id, with_for_update=True)
    if not still_mine(message, owner):
        return
    message.last_error = error[:2000]
    message.status = OutboxStatus.PENDING
    message.attempts = max(message.attempts - 1, 0)
    message.not_before = now + retry_in


def mark_failed(
    session: Session, message_id: str, error: str, now: datetime, retry_in: timedelta | None, owner: str
) -> None:
    """A failed attempt of `owner`: retried after `retry_in`, or given up (status failed) after MAX_ATTEMPTS."""
    message = session.get_one(OutboxMessage, message_id, with_for_update=True)
    if not still_mine(message, owner):
        return
    message.last_error = error[:2000]
    if retry_in is None or message.attempts >= MAX_ATTEMPTS:
        message.status = OutboxStatus.FAILED
    else:
        message.status = OutboxStatus.PENDING
        message.not_before = now + retry_in
