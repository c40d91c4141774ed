"""Commitments: create, close, edit, list — with a history line for every change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from bot.dates import When
from bot.errors import Refusal, Term, kind_name
from bot.kinds import CommitmentStatus, ItemKind
from bot.markup import esc
from bot.models import Circle, Commitment, CommitmentChange, Community, Item, Member
from bot.services.numbering import find_item, new_item

MAX_TITLE = 300
MAX_NOTE = 4000


def check_title(title: str) -> str:
    title = " ".join(title.split())
    if not title:
        raise Refusal("Say what you commit to, for example: /engage Send the minutes by Friday")
    if len(title) > MAX_TITLE:
        raise Refusal(
            "This title is too long ({length} characters; at most {limit}). "
            "Keep the title short and give details with /edit #N result …",
            length=len(title),
            limit=MAX_TITLE,
        )
    return title


def check_note(text: str, limit: int = MAX_NOTE) -> str:
    text = text.strip()
    if len(text) > limit:
        raise Refusal("This text is too long ({length} characters; at most {limit}).", length=len(text), limit=limit)
    return text


MAX_YEARS_AHEAD = 10  # a due date further away is a typo ("2062" for "2026"), not a plan


def check_future(when: When, now: datetime, tz: ZoneInfo) -> None:
    """A due date in the past is refused (with a time, before now; a day, before today), and one too far ahead."""
    local_now = now.astimezone(tz)
    at = when.at.replace(tzinfo=tz) if when.at.tzinfo is None else when.at
    if at.year > local_now.year + MAX_YEARS_AHEAD:
        raise Refusal(
            "This date is too far away: {when}. A due date is at most {years} years ahead. Nothing was saved.",
            when=when,
            years=MAX_YEARS_AHEAD,
        )
    if at.year < local_now.year - 1:
        raise Refusal("This date is in the past: {when}. Nothing was saved.", when=when)
    at = at.astimezone(tz)
    if (when.has_time and at < local_now) or (not when.has_time and at.date() < local_now.date()):
        raise Refusal("This date is in the past: {when}. Nothing was saved.", when=when)


def is_overdue(commitment: Commitment, now: datetime, tz: ZoneInfo) -> bool:
    if commitment.status != CommitmentStatus.OPEN or commitment.due_at is None:
        return False
    if commitment.due_has_time:
        return commitment.due_at < now
    return commitment.due_at.astimezone(tz).date() < now.astimezone(tz).date()


def create_commitment(
    session: Session,
    community: Community,
    circle: Circle,
    owner: Member,
    title: str,
    when: When | None,
    now: datetime,
) -> Commitment:
    title = check_title(title)
    item = new_item(session, community, circle, owner, ItemKind.COMMITMENT, title, now, must_read=False)
    commitment = Commitment(
        item_id=item.id,
        owner_id=owner.id,
        organisation_id=owner.organisation_id,
        title=title,
        due_at=when.at if when else None,
        due_has_time=bool(when and when.has_time),
        status=CommitmentStatus.OPEN,
        updated_at=now,
    )
    session.add(commitment)
    session.flush()
    record_change(session, commitment, owner, now, "created", None, title)
    return commitment


def get_commitment(session: Session, community: Community, number: int) -> Commitment:
    item = find_item(session, community.id, number)
    if item is None:
        raise Refusal("There is no #{number}. /actions lists the open commitments.", number=number)
    commitment = session.get(Commitment, item.id)
    if commitment is None:
        raise Refusal("#{number} is {kind}, not a commitment.", number=number, kind=kind_name(item.kind))
    return commitment


def check_can_change(actor: Member, commitment: Commitment) -> None:
    if actor.id != commitment.owner_id and not actor.is_facilitator:
        raise Refusal(
            "#{number} belongs to {owner}: only they or a facilitator can change it.",
            number=commitment.number,
            owner=esc(commitment.owner.display_name, 80),
        )


def check_can_give(actor: Member) -> None:
    """Only a facilitator gives a commitment to someone else (/edit #N owner)."""
    if not actor.is_facilitator:
        raise Refusal("Only a facilitator can give a commitment to someone else.")


def record_change(
    session: Session,
    commitment: Commitment,
    actor: Member | None,
    now: datetime,
    field: str,
    old: str | None,
    new: str | None,
    note: str | None = None,
) -> None:
    session.add(
        CommitmentChange(
            commitment_id=commitment.item_id,
            actor_id=actor.id if actor else None,
            at=now,
            field=field,
            old_value=old,
            new_value=new,
            note=note,
        )
    )
    commitment.updated_at = now


STATE_NAMES = {CommitmentStatus.DONE: Term("done"), CommitmentStatus.DROPPED: Term("dropped")}


def check_open(commitment: Commitment) -> None:
    """A commitment done or dropped stays as it is until it is reopened (/reopen): the refusal says so."""
    if commitment.status != CommitmentStatus.OPEN:
        raise Refusal(
            "#{number} is {state}: nothing was changed. To change it, reopen it first with /reopen #{number}.",
            number=commitment.number,
            state=STATE_NAMES.get(commitment.status, Term(commitment.status)),
        )


def close_commitment(
    session: Session, commitment: Commitment, actor: Member, status: CommitmentStatus, note: str, now: datetime
) -> None:
    """Done or dropped, from open only: done stays done, dropped stays dropped (see check_open)."""
    check_can_change(actor, commitment)
    if commitment.status == status:
        if status == CommitmentStatus.DONE:
            raise Refusal("#{number} is already done.", number=commitment.number)
        raise Refusal("#{number} is already dropped.", number=commitment.number)
    check_open(commitment)
    old = commitment.status
    commitment.status = status
    if status == CommitmentStatus.DONE:
        commitment.progress = 100
    record_change(session, commitment, actor, now, "status", old, status, check_note(note) or None)


def reopen_commitment(session: Session, commitment: Commitment, actor: Member, note: str, now: datetime) -> None:
    """A commitment done or dropped made open again, with why when the member says. Its progress is the last one
    reported again (none, if none was), whatever closed it: done made it 100%, and a done one dropped by the
    /drop of before 2593b5e kept that 100% nobody reported."""
    check_can_change(actor, commitment)
    if commitment.status == CommitmentStatus.OPEN:
        raise Refusal("#{number} is already open: nothing to reopen.", number=commitment.number)
    old = commitment.status
    commitment.status = CommitmentStatus.OPEN
    reported = session.scalar(
        select(CommitmentChange.new_value)
        .where(CommitmentChange.commitment_id == commitment.item_id, CommitmentChange.field == "progress")
        .order_by(CommitmentChange.id.desc())
        .limit(1)
    )
    commitment.progress = int(reported) if reported is not None else None
    record_change(session, commitment, actor, now, "status", old, CommitmentStatus.OPEN, check_note(note) or None)


def set_due(
    session: Session, commitment: Commitment, actor: Member, when: When | None, now: datetime, note: str = ""
) -> None:
    """A new due date (or none), with why when the member says (Slack's 📅 Postpone form)."""
    check_can_change(actor, commitment)
    check_open(commitment)
    note = check_note(note, 500)
    old = commitment.due_at.isoformat() if commitment.due_at else None
    commitment.due_at = when.at if when else None
    commitment.due_has_time = bool(when and when.has_time)
    record_change(session, commitment, actor, now, "due", old, when.at.isoformat() if when else None, note or None)


def set_text_field(
    session: Session, commitment: Commitment, actor: Member, field: str, value: str, now: datetime
) -> None:
    """Change title, expected result or one of the resources mobilised."""
    check_can_change(actor, commitment)
    check_open(commitment)
    if field == "title":
        value = check_title(value)
        commitment.item.text = value
    else:
        value = check_note(value, 2000)
    column = {"title": "title", "result": "expected_result"}.get(field, f"resources_{field}")
    old = getattr(commitment, column)
    setattr(commitment, column, value or None)
    record_change(session, commitment, actor, now, field, old, value or None)


def set_owner(session: Session, commitment: Commitment, actor: Member, owner: Member, now: datetime) -> None:
    check_can_give(actor)
    check_open(commitment)
    old = commitment.owner.display_name
    commitment.owner_id = owner.id
    commitment.owner = owner
    commitment.organisation_id = owner.organisation_id
    record_change(session, commitment, actor, now, "owner", old, owner.display_name)


def history(session: Session, commitment: Commitment) -> list[CommitmentChange]:
    return list(
        session.scalars(
            select(CommitmentChange)
            .where(CommitmentChange.commitment_id == commitment.item_id)
            .order_by(CommitmentChange.id)
        )
    )


@dataclass(frozen=True)
class ActionFilter:
    """Filters of /actions; each set narrows, values inside one set are alternatives."""

    owners: frozenset[int] = frozenset()
    organisations: frozenset[int] = frozenset()
    circles: frozenset[int] = frozenset()
    overdue: bool = False
    week: bool = False
    include_closed: bool = False


def list_commitments(
    session: Session, community: Community, wanted: ActionFilter, now: datetime, tz: ZoneInfo
) -> list[Commitment]:
    """Commitments sorted by due date (no date last), filtered as asked."""
    rows = list(session.scalars(_shaped(*_shape(wanted)), _values(community, wanted, now, tz)))
    if wanted.overdue:
        rows = [row for row in rows if is_overdue(row, now, tz)]
    far = datetime.max.replace(tzinfo=now.tzinfo)
    rows.sort(key=lambda row: (row.due_at is None, row.due_at or far, row.item.number))
    return rows


def commitments_statement(
    community: Community, wanted: ActionFilter, now: datetime, tz: ZoneInfo
) -> Select[tuple[Commitment]]:
    """The query behind list_commitments (joined with Item; overdue still to check with is_overdue)."""
    return _shaped(*_shape(wanted)).params(_values(community, wanted, now, tz))


def _shape(wanted: ActionFilter) -> tuple[bool, ...]:
    return (
        wanted.include_closed,
        bool(wanted.owners),
        bool(wanted.organisations),
        bool(wanted.circles),
        wanted.overdue,
        wanted.week,
    )


def _values(community: Community, wanted: ActionFilter, now: datetime, tz: ZoneInfo) -> dict[str, object]:
    local_today = now.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
    return {
        "community": community.id,
        "owners": sorted(wanted.owners),
        "organisations": sorted(wanted.organisations),
        "circles": sorted(wanted.circles),
        "now": now,
        "week_end": local_today + timedelta(days=8),
    }


@cache
def _shaped(
    include_closed: bool, owners: bool, organisations: bool, circles: bool, overdue: bool, week: bool
) -> Select[tuple[Commitment]]:
    """The query for one shape of filter, its values as parameters (_values): built once per shape, as
    building and keying it at every /actions costs more than running it."""
    statement: Select[tuple[Commitment]] = (
        select(Commitment).join(Item, Item.id == Commitment.item_id).where(Item.community_id == bindparam("community"))
    )
    if not include_closed:
        statement = statement.where(Commitment.status == CommitmentStatus.OPEN)
    if owners:
        statement = statement.where(Commitment.owner_id.in_(bindparam("owners", expanding=True)))
    if organisations:
        statement = statement.where(Commitment.organisation_id.in_(bindparam("organisations", expanding=True)))
    if circles:
        statement = statement.where(Item.circle_id.in_(bindparam("circles", expanding=True)))
    if overdue:
        statement = statement.where(Commitment.due_at.is_not(None), Commitment.due_at < bindparam("now"))
    if week:
        statement = statement.where(Commitment.due_at.is_not(None), Commitment.due_at < bindparam("week_end"))
    return statement
