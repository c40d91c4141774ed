"""App Home: published when a member opens it (and after they click in it).

Slack gives bots no read receipts: the items listed here count as *seen* for the member once the
view is published (bot.signals.seen_items); "read" still needs the button or a ✅ reaction.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from sqlalchemy import select
from sqlalchemy.orm import Session

from adapters.slack.home_view import HomeData, HomeItem, home_view, stranger_view
from adapters.slack.runtime import Runtime
from bot import signals
from bot.context import Context
from bot.dates import When
from bot.dispatch import Dispatcher
from bot.formatting import age_label, commitment_line, member_label, when_label
from bot.markup import bold, esc
from bot.models import CircleMember, Meeting
from bot.reply import Incoming
from bot.services import reads
from bot.services.commitments import ActionFilter, list_commitments
from bot.services.community import ensure_circle
from bot.services.meetings import upcoming_meetings
from bot.services.numbering import find_item
from bot.text import first_words, is_abbreviated

log = logging.getLogger(__name__)
COMMITMENTS = 15
UNREAD = 20
MEETINGS = 5
EXCERPT = 120  # characters of an item's text in the home; "Read in full" opens the rest (full_text.py)


def meeting_line(ctx: Context, meeting: Meeting) -> str:
    """`#N **Title** · circle · Thursday 3 December 2026 at 14:00 · place`."""
    parts = [
        f"#{meeting.item.number} {bold(esc(meeting.title, 120))}",
        esc(meeting.item.circle.name, 60),
        when_label(ctx, When(at=meeting.starts_at, has_time=True)),
    ]
    if meeting.place:
        parts.append(esc(meeting.place, 120))
    return " · ".join(parts)


def _meetings(ctx: Context) -> list[str]:
    """The coming meetings of the member's circles (of all circles if they are in none yet)."""
    mine = set(
        ctx.session.scalars(
            select(CircleMember.circle_id).where(CircleMember.member_id == ctx.actor.id, CircleMember.left_at.is_(None))
        )
    )
    meetings = upcoming_meetings(ctx.session, ctx.community.id, ctx.now, MEETINGS, circle_ids=mine or None)
    return [meeting_line(ctx, meeting) for meeting in meetings]


def home_context(dispatcher: Dispatcher, session: Session, identity: str, name: str | None) -> Context | None:
    """The member's context without joining any circle (opening the home is not entering a room);
    None for a stranger (nothing is stored)."""
    community = dispatcher.community(session)
    member = dispatcher.admitted(session, identity, name)
    if member is None:
        return None
    circle = ensure_circle(session, community, dispatcher.config.default_circle)
    return Context(
        session,
        community,
        member,
        circle,
        dispatcher.clock.now(),
        dispatcher.config,
        Incoming(identity=identity, text=""),
    )


def load_home(dispatcher: Dispatcher, identity: str, name: str | None) -> HomeData | None:
    with dispatcher.store.unit_of_work() as session:
        ctx = home_context(dispatcher, session, identity, name)
        if ctx is None:
            return None
        mine = list_commitments(session, ctx.community, ActionFilter(owners=frozenset({ctx.actor.id})), ctx.now, ctx.tz)
        ids = reads.unread_ids(session, ctx.actor)
        unread = reads.load_items(session, ids[:UNREAD])
        total = len(ids)
        lines = []
        for item in unread:
            author = member_label(item.author) if item.author else "Relais"
            line = (
                f"**#{item.number}** · {esc(item.circle.name, 40)} · {author} · "
                f"{esc(first_words(item.text, EXCERPT), None)} · {age_label(ctx, item.created_at)}"
            )
            lines.append(HomeItem(item.number, line, is_abbreviated(item.text, EXCERPT)))
        return HomeData(
            language=ctx.language,
            name=ctx.actor.display_name,
            commitments=[commitment_line(ctx, commitment) for commitment in mine[:COMMITMENTS]],
            more_commitments=max(0, len(mine) - COMMITMENTS),
            unread=lines,
            unread_total=total,
            meetings=_meetings(ctx),
        )


async def publish_home(runtime: Runtime, user: str, team: str | None) -> HomeData | None:
    """Build and publish the member's home; what it lists is then recorded as seen.

    Someone in no circle sees a short polite page in the language of their Slack, and nothing is stored.
    """
    identity = runtime.identity(user, team)
    name, language = await runtime.people.profile(user)
    data = await runtime.blocking(load_home, runtime.dispatcher, identity, name)
    if data is None:
        await runtime.client.views_publish(
            user_id=user, view=stranger_view(language or runtime.dispatcher.config.language)
        )
        return None
    await runtime.client.views_publish(user_id=user, view=home_view(data))
    if data.unread_numbers:
        await runtime.blocking(record_seen, runtime.dispatcher, identity, data.unread_numbers)
    return data


def record_seen(dispatcher: Dispatcher, identity: str, numbers: list[int]) -> int:
    with dispatcher.store.unit_of_work() as session:
        community = dispatcher.community(session)
        ids = [item.id for item in (find_item(session, community.id, n) for n in numbers) if item is not None]
    return signals.seen_items(dispatcher, identity, ids)


def register(bolt: AsyncApp, runtime: Runtime) -> None:
    @bolt.event("app_home_opened")
    async def on_home_opened(body: dict[str, Any], event: dict[str, Any]) -> None:
        async with runtime.busy():
            if event.get("tab", "home") != "home" or not event.get("user"):
                return
            user, team = str(event["user"]), body.get("team_id")
            await runtime.first_delivery(body.get("event_id"), lambda: publish_home(runtime, user, team))
