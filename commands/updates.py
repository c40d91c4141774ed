"""/update: progress on a commitment, or news for the circle — an item everyone must read."""

from __future__ import annotations

import re

from bot.context import Context
from bot.errors import Refusal
from bot.i18n import N_
from bot.kinds import CommitmentStatus
from bot.markup import bold, esc
from bot.presentation import item_post, member_label, percent
from bot.reply import Post, Reply
from bot.router import Param, Router, parse_ref
from bot.services.commitments import get_commitment
from bot.services.updates import post_update

router = Router()

_LEADING_REF = re.compile(r"^(#\S*)\s*(.*)$", re.DOTALL)
# whatever ends the text with a percent sign is a progress, well written or not ("60%", "60 %",
# "(60%).", "-5%", "12.5%", "150%"): the wrong ones are refused, never stored as words
_TRAILING_PERCENT = re.compile(r"(\S*?)\s?%[\s.!)\]]*$")
_WHOLE = re.compile(r"\+?(\d{1,9})")


def split_progress(text: str) -> tuple[str, int | None]:
    """ "Room booked 60%" -> ("Room booked", 60). Refuses a progress that is not a whole number from 0 to 100."""
    found = _TRAILING_PERCENT.search(text)
    written = found.group(1).lstrip("([:") if found else ""
    if found is None or not any(character.isdigit() for character in written):
        return text, None
    whole = _WHOLE.fullmatch(written)
    if whole is None:
        shown = esc(written.replace("−", "-").replace("–", "-"), 20)
        if re.fullmatch(r"-\d+", shown):
            raise Refusal("Progress goes from 0 to 100%, not {value}%. Nothing was saved.", value=shown)
        raise Refusal(
            "Progress is a whole number from 0 to 100, like 60%, not {value}%. Nothing was saved.", value=shown
        )
    progress = int(whole.group(1))
    if progress > 100:
        raise Refusal("Progress goes from 0 to 100%, not {value}%. Nothing was saved.", value=progress)
    return text[: found.start()].rstrip(" \t\n([:-–—,;"), progress


@router.command(
    "update",
    Param("text", "text"),
    usage=N_("/update [#N] <text> [NN%]"),
    summary=N_("report progress on a commitment, or share news with the circle"),
    aliases=("point", "maj"),
    examples=(N_("/update #12 Room booked, invitations sent 60%"), N_("/update The town hall confirmed its funding")),
)
def update(ctx: Context, text: str) -> Reply:
    """Progress on commitment #N, or news for the circle, posted for everyone in it to read."""
    commitment = None
    match = _LEADING_REF.match(text)
    if match:
        commitment = get_commitment(ctx.session, ctx.community, parse_ref(match.group(1)))
        text = match.group(2)
    text, progress = split_progress(text)
    if progress is not None and commitment is None:
        raise Refusal("A percentage needs a commitment: /update #N <text> {value}%", value=progress)
    if not text.strip():
        raise Refusal("Say what happened, for example: /update #12 Room booked 50%")
    old = commitment.progress if commitment is not None else None
    item = post_update(ctx.session, ctx.community, ctx.circle, ctx.actor, text, commitment, progress, ctx.now)
    public = ctx.public
    header = public.t("📣 #{number} Update from {author}", number=item.number, author=member_label(ctx.actor))
    if commitment is not None:
        header += " " + public.t("on #{ref} {title}", ref=commitment.number, title=bold(esc(commitment.title, 120)))
    if progress is not None:
        header += f" ({percent(public, progress)})"
    post = item_post(public, item, header)
    confirmation = ctx.t("Update #{number} shared with {circle}.", number=item.number, circle=esc(item.circle.name, 60))
    if commitment is not None and progress is not None:
        confirmation += " " + ctx.t(
            "Progress of #{ref}: {old} → {new}.",
            ref=commitment.number,
            old=percent(ctx, old) if old is not None else "—",
            new=percent(ctx, progress),
        )
    if progress == 100 and commitment is not None and commitment.status == CommitmentStatus.OPEN:
        confirmation += " " + ctx.t("Finished? Close it with /done #{ref}.", ref=commitment.number)
    return Reply(posts=(Post(confirmation), post))
