"""A commitment's own forms (Slack's ✍️ Update and 📅 Postpone, opened from a button beside it): who may
open them, and their submissions checked and saved as /update #N and /edit #N due would.

The same rights as the commands (README, "Who belongs, and who may do what"): a stranger, someone of
another circle, a partner on someone else's commitment get the refusal the command would give, written
as their answer, and nothing changes. A submission that is wrong comes back field by field (plain
text, the member's language) and saves nothing; a submission delivered twice is saved once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time

from bot.context import Context
from bot.dates import When
from bot.dedup import first_time
from bot.dispatch import UNLINKED, Dispatcher, NotAdmitted, refusal_text
from bot.errors import Refusal
from bot.i18n import translator
from bot.kinds import CommitmentStatus
from bot.markup import bold, esc
from bot.outbox import enqueue_post, enqueue_reply
from bot.presentation import when_label
from bot.reply import Incoming, Post, Reply
from bot.services.commitments import check_can_change, check_future, check_open, get_commitment, set_due
from bot.services.form_submission import submit_as_member
from bot.services.reporting import confidence_of, report
from bot.services.updates import check_report

TEXT, PROGRESS, CONFIDENCE, DAY, REASON = "text", "progress", "confidence", "day", "reason"
UPDATE, POSTPONE = "update", "postpone"


@dataclass(frozen=True)
class Opened:
    """What a commitment's form shows: in the member's language, its number, title, progress, due day."""

    language: str
    number: int
    title: str
    progress: int | None
    due_day: str | None  # YYYY-MM-DD in the community's zone (a date picker's initial date)


class FieldRefusal(Refusal):
    """A refusal shown beside one field of the form."""

    def __init__(self, field: str, refusal: Refusal) -> None:
        super().__init__(refusal.message, **refusal.values)
        self.field = field


def open_form(dispatcher: Dispatcher, incoming: Incoming, number: int, kind: str) -> Opened | None:
    """The commitment whose `kind` form (UPDATE, POSTPONE) the member may open; None when they may not:
    the refusal is then written as the answer to `incoming` (once per click: its event id), and nothing else
    changes."""
    with dispatcher.store.unit_of_work() as session:
        try:
            ctx = dispatcher.context_for(session, incoming)
        except NotAdmitted as refused:
            text = translator(dispatcher.language_of(incoming, session)).t(refused.message)
        else:
            try:
                if ctx.unlinked:
                    raise Refusal(UNLINKED)
                commitment = get_commitment(session, ctx.community, number)
                if kind == POSTPONE:
                    check_can_change(ctx.actor, commitment)
                    check_open(commitment)
                else:  # news about a done or dropped commitment is shared too (bot.services.reporting)
                    check_report(ctx.actor, commitment, None, None)
                progress = commitment.progress if commitment.status == CommitmentStatus.OPEN else None
                due = commitment.due_at.astimezone(ctx.tz).date().isoformat() if commitment.due_at else None
                return Opened(ctx.language, number, commitment.title, progress, due)
            except Refusal as refused:
                text = refusal_text(ctx, refused)
        source = incoming.identity.split(":", 1)[0]  # the click's refusal said once (run again: not twice)
        if incoming.event_id is None or first_time(session, source, incoming.event_id, dispatcher.clock):
            enqueue_post(session, Post(text), dispatcher.clock.now(), incoming)
    return None


def submit_update(
    dispatcher: Dispatcher, incoming: Incoming, number: int, text: str, progress: str = "", confidence: str = ""
) -> dict[str, str]:
    """The ✍️ Update form: /update #N <text> [NN%] [confidence …], its values given apart (as typed)."""

    def work(ctx: Context) -> Reply:
        commitment = get_commitment(ctx.session, ctx.community, number)
        level = None
        if confidence.strip():
            try:
                level = confidence_of(confidence)
            except Refusal as refused:
                raise FieldRefusal(CONFIDENCE, refused) from None
        return report(ctx, commitment, text, _progress(progress), level)

    return _submit(dispatcher, incoming, TEXT, work)


def _progress(written: str) -> int | None:
    """The form's progress: empty, or a whole number from 0 to 100."""
    written = written.strip()
    if not written:
        return None
    if not written.isdigit():
        raise FieldRefusal(
            PROGRESS,
            Refusal(
                "Progress is a whole number from 0 to 100, like 60%, not {value}%. Nothing was saved.",
                value=esc(written, 20),
            ),
        )
    if int(written) > 100:
        raise FieldRefusal(
            PROGRESS, Refusal("Progress goes from 0 to 100%, not {value}%. Nothing was saved.", value=int(written))
        )
    return int(written)


def submit_postpone(
    dispatcher: Dispatcher, incoming: Incoming, number: int, day: str | None, reason: str
) -> dict[str, str]:
    """The 📅 Postpone form: /edit #N due <day>, the reason kept in the commitment's history."""

    def work(ctx: Context) -> Reply:
        commitment = get_commitment(ctx.session, ctx.community, number)
        check_can_change(ctx.actor, commitment)
        try:
            picked = date.fromisoformat(day or "")
        except ValueError:
            raise FieldRefusal(DAY, Refusal("Pick the new due day.")) from None
        when = When(datetime.combine(picked, time(0), ctx.tz), has_time=False)
        try:
            check_future(when, ctx.now, ctx.tz)
        except Refusal as refused:
            raise FieldRefusal(DAY, refused) from None
        try:
            set_due(ctx.session, commitment, ctx.actor, when, ctx.now, reason)
        except Refusal as refused:
            raise FieldRefusal(REASON, refused) from None
        return Reply.say(ctx.t("#{number} is now due {when}.", number=number, when=bold(when_label(ctx, when))))

    return _submit(dispatcher, incoming, DAY, work)


def _submit(dispatcher: Dispatcher, incoming: Incoming, field: str, work: Callable[[Context], Reply]) -> dict[str, str]:
    """Run `work` as the member's own command, its answer written to the outbox (bot.services.form_submission)."""

    def answered(ctx: Context) -> None:
        enqueue_reply(ctx.session, work(ctx), ctx.now, incoming)

    return submit_as_member(dispatcher, incoming, field, answered)
