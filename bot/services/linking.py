"""Linking codes: /link gives a one-time code, /link <code> from the other account makes both one member.

A code is 8 characters from an alphabet without look-alikes (`K7QM-3XRT`), valid 10 minutes, once;
asking again cancels the previous one. Only its hash is kept. Codes typed wrong (unknown, expired,
used) are counted: 5 per member and 30 per community in 10 minutes, then linking waits. A code is
never said where others see it: Slack answers a command to its author only, Matrix rooms are read by
everyone, so there only a direct chat will do. The outbox rows that carried a code have it blanked
once it is used or replaced; one left to expire, by the scheduler's periodic run once expired
(its answer's `Post.secret_until`, bot.services.secrets).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import event, func, or_, select, update
from sqlalchemy.orm import Session

from bot.kinds import OutboxStatus
from bot.models import LinkAttempt, LinkCode, Member, MemberLink, OutboxMessage
from bot.reply import Incoming
from bot.services.merging import merge_members

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, no 1/I
LENGTH = 8
VALID_FOR = timedelta(minutes=10)
WINDOW = timedelta(minutes=10)
PER_MEMBER = 5
PER_COMMUNITY = 30
PRIVATE_ANSWERS = ("slack", "console")  # a command's answer is seen by its author only (Slack: ephemeral)
ISSUED = "relais_link_codes"  # session.info: codes issued in this transaction, to find the rows that carry them
CARRIERS = "relais_link_carriers"  # session.info: the outbox rows this transaction wrote meanwhile
BLANKED = "(a linking code, no longer valid)"


class Outcome(StrEnum):
    LINKED = "linked"
    SAME = "same"  # the code is this member's own
    WRONG = "wrong"
    EXPIRED = "expired"
    USED = "used"
    WAIT = "wait"  # too many wrong codes lately


@dataclass(frozen=True)
class Redeemed:
    outcome: Outcome
    link: MemberLink | None = None


def seen_by_others(incoming: Incoming) -> bool:
    """Would a code typed or answered here be read by others (a Matrix room, not a direct chat)?"""
    platform = (incoming.channel or incoming.identity).split(":", 1)[0]
    return not incoming.direct and platform not in PRIVATE_ANSWERS


def normalise(typed: str) -> str:
    return "".join(character for character in typed.upper() if character.isalnum())


def looks_like_code(typed: str) -> bool:
    word = normalise(typed)
    return len(word) == LENGTH and all(character in ALPHABET for character in word)


def shown(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def _hash(community_id: int, code: str) -> str:
    return hashlib.sha256(f"relais-link:{community_id}:{normalise(code)}".encode()).hexdigest()


def issue(session: Session, member: Member, identity: str, now: datetime) -> str:
    """A new code for the member (the previous one cancelled); returns it as shown (`K7QM-3XRT`)."""
    redact(session, now)
    session.execute(
        update(LinkCode)
        .where(LinkCode.member_id == member.id, LinkCode.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    row = LinkCode(
        community_id=member.community_id,
        member_id=member.id,
        identity=identity,
        code_hash=_hash(member.community_id, code),
        created_at=now,
        expires_at=now + VALID_FOR,
        redacted=False,
    )
    session.add(row)
    session.flush()
    session.info.setdefault(ISSUED, []).append((row, shown(code)))
    return shown(code)


def _failures(session: Session, member: Member, now: datetime) -> tuple[int, int]:
    recent = select(func.count()).where(LinkAttempt.community_id == member.community_id, LinkAttempt.at > now - WINDOW)
    mine = recent.where(LinkAttempt.member_id == member.id)
    return int(session.scalar(mine) or 0), int(session.scalar(recent) or 0)


def waiting(session: Session, member: Member, now: datetime) -> bool:
    """Too many wrong codes lately, from this member or in the whole community."""
    mine, everyone = _failures(session, member, now)
    return mine >= PER_MEMBER or everyone >= PER_COMMUNITY


def find(session: Session, community_id: int, typed: str) -> LinkCode | None:
    return session.scalar(
        select(LinkCode)
        .where(LinkCode.community_id == community_id, LinkCode.code_hash == _hash(community_id, typed))
        .order_by(LinkCode.id.desc())
        .limit(1)
    )


def burn(session: Session, member: Member, typed: str, now: datetime) -> bool:
    """A code shown where others see it can no longer be used; True if it was a valid one."""
    found = find(session, member.community_id, typed)
    if found is None or found.used_at is not None or found.expires_at <= now:
        return False
    found.used_at = now
    redact(session, now)
    return True


def redeem(session: Session, member: Member, typed: str, now: datetime) -> Redeemed:
    """`member` typed `typed`: when it is a valid code of another member, both become one."""
    redact(session, now)
    if waiting(session, member, now):
        return Redeemed(Outcome.WAIT)
    found = find(session, member.community_id, typed) if looks_like_code(typed) else None
    outcome = Outcome.WRONG
    if found is not None and found.member_id == member.id and found.used_at is None and found.expires_at > now:
        return Redeemed(Outcome.SAME)
    if found is not None:
        outcome = Outcome.USED if found.used_at is not None else Outcome.EXPIRED if found.expires_at <= now else None
    if outcome is not None:
        session.add(LinkAttempt(community_id=member.community_id, member_id=member.id, at=now))
        return Redeemed(outcome)
    assert found is not None
    found.used_at = now
    asker = session.get_one(Member, found.member_id)
    link = merge_members(session, asker, member, member, now)
    redact(session, now)
    return Redeemed(Outcome.LINKED, link)


def redact(session: Session, now: datetime) -> None:
    """Blank the code in the outbox rows that carried codes no longer valid (already delivered)."""
    spent = session.scalars(
        select(LinkCode).where(
            LinkCode.redacted.is_(False),
            or_(LinkCode.used_at.is_not(None), LinkCode.expires_at <= now),
        )
    ).all()
    for code in spent:
        ids = [i for i in (code.outbox_ids or "").split(",") if i]
        done = (OutboxStatus.SENT, OutboxStatus.FAILED)
        if ids:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids), OutboxMessage.status.in_(done))
                .values(text=BLANKED)
                .execution_options(synchronize_session=False)
            )
        waiting_rows = select(func.count()).where(OutboxMessage.id.in_(ids), OutboxMessage.status.not_in(done))
        code.redacted = not ids or not session.scalar(waiting_rows)


@event.listens_for(Session, "before_flush")
def _keep_new_outbox_rows(session: Session, *_: object) -> None:
    """While a transaction holds new codes: keep its new outbox rows (the identity map forgets flushed rows
    nothing refers to, so by commit time it no longer knows which rows carried the code)."""
    if session.info.get(ISSUED):
        rows = [row for row in session.new if isinstance(row, OutboxMessage)]
        session.info.setdefault(CARRIERS, []).extend(rows)


@event.listens_for(Session, "before_commit")
def _remember_carriers(session: Session) -> None:
    """Before a transaction that issued codes commits: which outbox rows carry them (to blank them later)."""
    if session.in_nested_transaction() or not session.info.get(ISSUED):
        return  # a savepoint (a command's own) ends before its answer is written to the outbox
    issued = session.info.pop(ISSUED)
    rows = session.info.pop(CARRIERS, []) + [row for row in session.new if isinstance(row, OutboxMessage)]
    for code, text in issued:
        carriers = [row.id for row in rows if text in row.text]
        if carriers:
            code.outbox_ids = ",".join(carriers)


@event.listens_for(Session, "after_rollback")
def _forget_carriers(session: Session) -> None:
    if not session.in_transaction():
        session.info.pop(ISSUED, None)
        session.info.pop(CARRIERS, None)
