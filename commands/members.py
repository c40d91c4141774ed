"""/member: a facilitator sets a member's organisation, role, mutes them or links their accounts; /whoami."""

from __future__ import annotations

from sqlalchemy import bindparam, select

from bot.context import Context
from bot.errors import Refusal
from bot.i18n import N_, Keywords
from bot.kinds import Role
from bot.markup import esc
from bot.models import Circle, CircleMember, Member
from bot.presentation import member_label
from bot.reply import Reply
from bot.router import Param, Router
from bot.services.community import ensure_organisation, set_organisation
from bot.services.membership import find_by_identity
from bot.services.merging import merge_members
from commands.linking import accounts, linked, unlink_member

router = Router()

ROLES = Keywords(("facilitator", "animation", "animateur", "animatrice"), ("partner", "partenaire"))

router.group(
    "member",
    Param("who", "member"),
    usage=N_("/member @someone org <organisation> | role facilitator|partner | mute | unmute | link @other | unlink"),
    summary=N_("facilitator: set someone's organisation or role, mute them while away, link their accounts"),
    aliases=("membre",),
    examples=(N_("/member @alice org Town hall"),),
    facilitator=True,
)


@router.subcommand("member", ("org", "structure", "organisation"), Param("name", "text"))
def organisation(ctx: Context, who: Member, name: str) -> Reply:
    """The member's organisation, set (created if new); their open commitments follow."""
    found = ensure_organisation(ctx.session, ctx.community, name)
    set_organisation(ctx.session, who, found)
    return Reply.say(
        ctx.t("{name} is now with {organisation}.", name=esc(who.display_name, 80), organisation=esc(found.name, 80))
    )


@router.subcommand("member", ("role", "rôle"), Param("role", "choice", choices=ROLES))
def role(ctx: Context, who: Member, role: str) -> Reply:
    """The member's role, facilitator or partner (a facilitator named in the configuration stays one)."""
    if role != Role.FACILITATOR and who.role_from_config:
        raise Refusal(
            "{name} is a facilitator in the configuration (community.facilitators): change it there.",
            name=member_label(who),
        )
    who.role = Role(role)
    label = ctx.t("facilitator") if role == Role.FACILITATOR else ctx.t("partner")
    return Reply.say(ctx.t("{name} is now {role}.", name=member_label(who), role=label))


@router.subcommand("member", ("mute", "absent", "muet"))
def mute(ctx: Context, who: Member) -> Reply:
    """The member muted while away: not counted in reading levels, not nudged."""
    who.muted = True
    return Reply.say(ctx.t("{name} is muted: not counted in reading levels, not nudged.", name=member_label(who)))


@router.subcommand("member", ("unmute", "présent", "present"))
def unmute(ctx: Context, who: Member) -> Reply:
    """The member counted again in reading levels and nudged."""
    who.muted = False
    return Reply.say(ctx.t("{name} counts again in reading levels.", name=member_label(who)))


@router.subcommand("member", ("link", "lier", "associer"), Param("other", "member"))
def member_link(ctx: Context, who: Member, other: Member) -> Reply:
    """Two members a facilitator knows to be one person, made one (the older kept)."""
    if who.id == other.id:
        raise Refusal("{name} is already one member.", name=member_label(who))
    record = merge_members(ctx.session, who, other, ctx.actor, ctx.now)
    ctx.actor = find_by_identity(ctx.session, ctx.incoming.identity) or ctx.session.get_one(Member, record.kept_id)
    return linked(ctx, ctx.session.get_one(Member, record.kept_id))


@router.subcommand("member", ("unlink", "dissocier", "délier", "delier"))
def member_unlink(ctx: Context, who: Member) -> Reply:
    """The member's last link undone by a facilitator: the other account a member of its own again."""
    return unlink_member(ctx, who)


ACTIVE_CIRCLE_NAMES = (  # built once: building and keying it at every /whoami costs more than running it
    select(Circle.name)
    .join(CircleMember, CircleMember.circle_id == Circle.id)
    .where(CircleMember.member_id == bindparam("member"), CircleMember.left_at.is_(None))
    .order_by(Circle.name)
)


def active_circle_names(ctx: Context) -> list[str]:
    """The names of the circles the speaker is in now, in order (what membership.active_circles gives,
    without loading the circles and their channels: one statement)."""
    return list(ctx.session.scalars(ACTIVE_CIRCLE_NAMES, {"member": ctx.actor.id}))


@router.command(
    "whoami",
    usage=N_("/whoami"),
    summary=N_("who I think you are, and your circles"),
    aliases=("moi",),
    reads_only=True,
)
def whoami(ctx: Context) -> Reply:
    """Who Relais takes the member for: name, role, circles and language."""
    role = ctx.t("facilitator") if ctx.actor.is_facilitator else ctx.t("partner")
    circles = active_circle_names(ctx)
    names = ", ".join(esc(name, 60) for name in circles) or ctx.t("none")
    return Reply.say(
        ctx.t(
            "You are {name}, {role}. Your circles: {circles}. Language: {language}. Your accounts: {accounts}.",
            name=member_label(ctx.actor),
            role=role,
            circles=names,
            language=ctx.language,
            accounts=accounts(ctx, ctx.actor.id),
        )
    )
