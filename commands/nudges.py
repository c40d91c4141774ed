"""/nudges on|off: the gentle reminders Relais sends by direct message."""

from __future__ import annotations

from bot.context import Context
from bot.i18n import N_, Keywords
from bot.reply import Reply
from bot.router import Param, Router
from bot.services.preferences import preferences, set_preference

router = Router()
CHOICES = Keywords(("on", "oui", "yes", "activer"), ("off", "non", "no", "stop", "désactiver", "desactiver"))


@router.command(
    "nudges",
    Param("choice", "choice", required=False, choices=CHOICES),
    usage=N_("/nudges [on|off]"),
    summary=N_("the gentle reminders I send you: due dates, overdue commitments, unread items"),
    aliases=("relances", "rappels", "nudge"),
)
def nudges(ctx: Context, choice: str | None) -> Reply:
    if choice is None:
        if preferences(ctx.session, ctx.actor).nudges:
            return Reply.say(
                ctx.t(
                    "Nudges are on: at most one message a day, only when something needs you. /nudges off stops them."
                )
            )
        return Reply.say(ctx.t("Nudges are off. /nudges on switches them back on."))
    set_preference(ctx.session, ctx.actor, ctx.now, nudges=choice == "on")
    if choice == "on":
        return Reply.say(ctx.t("Done: I will nudge you about due dates and unread items, at most once a day."))
    return Reply.say(ctx.t("Done: no more nudges. The weekly recap still lists what is due."))
