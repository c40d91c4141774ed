"""/meeting, /meetings, /cancel-meeting, /agenda, /agenda add, /decision."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.arguments import circle_named
from bot.config.schedules import ScheduleSettings
from bot.context import Context
from bot.errors import Refusal, UsageError
from bot.i18n import N_, listing
from bot.kinds import MeetingStatus
from bot.markup import bold, esc
from bot.meeting_text import parse_meeting_text
from bot.models import Circle, Meeting
from bot.posts.agenda import build_agenda, cancelled_post
from bot.presentation import Localiser, duration, item_post, meeting_line, meeting_when, member_label
from bot.reply import Post, Reply
from bot.router import Param, Router, split_command
from bot.services import reads
from bot.services.meetings import (
    add_topic,
    cancel_meeting,
    create_meeting,
    get_meeting,
    next_meeting,
    record_decision,
    upcoming_meetings,
)
from commands.common import require_circle

router = Router()
ADD = ("add", "ajouter", "ajout", "ajoute", "+", "propose", "proposer")
MAX_LINE = 1000
LIST_LINES = 15
MAX_AHEAD = timedelta(days=731)


EXAMPLE = N_("/meeting Steering committee Thursday 2pm #copil town hall, room 2")
MEETING_NAMES = ("meeting", "reunion", "réunion")


def _example(ctx: Context) -> str:
    """The example meeting line, under the name the member typed when it was /meeting (or /réunion…)."""
    typed = split_command(ctx.incoming.text)[0]
    example = ctx.plain.t(EXAMPLE)
    return ctx.tr.spelled(re.sub(r"^/\S+", lambda _: "/" + typed, example) if typed in MEETING_NAMES else example)


def plan_text(loc: Localiser, settings: ScheduleSettings, meeting: Meeting) -> str:
    agenda_at = max(meeting.starts_at - settings.agenda_lead, loc.now)
    offsets = [
        offset
        for offset in settings.reminder_offsets
        if meeting.starts_at - offset >= loc.now and abs(meeting.starts_at - offset - agenda_at) >= timedelta(minutes=1)
    ]
    text = loc.t("The agenda will be posted {when}", when=loc.when(agenda_at))
    if offsets:
        text += loc.tn(
            ", with a reminder {offsets} before",
            ", with reminders {offsets} before",
            len(offsets),
            offsets=listing(loc.tr, [duration(loc, offset) for offset in offsets]),
        )
    return text + ". " + loc.t("Propose topics with /agenda add <topic>.")


@router.command(
    "meeting",
    Param("text", "text"),
    usage=N_("/meeting <title> <when> [#circle] [place or link]"),
    summary=N_("facilitator: plan a meeting; its agenda and reminders are posted by themselves"),
    aliases=MEETING_NAMES[1:],
    examples=(EXAMPLE,),
    facilitator=True,
)
def meeting(ctx: Context, text: str) -> Reply:
    """A meeting planned (title, date, circle, place), when its agenda and reminders will be posted; the circle told."""
    if len(text) > MAX_LINE:
        raise Refusal("This text is too long ({length} characters; at most {limit}).", length=len(text), limit=MAX_LINE)
    parsed = parse_meeting_text(text, ctx.now, ctx.community.timezone, ctx.language)
    if parsed.when is None and parsed.date_text:
        raise Refusal("I did not understand the date “{words}”. Nothing was saved.", words=esc(parsed.date_text, 80))
    if parsed.when is None:
        raise UsageError("I did not find when the meeting takes place.")
    if not parsed.when.has_time:
        raise Refusal(
            "At what time? Give the day and the hour, for example: {example}",
            example=_example(ctx),
        )
    if parsed.when.at <= ctx.now:
        raise Refusal("This date is in the past: {when}. Nothing was saved.", when=parsed.when)
    if parsed.when.at > ctx.now + MAX_AHEAD:
        raise Refusal(
            "This date is more than two years away: {when}. Nothing was saved; check the date.", when=parsed.when
        )
    circle = circle_named(ctx, parsed.circle) if parsed.circle else ctx.circle
    settings = ctx.config.schedules
    planned = create_meeting(
        ctx.session,
        ctx.community,
        circle,
        ctx.actor,
        parsed.title,
        parsed.when.at,
        parsed.place,
        ctx.now,
        settings.meeting_minutes,
    )
    lines = [
        "🗓️ "
        + ctx.t(
            "Meeting #{number} planned: {title} ({circle}), {when}.",
            number=planned.number,
            title=bold(esc(planned.title, 200)),
            circle=esc(circle.name, 60),
            when=meeting_when(ctx, planned),
        ),
        plan_text(ctx, settings, planned),
    ]
    public = ctx.public
    announce = "🗓️ " + public.t(
        "New meeting #{number}: {title}, {when}. Propose topics with /agenda add <topic>.",
        number=planned.number,
        title=bold(esc(planned.title, 200)),
        when=meeting_when(public, planned),
    )
    return Reply(posts=(Post("\n".join(lines)), Post(announce, "circle", circle.id)))


@router.command(
    "meetings",
    usage=N_("/meetings"),
    summary=N_("the coming meetings of every circle"),
    aliases=("reunions", "réunions"),
)
def meetings(ctx: Context) -> Reply:
    """The coming meetings of every circle."""
    rows = upcoming_meetings(ctx.session, ctx.community.id, ctx.now, LIST_LINES + 1)
    if not rows:
        return Reply.say(
            ctx.t(
                "No meeting is planned. A facilitator can plan one, for example: {example}",
                example=_example(ctx),
            )
        )
    lines = [ctx.tn("{count} coming meeting:", "{count} coming meetings:", len(rows[:LIST_LINES]))]
    lines += [meeting_line(ctx, row, with_circle=True) for row in rows[:LIST_LINES]]
    if len(rows) > LIST_LINES:
        lines.append(ctx.t("… and more: `relais export meetings` gives them all."))
    lines.append(ctx.t("The agenda of one: /agenda #N."))
    return Reply.say("\n".join(lines))


@router.command(
    "cancel-meeting",
    Param("number", "ref"),
    usage=N_("/cancel-meeting #N"),
    summary=N_("facilitator: cancel a meeting (its agenda and reminders are not posted)"),
    aliases=("annuler-reunion", "annuler-réunion", "cancelmeeting"),
    facilitator=True,
)
def cancel(ctx: Context, number: int) -> Reply:
    """Meeting #N cancelled (its agenda and reminders are not posted); the circle told."""
    found = get_meeting(ctx.session, ctx.community, number)
    cancel_meeting(ctx.session, found, ctx.now)
    confirmation = ctx.t(
        "Meeting #{number} {title} is cancelled; its circle is told.", number=number, title=bold(esc(found.title, 120))
    )
    return Reply(posts=(Post(confirmation), cancelled_post(found, ctx.public)))


AGENDA_WHERE = (Param("number", "ref", required=False), Param("circle", "circle", required=False))


@router.command(
    "agenda",
    *AGENDA_WHERE,
    usage=N_("/agenda [#meeting|#circle] | /agenda [#meeting] add <topic>"),
    summary=N_("the agenda of the next meeting; anyone can propose a topic with /agenda add"),
    aliases=("odj", "ordre-du-jour"),
    examples=(N_("/agenda add Summer workshops review"), N_("/agenda #12")),
)
def agenda(ctx: Context, number: int | None, circle: Circle | None) -> Reply:
    """The agenda of the next meeting of this circle, of the circle named, or of meeting #N."""
    chosen, where = _meeting_or_circle(ctx, number, circle)
    return _show(ctx, chosen, where)


@router.subcommand("agenda", ADD, Param("topic", "text", required=False))
def agenda_add(ctx: Context, number: int | None, circle: Circle | None, topic: str) -> Reply:
    """The topic proposed for meeting #N, or for the next meeting of the circle (kept if none is planned)."""
    chosen, where = _meeting_or_circle(ctx, number, circle)
    require_circle(ctx, where)
    if len(topic) <= MAX_LINE:
        topic = " ".join(topic.split())
    return _add(ctx, chosen, where, topic)


def _meeting_or_circle(ctx: Context, number: int | None, circle: Circle | None) -> tuple[Meeting | None, Circle]:
    """Meeting #N and its circle; or no meeting chosen, and the circle named or this one."""
    if number is not None:
        if circle is not None:
            raise UsageError("I did not expect: {extra}", extra=esc("#" + circle.slug, 80))
        chosen = get_meeting(ctx.session, ctx.community, number)
        return chosen, chosen.item.circle
    return None, circle or ctx.circle


def _add(ctx: Context, chosen: Meeting | None, circle: Circle, topic: str) -> Reply:
    if chosen is not None and chosen.status == MeetingStatus.CANCELLED:
        raise Refusal("Meeting #{number} is cancelled.", number=chosen.number)
    target = chosen or next_meeting(ctx.session, circle.id, ctx.now)
    add_topic(ctx.session, circle, target, ctx.actor, topic, ctx.now)
    if target is None:
        return Reply.say(
            ctx.t("Topic kept for the next meeting of {circle} (none is planned yet).", circle=esc(circle.name, 60))
        )
    return Reply.say(
        ctx.t(
            "Topic added to the agenda of #{number} {title}, {when}.",
            number=target.number,
            title=bold(esc(target.title, 120)),
            when=ctx.when(target.starts_at),
        )
    )


def _show(ctx: Context, chosen: Meeting | None, circle: Circle) -> Reply:
    target = chosen or next_meeting(ctx.session, circle.id, ctx.now)
    if target is None:
        return Reply.say(
            ctx.t(
                "No meeting is planned for {circle}. A facilitator can plan one, for example: {example}",
                circle=esc(circle.name, 60),
                example=_example(ctx),
            )
        )
    if target.status == MeetingStatus.CANCELLED:
        raise Refusal("Meeting #{number} is cancelled.", number=target.number)
    draft = build_agenda(ctx.session, ctx.community, target, ctx, ctx.config.schedules)
    return Reply.say(draft.text())


@router.command(
    "decision",
    Param("text", "text"),
    usage=N_("/decision <text>"),
    summary=N_("facilitator: record a decision of the circle; everyone in it must read it"),
    aliases=("décision", "decide", "décider"),
    examples=(N_("/decision The forum takes place on 12 June at the town hall"),),
    facilitator=True,
)
def decision(ctx: Context, text: str) -> Reply:
    """A decision recorded in the circle, posted for everyone in it to read; how many must read it."""
    item = record_decision(ctx.session, ctx.community, ctx.circle, ctx.actor, text, ctx.now)
    public = ctx.public
    header = "⚖️ " + public.t(
        "#{number} Decision of {circle}, recorded by {author}",
        number=item.number,
        circle=esc(ctx.circle.name, 60),
        author=member_label(ctx.actor),
    )
    audience = len(reads.audience(ctx.session, item))
    confirmation = ctx.tn(
        "Decision #{number} recorded in {circle}: {count} member must read it.",
        "Decision #{number} recorded in {circle}: {count} members must read it.",
        audience,
        number=item.number,
        circle=esc(ctx.circle.name, 60),
    )
    return Reply(posts=(Post(confirmation), item_post(public, item, header)))
