"""The /engage modal against the store: what to show, and a submission checked then saved.

Dates are read as the console reads them (bot.dates.split_due on the text, parse_when on the
date field); everything is saved through the same services as /engage and /edit. Errors come
back per field, in the member's language, and nothing is saved until every field is right.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import select

from adapters.slack.engage_form import CIRCLE, DUE_DATE, DUE_TEXT, RESOURCES, RESULT, WHAT, EngageForm
from bot.context import Context
from bot.dates import When, parse_when, split_due
from bot.dedup import first_time
from bot.dispatch import UNLINKED, Dispatcher, NotAdmitted, refusal_text
from bot.errors import Refusal
from bot.formatting import when_label
from bot.i18n import translator
from bot.markup import bold, esc, to_plain
from bot.models import Circle
from bot.outbox import enqueue_post
from bot.reply import Incoming, Post
from bot.services.commitments import check_future, check_note, check_title, create_commitment, set_text_field

SOURCE = "slack"


@dataclass(frozen=True)
class FormContext:
    language: str
    circles: list[tuple[int, str]]
    circle_id: int


class Invalid(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("invalid form")
        self.errors = errors


def form_context(dispatcher: Dispatcher, incoming: Incoming) -> FormContext | None:
    """The member's language, the circles, and the circle of the channel the command came from.

    None when the modal must not open: a stranger, or a channel linked to no circle (the
    dispatcher then answers the command with the reason).
    """
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
        return FormContext(ctx.language, [(circle.id, circle.name) for circle in circles], ctx.circle.id)


def submit(dispatcher: Dispatcher, form: EngageForm, incoming: Incoming) -> dict[str, str]:
    """Save the commitment; returns {block_id: error} (nothing saved) or {} (saved, or a repeat).

    Someone who may no longer use Relais there (they left every circle, the channel was unlinked
    since the modal opened) gets the reason on the first field, and nothing is saved.
    """
    try:
        with dispatcher.store.unit_of_work() as session:
            if incoming.event_id and not first_time(session, SOURCE, incoming.event_id, dispatcher.clock):
                return {}
            ctx = dispatcher.context_for(session, incoming)
            if ctx.unlinked:
                raise Invalid({WHAT: to_plain(ctx.t(UNLINKED))})
            title, when, circle = check(ctx, form)
            save(ctx, form, title, when, circle)
            return {}
    except Invalid as invalid:
        return invalid.errors
    except NotAdmitted as refused:
        language = incoming.language if incoming.language in ("fr", "en") else dispatcher.config.language
        return {WHAT: to_plain(translator(language).t(refused.message, **refused.values))}


def _refusal(ctx: Context, error: Refusal) -> str:
    return to_plain(refusal_text(ctx, error))


def _not_understood(ctx: Context, words: str) -> str:
    return to_plain(
        ctx.t(
            "I did not understand the date “{words}”. Try for example: 15/12, next Friday, tomorrow 2pm.",
            words=esc(words, 80),
        )
    )


def check(ctx: Context, form: EngageForm) -> tuple[str, When | None, Circle]:
    """Every field checked; raises Invalid with one message per wrong field."""
    errors: dict[str, str] = {}
    tz_name = ctx.community.timezone
    title, in_title = form.what, None
    split = split_due(form.what, ctx.now, tz_name, ctx.language) if form.what.strip() else None
    if split is not None and split.when is not None:
        title, in_title = split.title, split.when
    elif split is not None and split.not_understood:
        errors[WHAT] = _not_understood(ctx, split.not_understood)
    if WHAT not in errors:
        try:
            title = check_title(title)
        except Refusal as error:
            errors[WHAT] = _refusal(ctx, error)
    written = None
    if form.due_text.strip():
        written = parse_when(form.due_text, ctx.now, tz_name, ctx.language)
        if written is None:
            errors[DUE_TEXT] = _not_understood(ctx, form.due_text)
    picked = None
    if form.due_date:
        try:
            picked = When(datetime.combine(date.fromisoformat(form.due_date), time(0), ctx.tz), has_time=False)
        except ValueError:
            errors[DUE_DATE] = _not_understood(ctx, form.due_date)
    found = [(block, value) for block, value in ((DUE_TEXT, written), (DUE_DATE, picked), (WHAT, in_title)) if value]
    days = {value.at.astimezone(ctx.tz).date() for _, value in found}
    if len(days) > 1:
        first, second = found[0], found[1]
        errors[second[0]] = to_plain(
            ctx.t(
                "Two different dates: {first} and {second}. Keep only one.",
                first=when_label(ctx, first[1]),
                second=when_label(ctx, second[1]),
            )
        )
    when = found[0][1] if found else None
    if when is not None and not errors:
        try:
            check_future(when, ctx.now, ctx.tz)
        except Refusal as error:
            errors[found[0][0]] = _refusal(ctx, error)
    circle = ctx.circle
    if form.circle_id is not None:
        chosen = ctx.session.get(Circle, form.circle_id)
        if chosen is None or chosen.community_id != ctx.community.id:
            errors[CIRCLE] = to_plain(ctx.t("This circle does not exist any more; choose another one."))
        else:
            circle = chosen
    for block in (RESULT, *RESOURCES):
        try:
            check_note(getattr(form, block), 2000)
        except Refusal as error:
            errors[block] = _refusal(ctx, error)
    if errors:
        raise Invalid(errors)
    return title, when, circle


def save(ctx: Context, form: EngageForm, title: str, when: When | None, circle: Circle) -> None:
    commitment = create_commitment(ctx.session, ctx.community, circle, ctx.actor, title, when, ctx.now)
    for field in (RESULT, *RESOURCES):
        value = getattr(form, field).strip()
        if value:
            set_text_field(ctx.session, commitment, ctx.actor, field, value, ctx.now)
    number = commitment.number
    lines = [
        ctx.t(
            "✅ Commitment #{number} saved: {title} ({circle}).",
            number=number,
            title=bold(esc(commitment.title)),
            circle=esc(circle.name, 60),
        )
    ]
    if when is not None:
        lines.append(ctx.t("Due: {when}.", when=bold(when_label(ctx, when))))
    else:
        lines.append(ctx.t("No due date. Add one with /edit #{number} due <date>.", number=number))
    enqueue_post(ctx.session, Post("\n".join(lines)), ctx.now, ctx.incoming)
