"""/engage, /done, /drop, /reopen, /edit, /show: a member's commitments."""

from __future__ import annotations

from dataclasses import replace

from bot.arguments import one_member
from bot.context import Context
from bot.dates import parse_when
from bot.dispatch import refusal_text
from bot.errors import Refusal
from bot.i18n import N_, Keywords
from bot.kinds import CommitmentStatus
from bot.markup import bold, esc
from bot.presentation import change_line, commitment_line, item_post, member_label, when_label
from bot.reply import Post, Reply
from bot.router import Param, Router
from bot.services import engage as engaging
from bot.services.commitments import (
    check_can_change,
    check_can_give,
    check_future,
    check_note,
    check_open,
    close_commitment,
    get_commitment,
    history,
    reopen_commitment,
    set_due,
    set_owner,
    set_text_field,
)
from bot.services.numbering import find_item
from bot.services.updates import edit_item_text
from commands.common import require_visible
from commands.reads import item_in_full

router = Router()

EDIT_FIELDS = Keywords(
    ("title", "titre"),
    ("due", "échéance", "echeance", "date"),
    ("result", "résultat", "resultat"),
    ("owner", "responsable", "porteur"),
    ("human", "humaines"),
    ("financial", "financières", "financieres"),
    ("material", "matérielles", "materielles"),
    ("immaterial", "immatérielles", "immaterielles"),
    ("text", "texte"),
)


@router.command(
    "engage",
    Param("what", "text"),
    usage=N_("/engage <what> [due date]"),
    summary=N_("commit to an action, with a due date if you like"),
    aliases=("engager", "commit"),
    examples=(N_("/engage Send the minutes to the partners by Friday"), N_("/engage Book the room tomorrow at 2pm")),
)
def engage(ctx: Context, what: str) -> Reply:
    """The commitment saved, with its due date echoed back absolute (or how to add one)."""
    engagement = engaging.engage(ctx, engaging.EngageForm(what=what))
    return Reply(posts=engagement.posts(ctx))


MESSAGES = {
    CommitmentStatus.DONE: N_("🎉 #{number} {title} is done. Thank you!"),
    CommitmentStatus.DROPPED: N_("#{number} {title} is dropped."),
    CommitmentStatus.OPEN: N_("#{number} {title} is open again."),
}


def _close(ctx: Context, numbers: list[int], note: str, status: CommitmentStatus) -> Reply:
    """Close (or reopen) each commitment given ("/done #3 #4 note"): each one that can be is, and every
    other is said, number by number."""
    note = check_note(note)  # a note too long refuses the whole command, before anything is closed
    closed: list[str] = []
    problems: list[str] = []
    for each in dict.fromkeys(numbers):
        try:
            commitment = get_commitment(ctx.session, ctx.community, each)
            if status == CommitmentStatus.OPEN:
                reopen_commitment(ctx.session, commitment, ctx.actor, note, ctx.now)
            else:
                close_commitment(ctx.session, commitment, ctx.actor, status, note, ctx.now)
        except Refusal as refused:
            problems.append(refusal_text(ctx, refused))
            continue
        closed.append(ctx.t(MESSAGES[status], number=each, title=bold(esc(commitment.title))))
    return Reply.say("\n".join(closed + problems), ok=bool(closed))


@router.command(
    "done",
    Param("numbers", "refs"),
    Param("note", "text", required=False),
    usage=N_("/done #N [#M…] [note]"),
    summary=N_("mark a commitment as done"),
    aliases=("fait", "termine", "terminé"),
)
def done(ctx: Context, numbers: list[int], note: str) -> Reply:
    """Commitments #N #M… marked done, each one that can be; why not, for the others."""
    return _close(ctx, numbers, note, CommitmentStatus.DONE)


@router.command(
    "drop",
    Param("numbers", "refs"),
    Param("reason", "text", required=False),
    usage=N_("/drop #N [#M…] [reason]"),
    summary=N_("give up a commitment, saying why"),
    aliases=("abandon", "abandonner"),
)
def drop(ctx: Context, numbers: list[int], reason: str) -> Reply:
    """Commitments #N #M… dropped, with the reason; why not, for the others."""
    return _close(ctx, numbers, reason, CommitmentStatus.DROPPED)


@router.command(
    "reopen",
    Param("numbers", "refs"),
    Param("reason", "text", required=False),
    usage=N_("/reopen #N [#M…] [reason]"),
    summary=N_("open again a commitment done or dropped"),
    aliases=("rouvrir",),
)
def reopen(ctx: Context, numbers: list[int], reason: str) -> Reply:
    """Commitments #N #M… open again, with the reason; why not, for the others."""
    return _close(ctx, numbers, reason, CommitmentStatus.OPEN)


@router.command(
    "edit",
    Param("number", "ref"),
    Param("field", "choice", choices=EDIT_FIELDS),
    Param("value", "text"),
    usage=N_("/edit #N title|due|result|owner|human|financial|material|immaterial|text <value>"),
    summary=N_("change a commitment: title, due date, expected result, owner, resources"),
    aliases=("modifier",),
)
def edit(ctx: Context, number: int, field: str, value: str) -> Reply:
    """A commitment's title, due date, expected result, owner or resources changed (or an item's text)."""
    if field == "text":
        return edit_item(ctx, number, value)
    commitment = get_commitment(ctx.session, ctx.community, number)
    # rights first, as /done, /drop, /reopen: someone who may not change it is not told to reopen it; then,
    # before the value is read, a closed commitment is reopened first, whatever the value
    if field == "owner":
        check_can_give(ctx.actor)
    else:
        check_can_change(ctx.actor, commitment)
    check_open(commitment)
    if field == "due":
        if value.strip().lower() in {"-", "none", "aucune", "aucun"}:
            set_due(ctx.session, commitment, ctx.actor, None, ctx.now)
            return Reply.say(ctx.t("#{number} has no due date any more.", number=number))
        when = parse_when(value, ctx.now, ctx.community.timezone, ctx.language)
        if when is None:
            raise Refusal(
                "I did not understand the date “{words}”. Try for example: 15/12, next Friday, tomorrow 2pm.",
                words=esc(value, 80),
            )
        check_future(when, ctx.now, ctx.tz)
        set_due(ctx.session, commitment, ctx.actor, when, ctx.now)
        return Reply.say(ctx.t("#{number} is now due {when}.", number=number, when=bold(when_label(ctx, when))))
    if field == "owner":
        owner = one_member(ctx, value)
        set_owner(ctx.session, commitment, ctx.actor, owner, ctx.now)
        return Reply.say(ctx.t("#{number} now belongs to {owner}.", number=number, owner=member_label(owner)))
    set_text_field(ctx.session, commitment, ctx.actor, field, value, ctx.now)
    return Reply.say(ctx.t("Updated: {line}", line=commitment_line(ctx, commitment)))


def edit_item(ctx: Context, number: int, text: str) -> Reply:
    """New text for an update, announcement or decision: it is unread again for everyone."""
    item = find_item(ctx.session, ctx.community.id, number)
    if item is None:
        raise Refusal("There is no #{number}. /actions lists the open commitments.", number=number)
    require_visible(ctx, item)
    invalidated = edit_item_text(ctx.session, item, ctx.actor, text, ctx.now)
    public = ctx.public
    header = public.t("✏️ #{number} edited by {author}", number=number, author=member_label(ctx.actor))
    confirmation = ctx.t("#{number} edited.", number=number)
    if invalidated:
        confirmation += " " + ctx.tn(
            "{count} member had confirmed reading it: it is unread again for them.",
            "{count} members had confirmed reading it: it is unread again for them.",
            invalidated,
        )
    return Reply(posts=(Post(confirmation), replace(item_post(public, item, header), edit=True)))


@router.command(
    "show",
    Param("number", "ref"),
    usage=N_("/show #N"),
    summary=N_("a commitment in full with its history, or any item to read in full"),
    aliases=("voir", "detail", "détail"),
)
def show(ctx: Context, number: int) -> Reply:
    """Commitment #N in full with its history, or item #N to read in full."""
    item = find_item(ctx.session, ctx.community.id, number)
    if item is not None and item.must_read:
        return item_in_full(ctx, item)
    commitment = get_commitment(ctx.session, ctx.community, number)
    lines = [commitment_line(ctx, commitment)]
    labels = {
        "expected_result": N_("Expected result"),
        "resources_human": N_("Human resources"),
        "resources_financial": N_("Financial resources"),
        "resources_material": N_("Material resources"),
        "resources_immaterial": N_("Immaterial resources"),
    }
    for column, label in labels.items():
        value = getattr(commitment, column)
        if value:
            lines.append(ctx.t("{label}: {value}", label=ctx.t(label), value=esc(value)))
    lines.append(ctx.t("History:"))
    lines += [change_line(ctx, change) for change in history(ctx.session, commitment)]
    return Reply.say("\n".join(lines))
