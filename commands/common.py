"""Small checks shared by command handlers: rights, and finding a circle or a member by name."""

from __future__ import annotations

from bot.context import Context
from bot.errors import Refusal
from bot.markup import esc
from bot.models import Circle, Item, Member
from bot.presentation import member_label
from bot.services.community import find_circle, find_members
from bot.services.membership import active_circles


def facilitator_only(ctx: Context) -> None:
    if not ctx.actor.is_facilitator:
        raise Refusal(
            "Only a facilitator can do this. Facilitators are named in the configuration "
            "(community.facilitators), or made so by another facilitator with /member @someone role facilitator."
        )


def visible_circles(ctx: Context) -> frozenset[int] | None:
    """The circles whose items and commitments the actor may see: None for a facilitator (all)."""
    if ctx.actor.is_facilitator:
        return None
    return frozenset(circle.id for circle in active_circles(ctx.session, ctx.actor.id))


def require_circle(ctx: Context, circle: Circle) -> None:
    """A partner sees only the circles they are in."""
    visible = visible_circles(ctx)
    if visible is not None and circle.id not in visible:
        raise Refusal("{circle} is a circle you are not in.", circle=esc(circle.name, 60))


def require_visible(ctx: Context, item: Item, owner_id: int | None = None) -> None:
    """A partner sees the items of their circles (and always their own commitments)."""
    visible = visible_circles(ctx)
    if visible is None or item.circle_id in visible or ctx.actor.id in (owner_id, item.author_id):
        return
    raise Refusal(
        "#{number} belongs to {circle}, a circle you are not in.", number=item.number, circle=esc(item.circle.name, 60)
    )


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
