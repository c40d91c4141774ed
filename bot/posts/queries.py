"""The time-windowed queries that recaps, agendas, digests and nudges are made of (indexed, bounded)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from bot.models import Commitment, CommitmentChange, Item
from bot.services.commitments import is_overdue

LIMIT = 200  # a post never lists more; the builders show fewer and say "… and N more"


def _commitments(circle_id: int | None) -> Select[tuple[Commitment]]:
    statement = select(Commitment).join(Item, Item.id == Commitment.item_id)
    if circle_id is not None:
        statement = statement.where(Item.circle_id == circle_id)
    return statement


def new_commitments(session: Session, circle_id: int, since: datetime, until: datetime) -> list[Commitment]:
    statement = _commitments(circle_id).where(Item.created_at >= since, Item.created_at < until)
    return list(session.scalars(statement.order_by(Item.number).limit(LIMIT)))


def done_commitments(session: Session, circle_id: int, since: datetime, until: datetime) -> list[Commitment]:
    done = select(CommitmentChange.commitment_id).where(
        CommitmentChange.field == "status",
        CommitmentChange.new_value == "done",
        CommitmentChange.at >= since,
        CommitmentChange.at < until,
    )
    statement = _commitments(circle_id).where(Commitment.status == "done", Commitment.item_id.in_(done))
    return list(session.scalars(statement.order_by(Item.number).limit(LIMIT)))


def overdue_commitments(
    session: Session, now: datetime, zone: ZoneInfo, circle_id: int | None = None, owner_id: int | None = None
) -> list[Commitment]:
    statement = _commitments(circle_id).where(
        Commitment.status == "open", Commitment.due_at.is_not(None), Commitment.due_at < now
    )
    if owner_id is not None:
        statement = statement.where(Commitment.owner_id == owner_id)
    rows = session.scalars(statement.order_by(Commitment.due_at, Item.number).limit(LIMIT))
    return [row for row in rows if is_overdue(row, now, zone)]


def due_between(
    session: Session,
    start: datetime,
    end: datetime,
    zone: ZoneInfo,
    circle_id: int | None = None,
    owner_id: int | None = None,
) -> list[Commitment]:
    """Open commitments due from `start` (not overdue then) up to the end of `end`'s local day."""
    end_of_day = end.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    statement = _commitments(circle_id).where(
        Commitment.status == "open",
        Commitment.due_at.is_not(None),
        Commitment.due_at < end_of_day,
        Commitment.due_at >= start - timedelta(days=1),
    )
    if owner_id is not None:
        statement = statement.where(Commitment.owner_id == owner_id)
    rows = session.scalars(statement.order_by(Commitment.due_at, Item.number).limit(LIMIT))
    return [row for row in rows if not is_overdue(row, start, zone)]


def items_of_kind(
    session: Session, circle_id: int, kinds: tuple[str, ...], since: datetime, until: datetime
) -> list[Item]:
    statement = select(Item).where(
        Item.circle_id == circle_id, Item.kind.in_(kinds), Item.created_at >= since, Item.created_at < until
    )
    return list(session.scalars(statement.order_by(Item.number).limit(LIMIT)))
