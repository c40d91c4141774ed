"""/schedule: what Relais will post, where and when; /schedule pause|resume [target] (facilitators)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.context import Context
from bot.i18n import N_, Keywords, listing
from bot.kinds import OccurrenceKind, OccurrenceStatus, ScheduleKind
from bot.markup import bold, esc
from bot.models import Circle, Meeting, Occurrence, Schedule
from bot.outbox import circle_channels, platform_of
from bot.posts.recap import missed_label
from bot.presentation import capped
from bot.recurrence import parse_rule
from bot.reply import Reply
from bot.router import Param, Router
from bot.services.preferences import digest_subscribers, nudges_off
from schedules.occurrences import Due, planned_occurrences, sync_schedules

router = Router()
TARGETS = Keywords(
    ("all", "tout", "tous", "toutes", "everything"),
    ("#circle", "#instance"),  # shown only: a # word names a circle
    ("nudges", "relances", "nudge", "rappels"),
    ("digest", "résumés", "digests", "resumes", "résumé", "resume"),
)
WINDOW = timedelta(days=7)
MISSED_WINDOW = timedelta(days=30)
LINES = 30


@router.command(
    "schedule",
    usage=N_("/schedule [pause|resume [all|#circle|nudges|digest]]"),
    summary=N_("facilitator: what Relais will post, where and when; pause or resume it"),
    aliases=("planning", "programme", "calendrier"),
    examples=(N_("/schedule pause #copil"), N_("/schedule resume")),
    facilitator=True,
)
def schedule(ctx: Context) -> Reply:
    """What Relais will post in the next 7 days, where; the personal digests and nudges; what is paused or missed."""
    return _overview(ctx, sync_schedules(ctx.session, ctx.community, ctx.config.schedules, ctx.now))


TARGET = Param("target", "circle", required=False, choices=TARGETS)


@router.subcommand("schedule", ("pause", "suspendre", "stop"), TARGET)
def pause(ctx: Context, target: Circle | str | None) -> Reply:
    """Pauses a circle's posts, the nudges, the digests or everything: what falls due meanwhile is skipped."""
    return _switch(ctx, target, pause=True)


@router.subcommand("schedule", ("resume", "reprendre", "restart", "relancer"), TARGET)
def resume(ctx: Context, target: Circle | str | None) -> Reply:
    """Resumes what was paused, from now on (what fell due during the pause is not posted)."""
    return _switch(ctx, target, pause=False)


def _switch(ctx: Context, target: Circle | str | None, pause: bool) -> Reply:
    rows = sync_schedules(ctx.session, ctx.community, ctx.config.schedules, ctx.now)
    targets = _targets(ctx, rows, target)
    changed = [row for row in targets if row.paused != pause]
    for row in changed:
        row.paused = pause
        row.paused_by = ctx.actor.id if pause else None
        row.updated_at = ctx.now
        if not pause:
            row.active_since = ctx.now  # what fell due during the pause is not posted now
    names = listing(ctx.tr, [_name(ctx, row) for row in targets])
    if not changed:
        already = N_("Already paused: {names}.") if pause else N_("Already running: {names}.")
        return Reply.say(ctx.t(already, names=names))
    if pause:
        return Reply.say(
            ctx.t(
                "⏸️ Paused: {names}. What falls due meanwhile is skipped, not sent later. /schedule resume restarts it.",
                names=names,
            )
        )
    return Reply.say(ctx.t("▶️ Running again: {names}.", names=names))


def _targets(ctx: Context, rows: dict[str, Schedule], target: Circle | str | None) -> list[Schedule]:
    if isinstance(target, Circle):
        return [rows[f"circle:{target.id}"]]
    if target == "nudges":
        return [rows[f"nudges:{ctx.community.id}"]]
    if target == "digest":
        return [rows[f"digest:{ctx.community.id}"]]
    return sorted(rows.values(), key=lambda row: row.id or 0)  # all, or nothing said


def _name(ctx: Context, row: Schedule) -> str:
    if row.kind == ScheduleKind.CIRCLE and row.circle_id is not None:
        circle = ctx.session.get_one(Circle, row.circle_id)
        return ctx.t("the recaps, agendas and reminders of {circle}", circle=esc(circle.name, 60))
    if row.kind == ScheduleKind.DIGEST:
        return ctx.t("the personal digests")
    return ctx.t("the nudges")


def _where(ctx: Context, circle_id: int | None) -> str:
    if circle_id is None:
        return ""
    circle = ctx.session.get_one(Circle, circle_id)
    platforms = sorted({platform_of(channel) for channel in circle_channels(ctx.session, circle_id)})
    where = ", ".join(platforms) if platforms else ctx.t("console only")
    return f"{esc(circle.name, 60)} ({where})"


def _what(ctx: Context, due: Due) -> str:
    if due.kind == OccurrenceKind.RECAP:
        return ctx.t("weekly recap")
    meeting = ctx.session.get_one(Meeting, due.meeting_id)
    label = (
        N_("agenda of meeting #{number} {title}")
        if due.kind == OccurrenceKind.AGENDA
        else N_("reminder of meeting #{number} {title}")
    )
    return ctx.t(label, number=meeting.number, title=bold(esc(meeting.title, 80)))


def _overview(ctx: Context, rows: dict[str, Schedule]) -> Reply:
    settings = ctx.config.schedules
    dues = [
        due
        for due in planned_occurrences(ctx.session, ctx.community, rows, settings, ctx.now, ctx.now + WINDOW)
        if due.kind in (OccurrenceKind.RECAP, OccurrenceKind.AGENDA, OccurrenceKind.REMINDER)
    ]
    lines = [bold(ctx.t("What Relais will post in the next 7 days:"))]
    for due in dues:
        paused = " ⏸️ " + ctx.t("paused") if due.paused else ""
        lines.append(f"• {ctx.when(due.at)} — {_what(ctx, due)} — {_where(ctx, due.circle_id)}{paused}")
    if not dues:
        lines.append(ctx.t("No recap, agenda or reminder in the next 7 days."))
    lines = capped(ctx, lines, LINES)
    lines += _direct_lines(ctx, rows)
    paused = [_name(ctx, row) for row in rows.values() if row.paused]
    if paused:
        lines.append("⏸️ " + ctx.t("Paused: {names}. /schedule resume restarts it.", names=listing(ctx.tr, paused)))
    missed = ctx.session.scalars(
        select(Occurrence)
        .where(
            Occurrence.community_id == ctx.community.id,
            Occurrence.status == OccurrenceStatus.MISSED,
            Occurrence.due_at >= ctx.now - MISSED_WINDOW,
        )
        .order_by(Occurrence.due_at)
    ).all()
    if missed:
        lines.append(bold("⚠️ " + ctx.t("Not posted while Relais was not running (last 30 days):")))
        lines += capped(ctx, ["• " + missed_label(ctx, ctx.session, row) for row in missed], 10)
    return Reply.say("\n".join(lines))


def _direct_lines(ctx: Context, rows: dict[str, Schedule]) -> list[str]:
    digest = rows[f"digest:{ctx.community.id}"]
    nudges = rows[f"nudges:{ctx.community.id}"]
    digest_rule = parse_rule(digest.rule) if digest.rule else None
    nudge_rule = parse_rule(nudges.rule) if nudges.rule else None
    lines = []
    if digest_rule is None:
        lines.append("• " + ctx.t("Personal digests: off."))
    elif count := len(digest_subscribers(ctx.session, ctx.community.id)):
        lines.append(
            "• "
            + ctx.tn(
                "Personal digests: {rule}, by direct message to the {count} member who asked for one.",
                "Personal digests: {rule}, by direct message to the {count} members who asked for one.",
                count,
                rule=digest_rule.describe(ctx.tr),
            )
        )
    else:
        lines.append(
            "• "
            + ctx.t(
                "Personal digests: {rule}, by direct message to members who ask for one with "
                "/digest me on (nobody yet).",
                rule=digest_rule.describe(ctx.tr),
            )
        )
    if nudge_rule is None:
        lines.append("• " + ctx.t("Nudges: off."))
    elif count := len(nudges_off(ctx.session, ctx.community.id)):
        lines.append(
            "• "
            + ctx.tn(
                "Nudges: {rule}, by direct message, at most one a day per member ({count} switched them off).",
                "Nudges: {rule}, by direct message, at most one a day per member ({count} switched them off).",
                count,
                rule=nudge_rule.describe(ctx.tr),
            )
        )
    else:
        lines.append(
            "• "
            + ctx.t(
                "Nudges: {rule}, by direct message, at most one a day per member.", rule=nudge_rule.describe(ctx.tr)
            )
        )
    return lines
