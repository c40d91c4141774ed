"""Small checks shared by command handlers: rights on circles and items.

A facilitator-only command says so where it is declared (`facilitator=True`, bot.router); members
and circles named in arguments are found by the router's parameters (bot.arguments).
"""

from __future__ import annotations

from bot.context import Context
from bot.errors import Refusal
from bot.markup import esc
from bot.models import Circle, Item
from bot.services.membership import active_circles


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
