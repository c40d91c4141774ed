"""/update: progress on a commitment, or news for the circle — an item everyone must read."""

from __future__ import annotations

import re

from bot.context import Context
from bot.errors import Refusal
from bot.i18n import N_
from bot.markup import bold, esc
from bot.presentation import item_post, member_label
from bot.reply import Post, Reply
from bot.router import Param, Router, parse_ref
from bot.services.commitments import get_commitment
from bot.services.updates import post_update

router = Router()

_LEADING_REF = re.compile(r"^(#\S*)\s*(.*)$", re.DOTALL)
_PROGRESS = re.compile(r"(?:^|\s)(\d{1,4})\s?%\s*$")


@router.command(
    "update",
    Param("text", "text"),
    usage=N_("/update [#N] <text> [NN%]"),
    summary=N_("report progress on a commitment, or share news with the circle"),
    aliases=("point", "maj"),
    examples=(N_("/update #12 Room booked, invitations sent 60%"), N_("/update The town hall confirmed its funding")),
)
def update(ctx: Context, text: str) -> Reply:
    commitment = None
    match = _LEADING_REF.match(text)
    if match:
        commitment = get_commitment(ctx.session, ctx.community, parse_ref(match.group(1)))
        text = match.group(2)
    progress = None
    found = _PROGRESS.search(text)
    if found:
        progress = int(found.group(1))
        if progress > 100:
            raise Refusal("Progress goes from 0 to 100 %, not {value} %.", value=progress)
        text = text[: found.start()].strip()
    if progress is not None and commitment is None:
        raise Refusal("A percentage needs a commitment: /update #N <text> {value}%", value=progress)
    if not text.strip():
        raise Refusal("Say what happened, for example: /update #12 Room booked 50%")
    item = post_update(ctx.session, ctx.community, ctx.circle, ctx.actor, text, commitment, progress, ctx.now)
    header = ctx.t("📣 #{number} Update from {author}", number=item.number, author=member_label(ctx.actor))
    if commitment is not None:
        header += " " + ctx.t("on #{ref} {title}", ref=commitment.number, title=bold(esc(commitment.title, 120)))
    if progress is not None:
        header += f" ({progress} %)"
    post = item_post(ctx, item, header)
    confirmation = ctx.t("Update #{number} shared with {circle}.", number=item.number, circle=esc(item.circle.name, 60))
    if progress == 100 and commitment is not None and commitment.status == "open":
        confirmation += " " + ctx.t("Finished? Close it with /done #{ref}.", ref=commitment.number)
    return Reply(posts=(Post(confirmation), post))
