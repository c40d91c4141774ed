"""/link, /unlink and /member @a link|unlink @b: one person with accounts on several platforms is one member."""

from __future__ import annotations

from sqlalchemy import bindparam, select

from bot.context import Context
from bot.db import store_of
from bot.errors import Refusal
from bot.i18n import N_, translator
from bot.markup import bold, esc
from bot.models import Identity, Member
from bot.presentation import member_label
from bot.reply import Post, Reply
from bot.router import Param, Router
from bot.services.linking import VALID_FOR, Outcome, burn, issue, redeem, seen_by_others
from bot.services.membership import find_by_identity
from bot.services.unmerging import latest_link, split
from bot.spelling import on_the_other

router = Router()

REFUSED = {
    Outcome.WRONG: N_("This is not a valid linking code. Check it, or type /link on your other account for a new one."),
    Outcome.EXPIRED: N_("This linking code has expired (codes last 10 minutes). Type /link on your other account."),
    Outcome.USED: N_("This linking code was already used or replaced. Type /link on your other account for a new one."),
    Outcome.WAIT: N_("Too many wrong linking codes were typed lately. Wait 10 minutes, then try again."),
    Outcome.SAME: N_("This code comes from this very account: type it from your other account."),
}


ACCOUNTS = select(Identity.identity).where(Identity.member_id == bindparam("member")).order_by(Identity.id)


def accounts(ctx: Context, member_id: int) -> str:
    """The member's accounts, oldest first, as a list to read."""
    found = ctx.session.scalars(ACCOUNTS, {"member": member_id})
    return ", ".join(esc(identity, 120) for identity in found)


@router.command(
    "link",
    Param("code", "text", required=False),
    usage=N_("/link [code]"),
    summary=N_("one member for your accounts on Slack and Matrix: a code to type from the other one"),
    aliases=("lier", "associer"),
    examples=(N_("/link K7QM-3XRT"),),
)
def link(ctx: Context, code: str | None = None) -> Reply:
    """A one-time code (privately), or, with a code typed from the other account, both accounts made one member."""
    typed = (code or "").strip()
    if seen_by_others(ctx.incoming):
        if typed and burn(ctx.session, ctx.actor, typed, ctx.now):
            text = ctx.t("Everyone here saw this code, so I cancelled it. Type /link in a direct chat with me.")
        else:
            text = ctx.t("Linking codes are private: type /link in a direct chat with me, not where others read.")
        return Reply.say(text, ok=False)
    there = translator(ctx.language, on_the_other(store_of(ctx.session), ctx.incoming.identity))
    if not typed:  # a code to type on the other account: /link as typed there
        shown = issue(ctx.session, ctx.actor, ctx.incoming.identity, ctx.now)
        text = there.t(
            "Your linking code: {code}. Within 10 minutes, type /link {code} to me from your other account "
            "(Slack or Matrix), privately. It works once; never show it to anyone.",
            code=bold(shown),
        )
        return Reply(posts=(Post(text, secret_until=ctx.now + VALID_FOR),))
    result = redeem(ctx.session, ctx.actor, typed, ctx.now)
    if result.link is None:
        return Reply.say(there.t(REFUSED[result.outcome]), ok=False)
    ctx.actor = ctx.session.get_one(Member, result.link.kept_id)
    return linked(ctx, ctx.actor)


def linked(ctx: Context, member: Member) -> Reply:
    return Reply.say(
        ctx.t(
            "Done: {name} is one member with these accounts: {accounts}. Reading on any of them counts once; "
            "/unlink undoes it.",
            name=member_label(member),
            accounts=accounts(ctx, member.id),
        )
    )


def unlinked(ctx: Context, kept: Member, back: Member) -> Reply:
    return Reply.say(
        ctx.t(
            "Done: {back} ({theirs}) is a member of its own again, apart from {kept} ({mine}). Nothing was lost.",
            back=member_label(back),
            theirs=accounts(ctx, back.id),
            kept=member_label(kept),
            mine=accounts(ctx, kept.id),
        )
    )


def unlink_member(ctx: Context, member: Member) -> Reply:
    found = latest_link(ctx.session, member.id)
    if found is None:
        raise Refusal("{name} has a single account here: there is nothing to unlink.", name=member_label(member))
    kept_id = member.id
    back = split(ctx.session, found, ctx.actor, ctx.now)
    ctx.actor = find_by_identity(ctx.session, ctx.incoming.identity) or ctx.session.get_one(Member, kept_id)
    return unlinked(ctx, ctx.session.get_one(Member, kept_id), back)


@router.command(
    "unlink",
    usage=N_("/unlink"),
    summary=N_("split your accounts apart again (the last link first)"),
    aliases=("dissocier",),
)
def unlink(ctx: Context) -> Reply:
    """The member's last link undone: the other account is a member of its own again, with what it brought."""
    return unlink_member(ctx, ctx.actor)
