"""A member's home page (Slack's App Home): where they stand, already written in their language.

Their open commitments, the items they still have to read (one line each, with its live "✅ 4/9
confirmed"; /show #N gives any of them whole), the coming meetings of their circles, their settings
(language, nudges, personal digest); for a facilitator, every circle's reading level and overdue
commitments (bot.services.overview: /level's and /actions' figures) and a link to the dashboard's
full report. Opening the home is not entering a room: it joins no circle, and a stranger gets
nothing (None) and nothing is stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import read_signals
from bot.config import Config
from bot.context import Context
from bot.dates import When
from bot.dispatch import Dispatcher
from bot.i18n import CommandSpelling
from bot.markup import bold, esc
from bot.models import CircleMember, Item, Meeting
from bot.presentation import age_label, commitment_line, member_label, share, when_label
from bot.reply import Incoming
from bot.services import levels, reads
from bot.services.commitments import ActionFilter, list_commitments
from bot.services.community import ensure_circle
from bot.services.dashboard.access import link_base
from bot.services.meetings import upcoming_meetings
from bot.services.numbering import find_item
from bot.services.overview import CircleFigures, circle_overview
from bot.services.preferences import preferences
from bot.services.read_counts import count_line
from bot.text import first_words, is_abbreviated

COMMITMENTS = 15
UNREAD = 20
MEETINGS = 5
EXCERPT = 120  # characters of an item's text in the home; "Read in full" gives the rest (item_in_full)


@dataclass(frozen=True)
class HomeItem:
    """An unread item in the home: its number, its line (markup), and whether the line abbreviates it."""

    number: int
    line: str
    abbreviated: bool = False


@dataclass(frozen=True)
class HomeData:
    """What the home shows, already written in markup (see bot.markup) in the member's language."""

    language: str
    name: str
    commitments: list[str] = field(default_factory=list)
    more_commitments: int = 0
    unread: list[HomeItem] = field(default_factory=list)
    unread_total: int = 0
    meetings: list[str] = field(default_factory=list)
    nudges: bool = True  # the member's nudges are on (/nudges on|off)
    commitment_numbers: list[int] = field(default_factory=list)  # the listed commitments' numbers, same order
    digest: bool = False  # the member gets the personal digest (/digest me on|off)
    digest_rule: str | None = None  # when it goes out ("every Monday at 08:00"); None: off in this community
    circles: list[str] | None = None  # a facilitator's circle overview, one line per circle (None: not one)
    dashboard: str | None = None  # the dashboard's information level page, when [web] has a public_url
    commands: CommandSpelling | None = None  # how the member types a command there (bot.spelling)

    @property
    def unread_numbers(self) -> list[int]:
        return [item.number for item in self.unread]


@dataclass(frozen=True)
class FullText:
    """An item in full, as /show #N answers the member (or their refusal), in their language."""

    language: str
    markup: str
    commands: CommandSpelling | None = None  # how the member types a command there (bot.spelling)


def home_context(dispatcher: Dispatcher, session: Session, identity: str, name: str | None) -> Context | None:
    """The member's context without joining any circle; None for a stranger (nothing is stored)."""
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
        commands=dispatcher.spellings.on(identity),
        circle_commands=dispatcher.spellings.circles,
    )


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


def item_line(ctx: Context, item: Item, count: levels.Coverage | None = None) -> HomeItem:
    """`**#N** · circle · author · the first words… · 2 days ago · ✅ 4/9 confirmed`."""
    author = member_label(item.author) if item.author else "Relais"
    line = (
        f"**#{item.number}** · {esc(item.circle.name, 40)} · {author} · "
        f"{esc(first_words(item.text, EXCERPT), None)} · {age_label(ctx, item.created_at)}"
    )
    if count is not None and count.audience:
        line += " · " + count_line(ctx.language, count.acknowledged, count.audience)
    return HomeItem(item.number, line, is_abbreviated(item.text, EXCERPT))


def overview_line(ctx: Context, row: CircleFigures) -> str:
    """`**COPIL** · 12/18 confirmed (67 %) · 2 overdue` (over /level's 4 weeks; /actions overdue)."""
    if row.to_read:
        level = ctx.t(
            "{acknowledged}/{total} confirmed ({share})",
            acknowledged=row.acknowledged,
            total=row.to_read,
            share=share(ctx, row.acknowledged, row.to_read),
        )
    else:
        level = ctx.t("nothing to read")
    overdue = ctx.tn("{count} overdue", "{count} overdue", row.overdue) if row.overdue else ctx.t("none overdue")
    return f"{bold(esc(row.name, 60))} · {level} · {overdue}"


def dashboard_level(config: Config) -> str | None:
    """The dashboard's information level page, only when [web] is enabled with a public_url."""
    section = config.section("web")
    if not config.enabled("web") or not str(section.get("public_url", "") or "").strip():
        return None
    return f"{link_base(section)}/level"


def _overview(ctx: Context) -> list[str] | None:
    """A facilitator's circle overview lines; None for anyone else."""
    if not ctx.actor.is_facilitator:
        return None
    return [overview_line(ctx, row) for row in circle_overview(ctx.session, ctx.community, ctx.now, ctx.tz)]


def load_home(dispatcher: Dispatcher, identity: str, name: str | None) -> HomeData | None:
    """What the member's home shows; None for a stranger."""
    with dispatcher.store.unit_of_work() as session:
        ctx = home_context(dispatcher, session, identity, name)
        if ctx is None:
            return None
        mine = list_commitments(session, ctx.community, ActionFilter(owners=frozenset({ctx.actor.id})), ctx.now, ctx.tz)
        unread, unread_total = reads.unread_page(session, ctx.actor, UNREAD)
        counts = levels.coverage(session, [item.id for item in unread])  # the live "✅ 4/9", three queries
        chosen = preferences(session, ctx.actor)
        digest = ctx.config.schedules.digest
        return HomeData(
            language=ctx.language,
            name=ctx.actor.display_name,
            commitments=[commitment_line(ctx, commitment) for commitment in mine[:COMMITMENTS]],
            more_commitments=max(0, len(mine) - COMMITMENTS),
            unread=[item_line(ctx, item, counts.get(item.id)) for item in unread],
            unread_total=unread_total,
            meetings=_meetings(ctx),
            nudges=chosen.nudges,
            commitment_numbers=[commitment.item.number for commitment in mine[:COMMITMENTS]],
            digest=chosen.digest,
            digest_rule=digest.describe(ctx.tr) if digest is not None else None,
            circles=_overview(ctx),
            dashboard=dashboard_level(ctx.config) if ctx.actor.is_facilitator else None,
            commands=ctx.commands,
        )


def record_seen(dispatcher: Dispatcher, identity: str, numbers: list[int]) -> int:
    """The items the home listed (by number) count as seen by the member."""
    with dispatcher.store.unit_of_work() as session:
        community = dispatcher.community(session)
        ids = [item.id for item in (find_item(session, community.id, n) for n in numbers) if item is not None]
    return read_signals.seen_items(dispatcher, identity, ids)


def item_in_full(dispatcher: Dispatcher, identity: str, number: int) -> FullText | None:
    """What /show #number answers this member (a refusal if they may not see it); None for a stranger."""
    with dispatcher.store.unit_of_work() as session:
        ctx = home_context(dispatcher, session, identity, None)
        command = dispatcher.router.find("show")
        if ctx is None or command is None:
            return None
        return FullText(ctx.language, dispatcher.run(ctx, command, f"#{number}").text, ctx.commands)
