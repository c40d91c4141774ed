"""/map and /unmap: a facilitator links the room they type in to a circle, or unlinks it."""

from __future__ import annotations

from bot.context import Context
from bot.errors import Refusal
from bot.i18n import N_
from bot.markup import esc
from bot.reply import Reply
from bot.router import Param, Router
from bot.services.community import ensure_circle, map_channel
from bot.services.membership import mapped_circle, unlink_channel

router = Router()


def _room(ctx: Context) -> str:
    channel = ctx.incoming.channel
    if not channel or ctx.incoming.direct:
        raise Refusal("Type this in the room or channel to link, not in a direct chat.")
    return channel


@router.command(
    "map",
    Param("circle", "text"),
    usage=N_("/map <circle>"),
    summary=N_("facilitator: link this room or channel to a circle (created if new); its members join the circle"),
    aliases=("relier", "rattacher"),
    examples=(N_("/map COPIL"),),
    facilitator=True,
)
def map_room(ctx: Context, circle: str) -> Reply:
    """This room linked to the circle named (created if new); its members join the circle."""
    channel = _room(ctx)
    name = circle.strip().lstrip("#").strip()
    if not name:
        raise Refusal("Which circle? For example: /map COPIL")
    target = ensure_circle(ctx.session, ctx.community, name[:200])
    current = mapped_circle(ctx.session, channel)
    if current is not None and current.id == target.id:
        return Reply.say(ctx.t("This room is already linked to {circle}.", circle=esc(target.name, 60)))
    if current is not None:
        unlink_channel(ctx.session, channel, ctx.now)
    map_channel(ctx.session, target, channel)
    text = ctx.t(
        "This room is now linked to {circle}: everyone in it is a member of the circle and will be asked to read "
        "what is posted there.",
        circle=esc(target.name, 60),
    )
    return Reply(posts=Reply.say(text).posts, resync=(channel,))


@router.command(
    "unmap",
    usage=N_("/unmap"),
    summary=N_("facilitator: this room or channel no longer belongs to its circle"),
    aliases=("délier", "delier", "détacher", "detacher"),
    facilitator=True,
)
def unmap_room(ctx: Context) -> Reply:
    """This room unlinked from its circle; how many members left the circle with it."""
    channel = _room(ctx)
    current = mapped_circle(ctx.session, channel)
    if current is None:
        raise Refusal("This room is not linked to any circle.")
    changes = unlink_channel(ctx.session, channel, ctx.now)
    return Reply.say(
        ctx.tn(
            "This room no longer belongs to {circle}; {count} member left the circle.",
            "This room no longer belongs to {circle}; {count} members left the circle.",
            len(changes.left),
            circle=esc(current.name, 60),
        )
    )
