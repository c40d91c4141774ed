"""A member's weekly digest, by direct message: what they have to read, their commitments late or due soon.

Posted by the scheduler to members who asked for it (/digest me on), shown now by /digest me.
build_digest makes one member's; build_digests every member's of a round at once, in a bounded
number of queries (the same text: both end in _draft).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta

from sqlalchemy.orm import Session

from bot.i18n import CommandSpelling
from bot.markup import bold, esc
from bot.models import Commitment, Community, Item, Member
from bot.posts import queries
from bot.posts.draft import STALE, Draft, RoundLocaliser, bullets, stale_line
from bot.presentation import Localiser, item_line
from bot.services.reads import load_items, newest_unread, unread_items

LINES = 8
SOON = timedelta(days=7)


def build_digest(session: Session, member: Member, loc: Localiser) -> Draft | None:
    """The member's weekly digest: what they have to read, their commitments late or due soon."""
    unread: list[Item] = unread_items(session, member, LINES + 1)
    overdue = queries.overdue_commitments(session, loc.now, loc.tz, owner_id=member.id, since=loc.now - STALE)
    stale = queries.open_before_count(session, member.id, loc.now - STALE)
    soon = queries.due_between(session, loc.now, loc.now + SOON, loc.tz, owner_id=member.id)
    return _draft(member, loc, unread, (overdue[:LINES], len(overdue), stale), (soon[:LINES], len(soon)))


def build_digests(
    session: Session,
    community: Community,
    members: Sequence[Member],
    loc: Localiser,
    commands: Mapping[int, CommandSpelling | None] | None = None,
) -> dict[int, Draft | None]:
    """build_digest for every member given (each in their own language, with `commands` spelled as typed on
    the member's platform), in a bounded number of queries."""
    loc = RoundLocaliser.of_round(loc)
    unread = newest_unread(session, community.id, [member.id for member in members], LINES + 1)
    overdue = queries.overdue_by_owner(session, community.id, loc.now, loc.tz, since=loc.now - STALE)
    stale = queries.open_before_by_owner(session, community.id, loc.now - STALE)
    soon = queries.due_between_by_owner(session, community.id, loc.now, loc.now + SOON, loc.tz)
    wanted = {row.item_id for member in members for rows in (overdue, soon) for row in rows.get(member.id, ())[:LINES]}
    commitments = queries.shown_commitments(session, wanted)
    items = {item.id: item for item in load_items(session, list({row.id for rows in unread.values() for row in rows}))}
    drafts: dict[int, Draft | None] = {}
    for member in members:
        late = overdue.get(member.id, [])
        coming = soon.get(member.id, [])
        drafts[member.id] = _draft(
            member,
            loc.for_member(member, (commands or {}).get(member.id)),
            [items[row.id] for row in unread[member.id]],
            ([commitments[row.item_id] for row in late[:LINES]], len(late), stale.get(member.id, 0)),
            ([commitments[row.item_id] for row in coming[:LINES]], len(coming)),
        )
    return drafts


def _draft(
    member: Member,
    loc: Localiser,
    unread: list[Item],
    overdue: tuple[list[Commitment], int, int],
    soon: tuple[list[Commitment], int],
) -> Draft | None:
    """The digest's text from what it lists: `soon` is (the first LINES, how many in all), `overdue` the
    same for the commitments overdue for less than STALE, and how many are overdue for longer."""
    shown, recent, stale = overdue
    if not (unread or recent or stale or soon[1]):
        return None
    body: list[str] = []
    parts = [
        (
            loc.t("To read"),
            [item_line(loc, item) for item in unread[:LINES]]
            + ([loc.t("… and more: /unread lists everything.")] if len(unread) > LINES else []),
        ),
        (
            "⚠️ " + loc.t("Your overdue commitments"),
            [*bullets(loc, shown, recent, LINES), *stale_line(loc, recent, stale)],
        ),
        (loc.t("Your commitments due in the next 7 days"), bullets(loc, *soon, LINES)),
    ]
    for title, lines in parts:
        if lines:
            body += ["", bold(title), *lines]
    body += ["", loc.t("To stop receiving this digest: /digest me off.")]
    listed = tuple(row.number for row in [*overdue[0][:LINES], *soon[0][:LINES]])
    title = loc.t("Your weekly digest, {name}", name=esc(member.display_name, 80))
    return Draft("📬", title, tuple(body), commitments=listed)
