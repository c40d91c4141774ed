"""Who is signed in to the dashboard, and what they may see.

A facilitator sees the whole community; a partner sees the circles they are in now, and their
own commitments wherever they are. The same rule as the chat's (commands.common.visible_circles).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.dispatch import Dispatcher
from bot.i18n import SUPPORTED
from bot.models import Community, Member
from bot.presentation import FixedLocaliser, Localiser
from bot.services.dashboard import access
from bot.services.membership import active_circles


@dataclass(frozen=True)
class Viewer:
    """The signed-in member, as the pages need them."""

    member_id: int
    name: str
    language: str
    facilitator: bool
    circles: frozenset[int] | None  # None: every circle (a facilitator)

    def sees_circle(self, circle_id: int) -> bool:
        return self.circles is None or circle_id in self.circles

    def sees(self, circle_id: int, owner_id: int | None = None) -> bool:
        """A commitment or an item of `circle_id` (owned by `owner_id`)."""
        return self.sees_circle(circle_id) or owner_id == self.member_id


def viewer_of(session: Session, member: Member, community: Community, language: str | None = None) -> Viewer:
    circles = None if member.is_facilitator else frozenset(c.id for c in active_circles(session, member.id))
    chosen = language if language in SUPPORTED else (member.language or community.language)
    return Viewer(member.id, member.display_name, chosen, member.is_facilitator, circles)


def localiser(community: Community, viewer: Viewer, now: datetime) -> Localiser:
    return FixedLocaliser(viewer.language, Localiser.of(community, now).tz, now)


def signed_in(dispatcher: Dispatcher, cookie: str, language: str | None = None) -> Viewer | None:
    """The viewer behind a session cookie; None when it opens nothing (unknown, expired, signed out)."""
    with dispatcher.store.unit_of_work(reading=True) as session:
        member = access.session_member(session, cookie, dispatcher.clock.now())
        if member is None:
            return None
        return viewer_of(session, member, dispatcher.community(session), language)


def link_state(dispatcher: Dispatcher, token: str) -> access.LinkState:
    with dispatcher.store.unit_of_work(reading=True) as session:
        return access.check_link(session, token, dispatcher.clock.now())


def sign_in(dispatcher: Dispatcher, token: str, session_hours: float) -> tuple[str, access.LinkState]:
    """Use a sign-in link: the new session's cookie ("" when refused) and what the link was."""
    with dispatcher.store.unit_of_work() as session:
        return access.use_link(session, token, dispatcher.clock.now(), session_hours)


def sign_out(dispatcher: Dispatcher, cookie: str) -> None:
    with dispatcher.store.unit_of_work() as session:
        access.end_session(session, cookie, dispatcher.clock.now())
