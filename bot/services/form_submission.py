"""A form submitted in a chat app, run as its member's own command: once (the submission's event id),
by someone Relais admits there, in one unit of work that saves everything or nothing.

Answers {} when saved (or already saved: the same submission delivered twice), else {field: reason in
plain text} and nothing saved. Used by the /engage form and the Update / Postpone forms.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.context import Context
from bot.dedup import first_time
from bot.dispatch import UNLINKED, Dispatcher, NotAdmitted, refusal_text
from bot.errors import Refusal
from bot.i18n import translator
from bot.markup import to_plain
from bot.reply import Incoming


class Rejected(Exception):
    """Raised inside the unit of work: every field's reason; everything is rolled back."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("form rejected")
        self.errors = errors


def submit_as_member(
    dispatcher: Dispatcher, incoming: Incoming, field: str, work: Callable[[Context], None]
) -> dict[str, str]:
    """Run `work` (which writes its answer to the outbox) as the member's command; a refusal goes on
    its own field when it names one (`refused.field`), else on `field`."""
    try:
        with dispatcher.store.unit_of_work() as session:
            source = incoming.identity.split(":", 1)[0]
            if incoming.event_id and not first_time(session, source, incoming.event_id, dispatcher.clock):
                return {}
            ctx = dispatcher.context_for(session, incoming)
            if ctx.unlinked:
                raise Rejected({field: to_plain(ctx.t(UNLINKED))})
            try:
                work(ctx)
            except Refusal as refused:
                raise Rejected({getattr(refused, "field", field): to_plain(refusal_text(ctx, refused))}) from refused
            return {}
    except Rejected as rejected:
        return rejected.errors
    except NotAdmitted as refused:
        return {field: to_plain(translator(dispatcher.language_of(incoming)).t(refused.message, **refused.values))}
