"""How members, dates and commitments are shown in replies (markup, see bot.markup)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.context import Context
from bot.dates import When, format_when
from bot.markup import bold, esc
from bot.models import Commitment, Item, Member
from bot.reply import Post
from bot.services.commitments import is_overdue, when_of


def member_label(member: Member) -> str:
    name = esc(member.display_name, 80)
    if member.organisation is not None:
        return f"{name} ({esc(member.organisation.name, 80)})"
    return name


def when_label(ctx: Context, when: When) -> str:
    return format_when(When(at=when.at.astimezone(ctx.tz), has_time=when.has_time), ctx.language)


def age_label(ctx: Context, then: datetime) -> str:
    minutes = int((ctx.now - then).total_seconds() // 60)
    if minutes < 60:
        return ctx.tn("{count} min ago", "{count} min ago", max(minutes, 0))
    hours = minutes // 60
    if hours < 48:
        return ctx.tn("{count} hour ago", "{count} hours ago", hours)
    return ctx.tn("{count} day ago", "{count} days ago", hours // 24)


def due_part(ctx: Context, commitment: Commitment, tz: ZoneInfo) -> str:
    when = when_of(commitment, tz)
    if when is None:
        return ctx.t("no due date")
    text = ctx.t("due {when}", when=when_label(ctx, when))
    if is_overdue(commitment, ctx.now, tz):
        text += " ⚠️ " + bold(ctx.t("overdue"))
    return text


def status_label(ctx: Context, status: str) -> str:
    return {"open": ctx.t("open"), "done": ctx.t("done"), "dropped": ctx.t("dropped")}.get(status, status)


def commitment_line(ctx: Context, commitment: Commitment) -> str:
    parts = [
        f"#{commitment.number} {bold(esc(commitment.title, 120))}",
        member_label(commitment.owner),
        esc(commitment.item.circle.name, 60),
        due_part(ctx, commitment, ctx.tz),
    ]
    if commitment.progress is not None and commitment.status == "open":
        parts.append(f"{commitment.progress} %")
    if commitment.status != "open":
        parts.append(status_label(ctx, commitment.status))
    return " · ".join(parts)


def item_post(ctx: Context, item: Item, header: str) -> Post:
    """An item as posted to its circle, with the way to confirm reading it."""
    footer = ctx.t("React ✅ or type /read #{number} to confirm you have read it.", number=item.number)
    return Post(
        text=f"{header}\n{esc(item.text, None)}\n{footer}",
        target="circle",
        circle_id=item.circle_id,
        item_id=item.id,
        notify=True,
    )
