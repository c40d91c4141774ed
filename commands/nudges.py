"""/nudges [on|off|via slack|matrix|auto]: the gentle reminders Relais sends by direct message, and where."""

from __future__ import annotations

from bot.context import Context
from bot.errors import Refusal
from bot.i18n import N_, Keywords
from bot.outbox import member_platforms, reach_on
from bot.reply import Reply
from bot.router import Param, Router
from bot.services.preferences import preferences, set_preference

router = Router()
ON = ("on", "oui", "yes", "activer")
OFF = ("off", "non", "no", "stop", "désactiver", "desactiver")
PLATFORMS = Keywords(
    ("slack", "slack"), ("matrix", "matrix", "tchap", "element"), ("auto", "auto", "automatique", "last", "dernière")
)


@router.command(
    "nudges",
    usage=N_("/nudges [on|off|via slack|matrix|auto]"),
    summary=N_("the gentle reminders I send you: due dates, overdue commitments, unread items"),
    aliases=("relances", "rappels", "nudge"),
)
def nudges(ctx: Context) -> Reply:
    """Whether the member gets nudges, how to switch them, and where they go with accounts on several platforms."""
    if preferences(ctx.session, ctx.actor).nudges:
        text = ctx.t("Nudges are on: at most one message a day, only when something needs you. /nudges off stops them.")
    else:
        text = ctx.t("Nudges are off. /nudges on switches them back on.")
    where = _where(ctx)
    return Reply.say(f"{text}\n{where}" if where else text)


def _where(ctx: Context) -> str | None:
    """With accounts on several platforms: where personal messages reach the member, and why there."""
    if len(member_platforms(ctx.session, ctx.actor.id)) < 2:
        return None
    platform = reach_on(ctx.session, ctx.actor.id)[0].capitalize()
    if preferences(ctx.session, ctx.actor).via:
        return ctx.t(
            "They reach you on {platform}, as you chose (/nudges via auto: where you last typed).", platform=platform
        )
    return ctx.t(
        "They reach you on {platform}, where you last typed a command (/nudges via slack or matrix to choose).",
        platform=platform,
    )


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


@router.subcommand("nudges", ("via", "par", "sur"), Param("platform", "choice", choices=PLATFORMS))
def nudges_via(ctx: Context, platform: str) -> Reply:
    """Where personal messages (nudges, digests) reach a member with accounts on several platforms."""
    if platform == "auto":
        set_preference(ctx.session, ctx.actor, ctx.now, via="")
        return Reply.say(ctx.t("Done: I will write to you privately where you last typed a command."))
    if platform not in member_platforms(ctx.session, ctx.actor.id):
        raise Refusal("You have no {platform} account linked here: type /link there first.", platform=platform)
    set_preference(ctx.session, ctx.actor, ctx.now, via=platform)
    return Reply.say(ctx.t("Done: I will write to you privately on {platform} only.", platform=platform.capitalize()))
