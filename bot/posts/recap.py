"""The weekly recap of a circle: what changed, what is late or coming, and the information level.

Posted by the scheduler (schedules/), shown now by /digest and `relais digest`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.config import Config
from bot.config.schedules import ScheduleSettings
from bot.images import Picture
from bot.kinds import ItemKind, OccurrenceKind
from bot.markup import esc
from bot.models import Circle, Community, Meeting, Occurrence
from bot.posts import queries
from bot.posts.chart import week_chart
from bot.posts.draft import Draft, bullets
from bot.posts.queries import Shown
from bot.presentation import (
    Localiser,
    capped,
    commitment_bullet,
    item_line,
    meeting_line,
    member_label,
    section,
    share,
)
from bot.services.dashboard.access import link_base
from bot.services.levels import READING_WINDOW, coverage, level_report
from bot.services.meetings import upcoming_meetings

LINES = 8


def level_lines(
    session: Session, community: Community, circle: Circle, loc: Localiser, settings: ScheduleSettings
) -> tuple[list[str], int, int]:
    """How much of what the circle had to read over four weeks is confirmed, and what is little read;
    with (confirmed, asked for), the figures the chart shows."""
    report = level_report(session, community.id, loc.now - READING_WINDOW, circle.id)
    if not report.items:
        return [], 0, 0
    acked = sum(level.acknowledged for level in report.members)
    total = sum(level.total for level in report.members)
    lines = [
        loc.t(
            "Over the last 4 weeks, {percent} of the readings asked for are confirmed ({acked} of {total}).",
            percent=share(loc, acked, total),
            acked=acked,
            total=total,
        )
    ]
    low = [cov for cov in report.lowest if cov.share < settings.low_coverage]
    if low:
        listed = ", ".join(f"#{cov.item.number} ({cov.acknowledged}/{cov.audience})" for cov in low)
        lines.append(loc.t("Little read: {items}.", items=listed))
    behind = [level for level in report.members if level.total >= 2 and level.share < settings.low_coverage]
    if behind and settings.name_members_behind:
        names = ", ".join(f"{member_label(level.member)} ({level.acknowledged}/{level.total})" for level in behind[:10])
        lines.append(loc.t("Behind on reading: {names}.", names=names))
    elif behind:
        lines.append(
            loc.tn(
                "{count} member has confirmed less than half of what they had to read.",
                "{count} members have confirmed less than half of what they had to read.",
                len(behind),
            )
        )
    return lines, acked, total


def missed_label(loc: Localiser, session: Session, occurrence: Occurrence) -> str:
    """ "the weekly recap of COPIL, due …": a post that was not made while Relais was not running."""
    when = loc.when(occurrence.due_at)
    meeting = session.get(Meeting, occurrence.meeting_id) if occurrence.meeting_id else None
    if occurrence.kind == OccurrenceKind.RECAP:
        circle = session.get(Circle, occurrence.circle_id) if occurrence.circle_id else None
        name = esc(circle.name, 60) if circle else "?"
        return loc.t("the weekly recap of {circle}, due {when}", circle=name, when=when)
    if occurrence.kind == OccurrenceKind.AGENDA and meeting is not None:
        return loc.t(
            "the agenda of meeting #{number} {title}, due {when}",
            number=meeting.number,
            title=esc(meeting.title, 80),
            when=when,
        )
    if occurrence.kind == OccurrenceKind.REMINDER and meeting is not None:
        return loc.t(
            "a reminder of meeting #{number} {title}, due {when}",
            number=meeting.number,
            title=esc(meeting.title, 80),
            when=when,
        )
    if occurrence.kind == OccurrenceKind.DIGEST:
        return loc.t("the personal digests, due {when}", when=when)
    return loc.t("the nudges, due {when}", when=when)


def build_recap(
    session: Session,
    community: Community,
    circle: Circle,
    loc: Localiser,
    settings: ScheduleSettings,
    since: datetime,
    missed: list[Occurrence] | None = None,
    until: datetime | None = None,
    overdue: tuple[list[Shown], int] | None = None,  # (first LINES, how many): a round reads every circle's at once
    page: str | None = None,  # the circle's page on the dashboard (dashboard_page)
    chart: bool = False,  # draw the week's chart (bot.posts.chart), when Pillow is there
) -> Draft:
    """What changed in the circle since `since`, what is late or due, coming meetings, the information level."""
    now = until or loc.now  # a scheduled recap covers up to its due time, even when posted late
    new = queries.new_commitments(session, circle.id, since, now)
    done = queries.done_commitments(session, circle.id, since, now)
    updates = queries.items_of_kind(session, circle.id, queries.NEWS, since, now)
    decisions = queries.items_of_kind(session, circle.id, (ItemKind.DECISION,), since, now)
    overdue, overdue_count = overdue or queries.overdue_in_circle(session, now, loc.tz, circle.id, LINES)
    soon = queries.due_between(session, now, now + timedelta(days=7), loc.tz, circle.id)
    meetings = upcoming_meetings(session, community.id, now, 5, circle.id, until=now + timedelta(days=21))
    covered = coverage(session, [item.id for item in [*updates, *decisions][-2 * LINES :]])
    body = [loc.t("From {start} to {end}.", start=loc.day(since), end=loc.day(now))]
    level, acked, total = level_lines(session, community, circle, loc, settings)
    parts = [
        section(
            loc.t("New commitments ({count})", count=len(new)),
            capped(loc, [commitment_bullet(loc, row) for row in new], LINES),
        ),
        section(
            loc.t("Done ({count}) 🎉", count=len(done)),
            capped(loc, [commitment_bullet(loc, row, with_due=False) for row in done], LINES),
        ),
        section(
            loc.t("Updates and announcements ({count})", count=len(updates)),
            capped(loc, [item_line(loc, item, covered.get(item.id)) for item in updates], LINES),
        ),
        section(
            loc.t("Decisions ({count})", count=len(decisions)),
            capped(loc, [item_line(loc, item, covered.get(item.id), 200) for item in decisions], LINES),
        ),
        section(
            "⚠️ " + loc.t("Overdue ({count})", count=overdue_count),
            bullets(loc, overdue, overdue_count, LINES),
        ),
        section(
            loc.t("Due in the next 7 days ({count})", count=len(soon)),
            capped(loc, [commitment_bullet(loc, row) for row in soon], LINES),
        ),
        section(loc.t("Coming meetings"), [meeting_line(loc, meeting) for meeting in meetings]),
        section(loc.t("Information level"), level),
        section(
            loc.t("For the facilitators: not posted while Relais was not running"),
            capped(loc, ["• " + missed_label(loc, session, row) for row in missed or []], LINES),
        ),
    ]
    picture = week_chart(session, loc, circle, (since, now), len(done), overdue_count, (acked, total), chart)
    return _draft(loc, circle, body, parts, picture, page)


def dashboard_page(config: Config, circle: Circle) -> str | None:
    """The circle's roadmap on the dashboard (every member of the circle may open it), for the
    recap to link to: only when [web] is enabled with a public_url (else no one could follow it)."""
    section = config.section("web")
    if not config.enabled("web") or not str(section.get("public_url", "") or "").strip():
        return None
    return f"{link_base(section)}/roadmap?circle={circle.id}"


def _draft(
    loc: Localiser,
    circle: Circle,
    body: list[str],
    parts: list[list[str]],
    picture: Picture | None = None,
    page: str | None = None,
) -> Draft:
    """The recap from its sections (the first seven say what happened, or that nothing did), and the
    link to the circle's page on the dashboard."""
    if page:
        parts.append([loc.t("🔗 On the dashboard: {url}", url=esc(page, None))])
    if not any(parts[:7]):
        body.append(loc.t("Nothing new this week, and nothing due in the next 7 days."))
    for part in parts:
        if part:
            body += ["", *part]
    title = loc.t("Weekly recap — {circle}", circle=esc(circle.name, 60))
    return Draft("📋", title, tuple(body), picture)
