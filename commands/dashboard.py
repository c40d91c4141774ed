"""/dashboard: a one-time link to the web dashboard, sent privately."""

from __future__ import annotations

from datetime import timedelta

from bot.context import Context
from bot.i18n import N_
from bot.reply import Post, Reply
from bot.router import Router
from bot.services.dashboard.access import LINK_MINUTES, link_base, new_link

router = Router()


def _private_here(ctx: Context) -> bool:
    """Whether a reply here is seen by the member alone: a direct chat, the console, Slack (ephemeral)."""
    platform = ctx.incoming.identity.split(":", 1)[0]
    return ctx.incoming.direct or platform in ("console", "slack")


@router.command(
    "dashboard",
    usage=N_("/dashboard"),
    summary=N_("a link to sign in to the web dashboard (valid 15 minutes, once)"),
    aliases=("tableau", "tableau-de-bord", "web"),
)
def dashboard(ctx: Context) -> Reply:
    """A sign-in link for the web dashboard, valid 15 minutes and once, answered where only the member sees it."""
    token = new_link(ctx.session, ctx.actor, ctx.now)
    url = f"{link_base(ctx.config.section('web'))}/login/{token}"
    lines = [
        ctx.t("Your link to the dashboard (valid {minutes} minutes, once; do not pass it on):", minutes=LINK_MINUTES),
        url,
    ]
    if not ctx.config.section("web"):
        lines.append(ctx.t("The dashboard is served by `relais web` (or by `relais run` with a [web] section)."))
    text = "\n".join(lines)
    until = ctx.now + timedelta(minutes=LINK_MINUTES)  # then the outbox's copy of the link is blanked
    if _private_here(ctx):
        return Reply(posts=(Post(text, secret_until=until),))
    notice = ctx.t("I sent you the link in a private message.")
    return Reply(posts=(Post(notice), Post(text, target="direct", member_id=ctx.actor.id, secret_until=until)))
