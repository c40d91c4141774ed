"""Reporting on a commitment or sharing news: what /update and Slack's ✍️ Update form both do.

`report` saves the update (bot.services.updates.post_update: same rights) and returns the member's
confirmation and the post the circle reads. The words a member types are read by commands/updates.py
("… 60% confidence high"); the form gives the same values already apart.
"""

from __future__ import annotations

from bot.context import Context
from bot.errors import Refusal
from bot.i18n import N_, Keywords
from bot.kinds import CommitmentStatus, Confidence
from bot.markup import bold, esc
from bot.models import Commitment
from bot.presentation import confidence_label, item_post, member_label, percent
from bot.reply import Post, Reply
from bot.services.commitments import STATE_NAMES
from bot.services.updates import post_update

CONFIDENCE = Keywords(
    ("high", "haute", "élevée", "elevee", "forte", "bonne"),
    ("medium", "moyenne", "moyen"),
    ("low", "basse", "faible"),
)
CONFIDENCE_WORDS = Keywords(("confidence", "confiance"))
NO_TEXT = N_("Say what happened, for example: /update #12 Room booked 50%")


def confidence_of(word: str) -> Confidence:
    """ "haute", "High", "low" -> the Confidence; a Refusal naming the words for anything else."""
    meaning = CONFIDENCE.meaning(word.strip(" .!:;,"))
    if meaning is None:
        raise Refusal(
            "The confidence is one of: {choices} (not “{value}”). Nothing was saved.",
            choices=CONFIDENCE,
            value=esc(word, 20),
        )
    return Confidence(meaning)


def report(
    ctx: Context,
    commitment: Commitment | None,
    text: str,
    progress: int | None = None,
    confidence: Confidence | None = None,
) -> Reply:
    """Progress on `commitment` (or news for the circle) saved and posted for everyone in it to read."""
    if progress is not None and commitment is None:
        raise Refusal("A percentage needs a commitment: /update #N <text> {value}%", value=progress)
    if confidence is not None and commitment is None:
        raise Refusal("A confidence needs a commitment: /update #N <text> confidence high")
    if not text.strip():
        raise Refusal(NO_TEXT)
    old = commitment.progress if commitment is not None else None
    item = post_update(
        ctx.session, ctx.community, ctx.circle, ctx.actor, text, commitment, progress, ctx.now, confidence
    )
    kept = closed_kept(ctx, commitment, progress, confidence)
    if kept:  # not applied (see post_update): neither shown to the circle nor confirmed
        progress = confidence = None
    public = ctx.public
    header = public.t("📣 #{number} Update from {author}", number=item.number, author=member_label(ctx.actor))
    if commitment is not None:
        header += " " + public.t("on #{ref} {title}", ref=commitment.number, title=bold(esc(commitment.title, 120)))
    said = [percent(public, progress)] if progress is not None else []
    if confidence is not None:
        said.append(public.t("confidence: {level}", level=confidence_label(public, confidence)))
    if said:
        header += f" ({', '.join(said)})"
    post = item_post(public, item, header)
    confirmation = ctx.t("Update #{number} shared with {circle}.", number=item.number, circle=esc(item.circle.name, 60))
    if commitment is not None and progress is not None:
        confirmation += " " + ctx.t(
            "Progress of #{ref}: {old} → {new}.",
            ref=commitment.number,
            old=percent(ctx, old) if old is not None else "—",
            new=percent(ctx, progress),
        )
    if commitment is not None and confidence is not None:
        confirmation += " " + ctx.t("Confidence: {level}.", level=confidence_label(ctx, confidence))
    if progress == 100 and commitment is not None and commitment.status == CommitmentStatus.OPEN:
        confirmation += " " + ctx.t("Finished? Close it with /done #{ref}.", ref=commitment.number)
    if kept:
        confirmation += " " + kept
    return Reply(posts=(Post(confirmation), post))


def closed_kept(
    ctx: Context, commitment: Commitment | None, progress: int | None, confidence: Confidence | None
) -> str:
    """What a closed commitment keeps of a progress or confidence given with news about it (the news is shared,
    they are not applied), said plainly with how to reopen it; empty when nothing was given or it is open."""
    if commitment is None or commitment.status == CommitmentStatus.OPEN or (progress is None and confidence is None):
        return ""
    values = {"ref": commitment.number, "state": ctx.t(STATE_NAMES[commitment.status])}
    said = []
    if progress is not None and commitment.progress is not None:
        said.append(
            ctx.t(
                "#{ref} is {state}: its progress stays at {progress}.",
                progress=percent(ctx, commitment.progress),
                **values,
            )
        )
    elif progress is not None:
        said.append(ctx.t("#{ref} is {state}: it still has no progress.", **values))
    if confidence is not None and said:
        said.append(ctx.t("The confidence given is not recorded either."))
    elif confidence is not None:
        said.append(ctx.t("#{ref} is {state}: the confidence given is not recorded.", **values))
    said.append(ctx.t("To reopen it: /reopen #{ref}.", ref=commitment.number))
    return " ".join(said)
