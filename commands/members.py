"""/member: a facilitator sets a member's organisation, role, or mutes them; /whoami."""

from __future__ import annotations

import shlex

from bot.context import Context
from bot.errors import Refusal, UsageError
from bot.i18n import N_, Keywords
from bot.markup import esc
from bot.presentation import member_label
from bot.reply import Reply
from bot.router import Param, Router
from bot.services.community import ensure_organisation, set_organisation
from bot.services.membership import active_circles
from commands.common import facilitator_only, one_member

router = Router()

ROLES = Keywords(("facilitator", "animation", "animateur", "animatrice"), ("partner", "partenaire"))
ACTIONS = Keywords(
    ("org", "structure", "organisation"),
    ("role", "rôle"),
    ("mute", "absent", "muet"),
    ("unmute", "présent", "present"),
)


@router.command(
    "member",
    Param("text", "text"),
    usage=N_("/member @someone org <organisation> | role facilitator|partner | mute | unmute"),
    summary=N_("facilitator: set someone's organisation or role, or mute them while away"),
    aliases=("membre",),
    examples=(N_("/member @alice org Town hall"),),
)
def member(ctx: Context, text: str) -> Reply:
    facilitator_only(ctx)
    try:
        words = shlex.split(text)
    except ValueError:
        words = text.split()
    if len(words) < 2:
        raise UsageError("Something is missing.")
    who, action, rest = words[0], ACTIONS.meaning(words[1]), " ".join(words[2:]).strip()
    target = one_member(ctx, who)
    if action == "org":
        if not rest:
            raise UsageError("Something is missing.")
        organisation = ensure_organisation(ctx.session, ctx.community, rest)
        set_organisation(ctx.session, target, organisation)
        return Reply.say(
            ctx.t(
                "{name} is now with {organisation}.",
                name=esc(target.display_name, 80),
                organisation=esc(organisation.name, 80),
            )
        )
    if action == "role":
        role = ROLES.meaning(rest)
        if role is None:
            raise UsageError("Choose one of: {choices}.", choices=ROLES)
        if role != "facilitator" and target.role_from_config:
            raise Refusal(
                "{name} is a facilitator in the configuration (community.facilitators): change it there.",
                name=member_label(target),
            )
        target.role = role
        label = ctx.t("facilitator") if role == "facilitator" else ctx.t("partner")
        return Reply.say(ctx.t("{name} is now {role}.", name=member_label(target), role=label))
    if action in ("mute", "unmute"):
        target.muted = action == "mute"
        message = (
            N_("{name} is muted: not counted in reading levels, not nudged.")
            if target.muted
            else N_("{name} counts again in reading levels.")
        )
        return Reply.say(ctx.t(message, name=member_label(target)))
    raise UsageError("Choose one of: {choices}.", choices=ACTIONS)


@router.command(
    "whoami",
    usage=N_("/whoami"),
    summary=N_("who I think you are, and your circles"),
    aliases=("moi",),
)
def whoami(ctx: Context) -> Reply:
    role = ctx.t("facilitator") if ctx.actor.is_facilitator else ctx.t("partner")
    circles = active_circles(ctx.session, ctx.actor.id)
    names = ", ".join(esc(circle.name, 60) for circle in circles) or ctx.t("none")
    return Reply.say(
        ctx.t(
            "You are {name}, {role}. Your circles: {circles}. Language: {language}.",
            name=member_label(ctx.actor),
            role=role,
            circles=names,
            language=ctx.language,
        )
    )
