"""/update: progress on a commitment, or news for the circle — an item everyone must read."""

from __future__ import annotations

import re

from bot.context import Context
from bot.errors import Refusal
from bot.i18n import N_
from bot.kinds import Confidence
from bot.markup import esc
from bot.reply import Reply
from bot.router import Param, Router, parse_ref
from bot.services.commitments import get_commitment
from bot.services.reporting import CONFIDENCE_WORDS, confidence_of, report

router = Router()

_LEADING_REF = re.compile(r"^(#\S*)\s*(.*)$", re.DOTALL)
# whatever ends the text with a percent sign is a progress, well written or not ("60%", "60 %",
# "(60%).", "-5%", "12.5%", "150%"): the wrong ones are refused, never stored as words
_TRAILING_PERCENT = re.compile(r"(\S*?)\s?%[\s.!)\]]*$")
_WHOLE = re.compile(r"\+?(\d{1,9})")
# "… confidence high", "… confiance : haute", "(confiance moyenne)." at the very end
_TRAILING_CONFIDENCE = re.compile(r"[\s(\[,;–—-]*\b(\w+)\s*:?\s*(\S+?)[\s.!)\]]*$")


def split_confidence(text: str) -> tuple[str, Confidence | None]:
    """ "Room booked 60% confidence high" -> ("Room booked 60%", HIGH); a level not known is refused."""
    found = _TRAILING_CONFIDENCE.search(text)
    if found is None or CONFIDENCE_WORDS.meaning(found.group(1)) is None:
        return text, None
    return text[: found.start()].rstrip(" \t\n([:-–—,;"), confidence_of(found.group(2))


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
    usage=N_("/update [#N] <text> [NN%] [confidence high|medium|low]"),
    summary=N_("report progress on a commitment, or share news with the circle"),
    aliases=("point", "maj"),
    examples=(
        N_("/update #12 Room booked, invitations sent 60% confidence high"),
        N_("/update The town hall confirmed its funding"),
    ),
)
def update(ctx: Context, text: str) -> Reply:
    """Progress on commitment #N (and how confident its owner is), or news for the circle, posted for
    everyone in it to read."""
    commitment = None
    match = _LEADING_REF.match(text)
    if match:
        commitment = get_commitment(ctx.session, ctx.community, parse_ref(match.group(1)))
        text = match.group(2)
    text, confidence = split_confidence(text)
    text, progress = split_progress(text)
    return report(ctx, commitment, text, progress, confidence)
