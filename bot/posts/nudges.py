"""Gentle nudges, by direct message: one grouped message per member, at most one a day.

Nudges are decided by calendar days in the community's zone, from the round's due time (not from
"now"), so a round posted late says the same thing it would have said on time:
* a commitment's owner, N days before it is due (N in nudge_due_days, default 3 and 1);
* then on the 1st, 8th, 15th… day it is overdue (every overdue_nudge_days); one overdue for more than
  4 weeks (bot.posts.draft.STALE, the digests' rule) is no longer listed: on its day the message counts
  every such commitment of the member in one line ("12 commitments overdue for over 4 weeks: …");
* a member with items unacknowledged since unread_nudge_days (once, on the day an item crosses it).
Posted by the scheduler's daily round; /nudges off stops them for a member. build_nudge makes one
member's; build_nudges every member's of a round at once, in a bounded number of queries (the same
text: both end in _due_lines, _unread_lines and _message).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config.schedules import ScheduleSettings
from bot.i18n import CommandSpelling
from bot.markup import esc
from bot.models import CircleMember, Commitment, Community, Item, Member
from bot.models.community import in_audience_window
from bot.posts import queries
from bot.posts.draft import STALE, RoundLocaliser, stale_line
from bot.presentation import Localiser, commitment_title
from bot.services.reads import Unread, newest_unread, unread_items

UNREAD_SCAN = 100
LINES = 8


def _days_between(loc: Localiser, earlier: datetime, later: datetime) -> int:
    return (later.astimezone(loc.tz).date() - earlier.astimezone(loc.tz).date()).days


def due_reasons(
    session: Session, member: Member, loc: Localiser, settings: ScheduleSettings, slot: datetime
) -> list[str]:
    """The member's commitments due in one of nudge_due_days, or overdue by 1, 1 + N, 1 + 2N… days."""
    farthest = max(settings.nudge_due_days, default=0)
    soon = (
        queries.due_between(session, slot, slot + timedelta(days=farthest), loc.tz, owner_id=member.id)
        if farthest
        else []
    )
    overdue = queries.overdue_commitments(session, slot, loc.tz, owner_id=member.id, since=slot - STALE)
    stale = queries.open_due_dates(session, member.community_id, slot - STALE, owner_id=member.id)
    return _due_lines(loc, settings, slot, soon, overdue, _stale(loc, settings, slot, stale.get(member.id, [])))


def _stale(loc: Localiser, settings: ScheduleSettings, slot: datetime, rows: list[Any]) -> int:
    """How many commitments overdue for more than STALE to count today: all of them (`rows`), on a day
    one of them would have been nudged about; else none."""
    return len(rows) if any(_overdue_day(loc, settings, slot, row) for row in rows) else 0


def _due_day(loc: Localiser, settings: ScheduleSettings, slot: datetime, row: Any) -> bool:
    """A commitment due in one of nudge_due_days from the slot (row: a Commitment or its columns)."""
    return _days_between(loc, slot, row.due_at) in settings.nudge_due_days


def _overdue_day(loc: Localiser, settings: ScheduleSettings, slot: datetime, row: Any) -> bool:
    """An overdue commitment on its 1st, 1 + Nth, 1 + 2Nth… day late."""
    late_days = _days_between(loc, row.due_at, slot)
    return late_days >= 1 and (late_days - 1) % settings.overdue_nudge_days == 0


def _due_lines(
    loc: Localiser,
    settings: ScheduleSettings,
    slot: datetime,
    soon: list[Commitment],
    overdue: list[Commitment],
    stale: int = 0,
) -> list[str]:
    """The lines of commitments due soon, overdue (for up to STALE), then `stale` more counted."""
    lines = []
    for row in soon:
        assert row.due_at is not None
        if not _due_day(loc, settings, slot, row):
            continue
        days = _days_between(loc, slot, row.due_at)
        day = loc.day(row.due_at)
        if days == 1:
            lines.append(
                "• " + loc.t("{commitment} is due tomorrow, {day}.", commitment=commitment_title(row), day=day)
            )
        else:
            lines.append(
                "• "
                + loc.tn(
                    "{commitment} is due in {count} day, on {day}.",
                    "{commitment} is due in {count} days, on {day}.",
                    days,
                    commitment=commitment_title(row),
                    day=day,
                )
            )
    for row in overdue:
        assert row.due_at is not None
        if _overdue_day(loc, settings, slot, row):
            lines.append(
                "• "
                + loc.t(
                    "{commitment} was due {day}. Say where it stands with /update #{number} … or close it with "
                    "/done #{number}.",
                    commitment=commitment_title(row),
                    day=loc.day(row.due_at),
                    number=row.number,
                )
            )
    listed = sum(1 for row in overdue if _overdue_day(loc, settings, slot, row))
    return lines + [line if listed else "• " + line for line in stale_line(loc, listed, stale)]


def unread_reason(
    session: Session, member: Member, loc: Localiser, settings: ScheduleSettings, slot: datetime
) -> list[str]:
    """Items unconfirmed for unread_nudge_days, said on the day one of them reaches that age."""
    return _unread_lines(loc, settings, slot, unread_items(session, member, UNREAD_SCAN))


def _unread_lines(
    loc: Localiser, settings: ScheduleSettings, slot: datetime, unread: Sequence[Item | Unread]
) -> list[str]:
    """From the member's UNREAD_SCAN newest unread items (newest first)."""
    threshold = slot - timedelta(days=settings.unread_nudge_days)
    waiting = [item for item in unread if item.created_at <= threshold]
    crossed = [item for item in waiting if item.created_at > threshold - timedelta(days=1)]
    if not crossed:
        return []
    refs = ", ".join(f"#{item.number}" for item in waiting[:LINES])
    if len(waiting) > LINES:
        refs += " …"
    return [
        "• "
        + loc.tn(
            "{count} item has been waiting for your confirmation for more than {days} days: {refs}. /unread shows it.",
            "{count} items have been waiting for your confirmation for more than {days} days: {refs}. "
            "/unread shows them.",
            len(waiting),
            days=settings.unread_nudge_days,
            refs=refs,
        )
    ]


def nudge_candidates(session: Session, community_id: int, settings: ScheduleSettings, slot: datetime) -> set[int]:
    """Members who may have something to be nudged about (the others are not even looked at)."""
    horizon = slot + timedelta(days=max(settings.nudge_due_days, default=0) + 1)
    owners = session.scalars(
        select(Commitment.owner_id)
        .join(Item, Item.id == Commitment.item_id)
        .where(*queries.open_due_before(community_id, horizon))
        .distinct()
    )
    threshold = slot - timedelta(days=settings.unread_nudge_days)
    readers = session.scalars(
        select(CircleMember.member_id)
        .join(Item, Item.circle_id == CircleMember.circle_id)
        .where(
            Item.community_id == community_id,
            Item.must_read.is_(True),
            in_audience_window(Item.number),
            Item.created_at > threshold - timedelta(days=1),
            Item.created_at <= threshold,
        )
        .distinct()
    )
    return set(owners) | set(readers)


def build_nudge(
    session: Session, member: Member, loc: Localiser, settings: ScheduleSettings, slot: datetime
) -> str | None:
    """The member's one nudge message of the day, or None when there is nothing to say."""
    return _message(
        member,
        loc,
        due_reasons(session, member, loc, settings, slot) + unread_reason(session, member, loc, settings, slot),
    )


def build_nudges(
    session: Session,
    community: Community,
    members: Sequence[Member],
    loc: Localiser,
    settings: ScheduleSettings,
    slot: datetime,
    listed: dict[int, tuple[int, ...]] | None = None,
    commands: Mapping[int, CommandSpelling | None] | None = None,
) -> dict[int, str | None]:
    """build_nudge for every member given (each in their own language), in a bounded number of queries.

    `listed`, when given, receives each nudged member's commitment numbers the message names (in order)."""
    loc = RoundLocaliser.of_round(loc)
    farthest = max(settings.nudge_due_days, default=0)
    zone = loc.tz
    soon = (
        queries.due_between_by_owner(session, community.id, slot, slot + timedelta(days=farthest), zone)
        if farthest
        else {}
    )
    overdue = queries.overdue_by_owner(session, community.id, slot, zone, since=slot - STALE)
    stale = queries.open_due_dates(session, community.id, slot - STALE)
    said_soon = {owner: [row for row in rows if _due_day(loc, settings, slot, row)] for owner, rows in soon.items()}
    said_overdue = {
        owner: [row for row in rows if _overdue_day(loc, settings, slot, row)] for owner, rows in overdue.items()
    }
    commitments = queries.shown_commitments(
        session,
        {row.item_id for member in members for said in (said_soon, said_overdue) for row in said.get(member.id, ())},
    )
    unread = newest_unread(session, community.id, [member.id for member in members], UNREAD_SCAN)
    messages: dict[int, str | None] = {}
    for member in members:
        own = loc.for_member(member, (commands or {}).get(member.id))  # commands as typed on their platform
        lines = _due_lines(
            own,
            settings,
            slot,
            [commitments[row.item_id] for row in said_soon.get(member.id, ())],
            [commitments[row.item_id] for row in said_overdue.get(member.id, ())],
            _stale(own, settings, slot, stale.get(member.id, [])),
        )
        messages[member.id] = _message(member, own, lines + _unread_lines(own, settings, slot, unread[member.id]))
        if listed is not None and messages[member.id]:
            said = [*said_soon.get(member.id, ()), *said_overdue.get(member.id, ())]
            listed[member.id] = tuple(commitments[row.item_id].number for row in said)
    return messages


def _message(member: Member, loc: Localiser, lines: list[str]) -> str | None:
    if not lines:
        return None
    head = "👋 " + loc.t("Hello {name}, a gentle reminder from Relais:", name=esc(member.display_name, 80))
    return "\n".join([head, *lines, loc.t("To stop these reminders: /nudges off.")])
