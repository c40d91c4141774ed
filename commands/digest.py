"""/digest: the circle's weekly recap now; /digest me [on|off]: my own digest, by direct message."""

from __future__ import annotations

from datetime import timedelta

from bot.context import Context
from bot.errors import UsageError
from bot.i18n import N_, Keywords
from bot.markup import esc
from bot.outbox import member_platforms
from bot.posts.digest import build_digest
from bot.posts.recap import build_recap
from bot.reply import Reply
from bot.router import Param, Router
from bot.services.preferences import set_preference
from commands.common import circle_named, require_circle

router = Router()
ME = {"me", "moi", "mine", "perso", "personal", "personnel"}
ON = Keywords(("on", "oui", "yes", "activer"), ("off", "non", "no", "stop", "désactiver", "desactiver"))


@router.command(
    "digest",
    Param("words", "words", required=False),
    usage=N_("/digest [#circle] | /digest me [on|off]"),
    summary=N_("the circle's weekly recap, now; /digest me on: your own digest every week by direct message"),
    aliases=("recap", "récap", "resume", "résumé", "bilan"),
    examples=(N_("/digest"), N_("/digest me on")),
)
def digest(ctx: Context, words: list[str]) -> Reply:
    if words and words[0].lower() in ME:
        return _personal(ctx, words[1:])
    circle = ctx.circle
    if words and words[0].startswith("#") and len(words) == 1:
        circle = circle_named(ctx, words[0])
        require_circle(ctx, circle)
    elif words:
        raise UsageError("I did not expect: {extra}", extra=esc(" ".join(words), 80))
    draft = build_recap(ctx.session, ctx.community, circle, ctx, ctx.config.schedules, ctx.now - timedelta(days=7))
    return Reply.say(draft.text())


def _personal(ctx: Context, words: list[str]) -> Reply:
    settings = ctx.config.schedules
    if not words:
        draft = build_digest(ctx.session, ctx.actor, ctx)
        if draft is None:
            return Reply.say(ctx.t("Nothing for you right now: nothing to read, nothing due in the next 7 days. 👏"))
        return Reply.say(draft.text())
    if len(words) > 1 or ON.meaning(words[0]) is None:
        raise UsageError("Choose one of: {choices}.", choices=ON)
    wanted = ON.meaning(words[0]) == "on"
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
