"""A member's weekly digest, by direct message: what they have to read, their commitments late or due soon.

Posted by the scheduler to members who asked for it (/digest me on), shown now by /digest me.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from bot.markup import bold, esc
from bot.models import Item, Member
from bot.posts import queries
from bot.posts.draft import Draft
from bot.presentation import Localiser, capped, commitment_bullet, item_line
from bot.services.reads import unread_items

LINES = 8


def build_digest(session: Session, member: Member, loc: Localiser) -> Draft | None:
    """The member's weekly digest: what they have to read, their commitments late or due soon."""
    unread: list[Item] = unread_items(session, member, LINES + 1)
    overdue = queries.overdue_commitments(session, loc.now, loc.tz, owner_id=member.id)
    soon = queries.due_between(session, loc.now, loc.now + timedelta(days=7), loc.tz, owner_id=member.id)
    if not (unread or overdue or soon):
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
            capped(loc, [commitment_bullet(loc, row) for row in overdue], LINES),
        ),
        (
            loc.t("Your commitments due in the next 7 days"),
            capped(loc, [commitment_bullet(loc, row) for row in soon], LINES),
        ),
    ]
    for title, lines in parts:
        if lines:
            body += ["", bold(title), *lines]
    body += ["", loc.t("To stop receiving this digest: /digest me off.")]
    return Draft("📬", loc.t("Your weekly digest, {name}", name=esc(member.display_name, 80)), tuple(body))
