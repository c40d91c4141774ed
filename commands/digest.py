"""/digest: the circle's weekly recap now; /digest me [on|off]: my own digest, by direct message."""

from __future__ import annotations

from datetime import timedelta

from bot.context import Context
from bot.errors import UsageError
from bot.i18n import N_, Keywords
from bot.markup import esc
from bot.models import Circle
from bot.outbox import member_platforms
from bot.posts.digest import build_digest
from bot.posts.recap import build_recap, dashboard_page
from bot.reply import Post, Reply
from bot.router import Param, Router, split_command
from bot.services.preferences import set_preference
from commands.common import require_circle

router = Router()
ME = ("me", "moi", "mine", "perso", "personal", "personnel")
ON = Keywords(("on", "oui", "yes", "activer"), ("off", "non", "no", "stop", "désactiver", "desactiver"))


@router.command(
    "digest",
    Param("circle", "circle", required=False),
    usage=N_("/digest [#circle] | /digest me [on|off]"),
    summary=N_("the circle's weekly recap, now; /digest me on: your own digest every week by direct message"),
    aliases=("recap", "récap", "resume", "résumé", "bilan"),
    examples=(N_("/digest"), N_("/digest me on")),
)
def digest(ctx: Context, circle: Circle | None) -> Reply:
    """The weekly recap of this circle (or of the one named), as it would be posted now."""
    if circle is None:
        circle = ctx.circle
    else:
        require_circle(ctx, circle)
    since = ctx.now - timedelta(days=7)
    page = dashboard_page(ctx.config, circle)
    settings = ctx.config.schedules
    draft = build_recap(ctx.session, ctx.community, circle, ctx, settings, since, page=page, chart=settings.recap_chart)
    return Reply(posts=(Post(draft.text(), image=draft.picture),))


@router.subcommand("digest", ME, Param("switch", "choice", required=False, choices=ON))
def personal(ctx: Context, circle: Circle | None, switch: str | None) -> Reply:
    """The member's own digest now (/digest me), or whether they get it every week by direct message (on|off)."""
    if circle is not None:
        raise UsageError("I did not expect: {extra}", extra=esc(split_command(ctx.incoming.text)[1], 80))
    if switch is None:
        draft = build_digest(ctx.session, ctx.actor, ctx)
        if draft is None:
            return Reply.say(ctx.t("Nothing for you right now: nothing to read, nothing due in the next 7 days. 👏"))
        return Reply.say(draft.text())
    wanted = switch == "on"
    settings = ctx.config.schedules
    set_preference(ctx.session, ctx.actor, ctx.now, digest=wanted)
    if not wanted:
        return Reply.say(ctx.t("Done: no more personal digest. /digest me shows it whenever you like."))
    if settings.digest is None:
        return Reply.say(
            ctx.t(
                "Noted, but personal digests are switched off in this community's settings. "
                "/digest me shows yours whenever you like."
            )
        )
    text = ctx.t(
        "Done: you will get your personal digest {rule}, by direct message.", rule=settings.digest.describe(ctx.tr)
    )
    if not member_platforms(ctx.session, ctx.actor.id):
        text += " " + ctx.t("Here in the console, type /digest me to see it.")
    return Reply.say(text)
