"""/nudges [on|off]: the gentle reminders Relais sends by direct message."""

from __future__ import annotations

from bot.context import Context
from bot.i18n import N_
from bot.reply import Reply
from bot.router import Router
from bot.services.preferences import preferences, set_preference

router = Router()
ON = ("on", "oui", "yes", "activer")
OFF = ("off", "non", "no", "stop", "désactiver", "desactiver")


@router.command(
    "nudges",
    usage=N_("/nudges [on|off]"),
    summary=N_("the gentle reminders I send you: due dates, overdue commitments, unread items"),
    aliases=("relances", "rappels", "nudge"),
)
def nudges(ctx: Context) -> Reply:
    """Whether the member gets nudges, and how to switch them."""
    if preferences(ctx.session, ctx.actor).nudges:
        return Reply.say(
            ctx.t("Nudges are on: at most one message a day, only when something needs you. /nudges off stops them.")
        )
    return Reply.say(ctx.t("Nudges are off. /nudges on switches them back on."))


@router.subcommand("nudges", ON)
def nudges_on(ctx: Context) -> Reply:
    """Nudges switched on for the member: at most one a day, about due dates and unread items."""
    set_preference(ctx.session, ctx.actor, ctx.now, nudges=True)
    return Reply.say(ctx.t("Done: I will nudge you about due dates and unread items, at most once a day."))


@router.subcommand("nudges", OFF)
def nudges_off(ctx: Context) -> Reply:
    """Nudges switched off for the member (the weekly recap still lists what is due)."""
    set_preference(ctx.session, ctx.actor, ctx.now, nudges=False)
    return Reply.say(ctx.t("Done: no more nudges. The weekly recap still lists what is due."))
