"""Committing to an action: /engage and its form (Slack's modal) read, check, save and confirm alike.

The words say what the member commits to, with a due date in them if they like ("… by Friday").
The form may also give a due date written or picked apart, another circle, the expected result
and the resources mobilised. Nothing is saved until every field is right; each wrong field gets
its own reason, in the member's language. Dates are echoed back absolute in the confirmation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import select

from bot.context import Context
from bot.dates import When, parse_when, split_due
from bot.db import store_of
from bot.dispatch import Dispatcher, NotAdmitted, refusal_text
from bot.errors import Refusal
from bot.i18n import N_
from bot.markup import bold, esc, to_plain
from bot.models import Circle, Commitment, Member
from bot.outbox import enqueue_post, reach_on
from bot.presentation import FixedLocaliser, Localiser, member_label, when_label
from bot.reply import Incoming, Post
from bot.services.commitments import check_future, check_note, check_title, create_commitment, set_text_field
from bot.services.form_submission import Rejected, submit_as_member
from bot.services.membership import active_circles, find_by_identity
from bot.spelling import spellings_of

WHAT, DUE_TEXT, DUE_DATE, CIRCLE, RESULT, OWNER = "what", "due_text", "due_date", "circle", "result", "owner"
RESOURCES = ("human", "financial", "material", "immaterial")
NOTES = (RESULT, *RESOURCES)
MAX_NOTE = 2000
NOT_UNDERSTOOD = N_("I did not understand the date “{words}”. Try for example: 15/12, next Friday, tomorrow 2pm.")


@dataclass(frozen=True)
class EngageForm:
    """What a member commits to. /engage gives only `what`; the form may give every field."""

    what: str = ""
    due_text: str = ""
    due_date: str | None = None  # YYYY-MM-DD (a date picker)
    circle_id: int | None = None
    result: str = ""
    human: str = ""
    financial: str = ""
    material: str = ""
    immaterial: str = ""
    owner: str | None = None  # the owner's platform identity (the form); None: whoever commits


class Invalid(Refusal):
    """Some fields are wrong (field -> its refusal) and nothing was saved; as a refusal, the first reason."""

    def __init__(self, errors: dict[str, Refusal]) -> None:
        first = next(iter(errors.values()))
        super().__init__(first.message, **first.values)
        self.errors = errors


@dataclass(frozen=True)
class Engagement:
    """A commitment just saved: in which circle, due when (or which date words were not understood)."""

    commitment: Commitment
    circle: Circle
    when: When | None
    not_understood: str | None = None  # date words of the title that were not understood: saved without due date
    for_someone: bool = False  # a facilitator committed another member (the form's owner)

    def confirmation(self, ctx: Localiser) -> str:
        """`✅ Commitment #N saved: title (circle).` and the due date, absolute, or how to add one."""
        number = self.commitment.number
        lines = [
            ctx.t(
                "✅ Commitment #{number} saved: {title} ({circle}).",
                number=number,
                title=bold(esc(self.commitment.title)),
                circle=esc(self.circle.name, 60),
            )
        ]
        if self.for_someone:
            lines.append(ctx.t("Owner: {owner}.", owner=member_label(self.commitment.owner)))
        if self.when is not None:
            lines.append(ctx.t("Due: {when}.", when=bold(when_label(ctx, self.when))))
        elif self.not_understood:
            lines.append(
                ctx.t(
                    "I did not understand the date “{words}”: the commitment is saved without a due date. "
                    "Set it with /edit #{number} due <date>.",
                    words=esc(self.not_understood, 80),
                    number=number,
                )
            )
        else:
            lines.append(ctx.t("No due date. Add one with /edit #{number} due <date>.", number=number))
        return "\n".join(lines)

    def posts(self, ctx: Context) -> tuple[Post, ...]:
        """The confirmation, for the member: it lists their new commitment (buttons where the platform can).
        Committed by a facilitator, its owner is told privately, in their language, with its buttons."""
        number = self.commitment.number
        if not self.for_someone:
            return (Post(self.confirmation(ctx), commitments=(number,)),)
        owner = self.commitment.owner
        where = reach_on(ctx.session, owner.id)  # the platform the message goes to: commands as typed there
        store = store_of(ctx.session)
        spellings = spellings_of(store.extensions) if store is not None else None
        commands = spellings.on(where[0]) if spellings is not None and where else None
        loc = FixedLocaliser(owner.language or ctx.community.language, ctx.tz, ctx.now, commands)
        told = Engagement(self.commitment, self.circle, self.when)
        text = loc.t("{name} committed you to:", name=member_label(ctx.actor)) + "\n" + told.confirmation(loc)
        return Post(self.confirmation(ctx)), Post(text, "direct", member_id=owner.id, commitments=(number,))


def engage(ctx: Context, form: EngageForm, strict: bool = False) -> Engagement:
    """Save the commitment `form` describes, owned by the actor, in ctx.circle unless it names another.

    Raises Invalid, saving nothing, when a field is wrong (see `checked`). Date words of the title
    that are not understood are wrong with `strict` (the form, fixed at once); else (the command)
    the commitment is saved without a due date and the confirmation says so.
    """
    title, when, unclear, circle = checked(ctx, form, strict)
    owner = _owner(ctx, form.owner)
    commitment = create_commitment(ctx.session, ctx.community, circle, owner, title, when, ctx.now)
    commitment.command_event = command_message(ctx.incoming)  # an edit of that message changes it
    for field in NOTES:
        value = getattr(form, field).strip()
        if value:
            set_text_field(ctx.session, commitment, ctx.actor, field, value, ctx.now)
    return Engagement(commitment, circle, when, unclear, owner.id != ctx.actor.id)


def _owner(ctx: Context, identity: str | None) -> Member:
    """The form's owner: whoever commits, or (a facilitator choosing) another member of the community."""
    owner = find_by_identity(ctx.session, identity) if identity else None
    if owner is None or owner.id == ctx.actor.id:
        return ctx.actor
    return owner


def checked(ctx: Context, form: EngageForm, strict: bool = False) -> tuple[str, When | None, str | None, Circle]:
    """The title, due date, date words not understood and circle `form` gives, all checked.

    Raises Invalid when a field is wrong: a due date not understood (with `strict`), two different
    dates, a date in the past, a title empty or too long, a circle gone, a note too long.
    """
    errors: dict[str, Refusal] = {}
    title, in_title, unclear = _title_and_date(ctx, form.what, strict, errors)
    found = _due_dates(ctx, form, in_title, errors)
    when = found[0][1] if found else None
    if when is not None and not errors:  # the dates are right: is the one kept in the future?
        try:
            check_future(when, ctx.now, ctx.tz)
        except Refusal as error:
            errors[found[0][0]] = error
    if WHAT not in errors:
        try:
            title = check_title(title)
        except Refusal as error:
            errors[WHAT] = error
    circle = _circle(ctx, form.circle_id, errors)
    _check_owner(ctx, form.owner, errors)
    for field in NOTES:
        try:
            check_note(getattr(form, field), MAX_NOTE)
        except Refusal as error:
            errors[field] = error
    if errors:
        raise Invalid(errors)
    return title, when, unclear, circle


def command_message(incoming: Incoming) -> str | None:
    """The platform message a command came in (`matrix:$event`), when the platform names it."""
    if not incoming.event_id:
        return None
    return f"{incoming.identity.split(':', 1)[0]}:{incoming.event_id}"[:300]


def _title_and_date(
    ctx: Context, what: str, strict: bool, errors: dict[str, Refusal]
) -> tuple[str, When | None, str | None]:
    """The title, the due date found in its words, and date words not understood (when not `strict`)."""
    if not what.strip():
        return what, None, None
    split = split_due(what, ctx.now, ctx.community.timezone, ctx.language)
    if split.when is not None or not split.not_understood:
        return split.title, split.when, None
    if strict:
        errors[WHAT] = Refusal(NOT_UNDERSTOOD, words=esc(split.not_understood, 80))
        return what, None, None
    return split.title, None, split.not_understood


def _due_dates(
    ctx: Context, form: EngageForm, in_title: When | None, errors: dict[str, Refusal]
) -> list[tuple[str, When]]:
    """Every due date given (field, date), the one to keep first; two different days are wrong."""
    written = None
    if form.due_text.strip():
        written = parse_when(form.due_text, ctx.now, ctx.community.timezone, ctx.language)
        if written is None:
            errors[DUE_TEXT] = Refusal(NOT_UNDERSTOOD, words=esc(form.due_text, 80))
    picked = None
    if form.due_date:
        try:
            picked = When(datetime.combine(date.fromisoformat(form.due_date), time(0), ctx.tz), has_time=False)
        except ValueError:
            errors[DUE_DATE] = Refusal(NOT_UNDERSTOOD, words=esc(form.due_date, 80))
    found = [(field, value) for field, value in ((DUE_TEXT, written), (DUE_DATE, picked), (WHAT, in_title)) if value]
    if len({value.at.astimezone(ctx.tz).date() for _, value in found}) > 1:
        (_, first), (second_field, second) = found[0], found[1]
        errors[second_field] = Refusal(
            "Two different dates: {first} and {second}. Keep only one.",
            first=when_label(ctx, first),
            second=when_label(ctx, second),
        )
    return found


def _check_owner(ctx: Context, identity: str | None, errors: dict[str, Refusal]) -> None:
    """Someone other than who commits: a member of the community, chosen by a facilitator (the rights of
    /edit #N owner)."""
    if not identity or identity == ctx.incoming.identity:
        return
    owner = find_by_identity(ctx.session, identity)
    if owner is not None and owner.id == ctx.actor.id:
        return
    if not ctx.actor.is_facilitator:
        errors[OWNER] = Refusal("Only a facilitator can commit someone else: choose yourself, or ask them.")
    elif owner is None or not (owner.is_facilitator or active_circles(ctx.session, owner.id)):
        errors[OWNER] = Refusal("This person is in none of the community's circles: choose a member.")


def _circle(ctx: Context, circle_id: int | None, errors: dict[str, Refusal]) -> Circle:
    """The circle chosen in the form (one of the community's), else the context's."""
    if circle_id is None:
        return ctx.circle
    chosen = ctx.session.get(Circle, circle_id)
    if chosen is None or chosen.community_id != ctx.community.id:
        errors[CIRCLE] = Refusal("This circle does not exist any more; choose another one.")
        return ctx.circle
    return chosen


# ---------------------------------------------------------------------- the form, for adapters


@dataclass(frozen=True)
class FormChoices:
    """What the form offers the member: their language, the circles (id, name), the one preselected."""

    language: str
    circles: list[tuple[int, str]]
    circle_id: int
    facilitator: bool = False  # may choose another owner


def form_choices(dispatcher: Dispatcher, incoming: Incoming) -> FormChoices | None:
    """The form for a member where `incoming` comes from; None when it must not open (a stranger, or
    a channel linked to no circle: the dispatcher then answers the command with the reason)."""
    with dispatcher.store.unit_of_work() as session:
        try:
            ctx = dispatcher.context_for(session, incoming)
        except NotAdmitted:
            return None
        if ctx.unlinked:
            return None
        circles = session.scalars(
            select(Circle).where(Circle.community_id == ctx.community.id).order_by(Circle.name)
        ).all()
        choices = [(circle.id, circle.name) for circle in circles]
        return FormChoices(ctx.language, choices, ctx.circle.id, ctx.actor.is_facilitator)


def submit_form(dispatcher: Dispatcher, form: EngageForm, incoming: Incoming) -> dict[str, str]:
    """Save the form's commitment and write its confirmation to the outbox (a reply to `incoming`).

    Returns {field: reason, in plain text} when nothing was saved, {} when saved or already saved
    (the same submission delivered twice). Someone who may no longer use Relais there (they left
    every circle, the channel was unlinked since the form opened) gets the reason on `what`.
    """

    def save(ctx: Context) -> None:
        try:
            engagement = engage(ctx, form, strict=True)
        except Invalid as invalid:
            errors = {field: to_plain(refusal_text(ctx, error)) for field, error in invalid.errors.items()}
            raise Rejected(errors) from invalid
        for post in engagement.posts(ctx):
            enqueue_post(ctx.session, post, ctx.now, ctx.incoming)

    return submit_as_member(dispatcher, incoming, WHAT, save)
