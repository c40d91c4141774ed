"""Small checks shared by command handlers: rights, and finding a circle or a member by name."""

from __future__ import annotations

from bot.context import Context
from bot.errors import Refusal
from bot.formatting import member_label
from bot.markup import esc
from bot.models import Circle, Member
from bot.services.community import find_circle, find_members


def facilitator_only(ctx: Context) -> None:
    if not ctx.actor.is_facilitator:
        raise Refusal("Only a facilitator can do this.")


def circle_named(ctx: Context, name: str) -> Circle:
    circle = find_circle(ctx.session, ctx.community, name)
    if circle is None:
        raise Refusal("There is no circle called {name}.", name=esc("#" + name.lstrip("#"), 60))
    return circle


def one_member(ctx: Context, reference: str) -> Member:
    members = find_members(ctx.session, ctx.community, reference)
    if not members:
        raise Refusal("I do not know anyone called {name}.", name=esc(reference, 60))
    if len(members) > 1:
        raise Refusal(
            "Several people match {name}: {names}. Be more precise.",
            name=esc(reference, 60),
            names=", ".join(member_label(member) for member in members[:5]),
        )
    return members[0]
