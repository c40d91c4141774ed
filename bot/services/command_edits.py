"""A command edited after it was sent (a Matrix `m.replace` of `!engage …`): understood, never run twice.

Relais finds the command an edit changes through its answers: the outbox rows that reply to it
(`reply_to`, written by the dispatcher). No answer there: the edited message was not a command
Relais answered (ordinary chat), and the edit is ignored; so is an edit by anyone but the command's
author, or by someone who may no longer use Relais there.

* an edited `/engage` within WINDOW of the command changes the commitment it created
  (`Commitment.command_event`): its title and due date become what the edited words say, read as
  /engage reads them (dates understood the same way, in the future, echoed back), and Relais edits
  its own confirmation in place where the platform can (EDITS_IN_PLACE), else answers anew. Never a
  second commitment. When the commitment has changed since in another way (done, dropped, a
  progress update, another field, someone else's change), the edit is refused politely and
  changes nothing; so is an edit that comes after WINDOW;
* an edited `/engage` whose first words created nothing (refused: a date not understood, a typo) is
  run with its new words within WINDOW, once; Relais' refusal becomes the confirmation in place;
* any other edited command gets a short answer: edits are not run again, send the command anew.

Answers to an edit reply to the command (in its thread). The edit's own event id is recorded like
any command's: a platform retry changes nothing twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.context import Context
from bot.dates import When
from bot.dedup import first_time
from bot.dispatch import Dispatcher, NotAdmitted, refusal_text
from bot.errors import Refusal
from bot.i18n import N_
from bot.kinds import CommitmentStatus, OutboxStatus
from bot.models import Circle, Commitment, CommitmentChange, OutboxMessage
from bot.outbox import enqueue, enqueue_reply
from bot.reply import Incoming, Reply
from bot.router import Command, split_command
from bot.services import engage as engaging
from bot.services.commitments import set_due, set_text_field
from bot.text import clean_input, clean_name

log = logging.getLogger(__name__)

WINDOW = timedelta(minutes=10)  # an edit later than this after the command is not applied
EDITS_IN_PLACE = frozenset({"matrix"})  # platforms where Relais edits its answer (Slack's are ephemeral)
FIELDS_AN_EDIT_SETS = frozenset({"created", "title", "due"})
NOT_RUN_AGAIN = N_(
    "I do not run an edited command again: nothing was changed by your edit. Send the command anew as a new message."
)
TOO_LATE = N_(
    "Your edit came more than {minutes} minutes after the command, so #{number} was not changed. "
    "Change it with /edit #{number} title <title> or /edit #{number} due <date>."
)
CHANGED_SINCE = N_(
    "#{number} has changed since your command (it was updated, done or dropped), so your edit was not "
    "applied. Change it with /edit #{number} title <title> or /edit #{number} due <date>."
)


@dataclass(frozen=True)
class Answer:
    """Relais' first answer to the edited command: its outbox row and where it went."""

    post_id: str
    platform: str
    channel: str | None
    recipient: str | None
    thread: str | None
    message_id: str | None
    status: OutboxStatus
    created_at: datetime


def edited_command(dispatcher: Dispatcher, incoming: Incoming) -> Reply | None:
    """Handle `incoming`, the new text of the command message `incoming.edits`; the answer goes to the
    outbox with it. None when the edit is ignored (see the module's doc) or was handled already."""
    assert incoming.edits is not None
    incoming = replace(incoming, text=clean_input(incoming.text), display_name=clean_name(incoming.display_name))
    try:
        with dispatcher.store.unit_of_work() as session:
            source = incoming.identity.split(":", 1)[0]
            if incoming.event_id and not first_time(session, source, incoming.event_id, dispatcher.clock):
                return None
            answer = answer_to(session, incoming.channel, incoming.edits)
            if answer is None or answer.recipient != incoming.identity:
                return None  # not a command Relais answered, or someone else's
            ctx = dispatcher.context_for(session, incoming)
            if ctx.unlinked:
                return None
            reply = _understood(ctx, dispatcher, answer)
            command = replace(incoming, thread=answer.thread, event_id=incoming.edits)
            enqueue_reply(session, reply, ctx.now, command)  # replies to the command, in its thread
            return reply
    except NotAdmitted:
        return None
    except IntegrityError:  # the same edit handled meanwhile by another process
        return None


def answer_to(session: Session, channel: str | None, command: str) -> Answer | None:
    """The first answer Relais wrote to the command message `command` in `channel`."""
    row = session.execute(
        select(
            OutboxMessage.id,
            OutboxMessage.platform,
            OutboxMessage.channel,
            OutboxMessage.recipient,
            OutboxMessage.thread,
            OutboxMessage.message_id,
            OutboxMessage.status,
            OutboxMessage.created_at,
        )
        .where(OutboxMessage.reply_to == command[:300], OutboxMessage.channel == channel)
        .where(OutboxMessage.replaces.is_(None))
        .order_by(OutboxMessage.created_at, OutboxMessage.id)
        .limit(1)
    ).first()
    return Answer(*row) if row is not None else None


def edited_at(ctx: Context) -> datetime:
    """When the edit was made: as the platform says (read hours later after a restart, it was still made
    in time), never later than now."""
    sent = ctx.incoming.sent_at
    return min(sent, ctx.now) if sent is not None else ctx.now


def _understood(ctx: Context, dispatcher: Dispatcher, answer: Answer) -> Reply:
    """What the edit does: changes the commitment of an edited /engage, or says why not."""
    name, rest = split_command(ctx.incoming.text)
    command = dispatcher.router.find(name)
    event = engaging.command_message(replace(ctx.incoming, event_id=ctx.incoming.edits))
    commitment = ctx.session.scalar(select(Commitment).where(Commitment.command_event == event)) if event else None
    if commitment is None and command is not None and command.name == "engage" and event is not None:
        return _first_run(ctx, dispatcher, answer, command, rest)
    if commitment is None or command is None or command.name != "engage":
        return Reply.say(ctx.t(NOT_RUN_AGAIN), ok=False)
    number = commitment.number
    if edited_at(ctx) - answer.created_at > WINDOW:
        return Reply.say(ctx.t(TOO_LATE, minutes=int(WINDOW.total_seconds() // 60), number=number), ok=False)
    if changed_since(ctx.session, commitment):
        return Reply.say(ctx.t(CHANGED_SINCE, number=number), ok=False)
    try:
        with ctx.session.begin_nested():
            title, when, unclear, _ = engaging.checked(ctx, engaging.EngageForm(what=rest))
            if not _apply(ctx, commitment, title, when):
                return Reply()  # the same words: nothing to change
    except Refusal as refused:
        return Reply.say(refusal_text(ctx, refused), ok=False)
    circle = ctx.session.get_one(Circle, commitment.item.circle_id)
    text = engaging.Engagement(commitment, circle, when, unclear).confirmation(ctx)
    if answer.platform in EDITS_IN_PLACE and edit_answer(ctx.session, answer, text, ctx.now):
        return Reply()  # the confirmation says it, edited in place
    return Reply.say(text)


def _first_run(ctx: Context, dispatcher: Dispatcher, answer: Answer, command: Command, rest: str) -> Reply:
    """An /engage edited after its first words created nothing (a date not understood, a typo in the
    command): the edited words are run as the command, once, and the commitment remembers the command's
    message, so that a later edit changes it. Relais' refusal is edited into the confirmation in place."""
    if edited_at(ctx) - answer.created_at > WINDOW:
        return Reply.say(ctx.t(NOT_RUN_AGAIN), ok=False)
    ctx.incoming = replace(ctx.incoming, event_id=ctx.incoming.edits, edits=None)
    reply = dispatcher.run(ctx, command, rest)
    answers = [post for post in reply.posts if post.target == "reply"]
    if len(answers) == 1 and answer.platform in EDITS_IN_PLACE:
        if edit_answer(ctx.session, answer, answers[0].text, ctx.now):  # the rest (a circle's post) goes out
            return replace(reply, posts=tuple(post for post in reply.posts if post is not answers[0]))
    return reply


def changed_since(session: Session, commitment: Commitment) -> bool:
    """Changed since it was created in a way an edit of the command would undo: closed, or any change
    but its owner's title and due date (an earlier edit, or the same corrected by /edit)."""
    if commitment.status != CommitmentStatus.OPEN:
        return True
    other = session.scalar(
        select(CommitmentChange.id)
        .where(CommitmentChange.commitment_id == commitment.item_id)
        .where(
            CommitmentChange.field.not_in(sorted(FIELDS_AN_EDIT_SETS))
            | (CommitmentChange.actor_id.is_(None))
            | (CommitmentChange.actor_id != commitment.owner_id)
        )
        .limit(1)
    )
    return other is not None


def _apply(ctx: Context, commitment: Commitment, title: str, when: When | None) -> bool:
    """Give the commitment the edited title and due date; False when both are already so."""
    changed = False
    if title != commitment.title:
        set_text_field(ctx.session, commitment, ctx.actor, "title", title, ctx.now)
        changed = True
    due = (when.at, when.has_time) if when is not None else (None, False)
    current = (commitment.due_at, bool(commitment.due_has_time)) if commitment.due_at is not None else (None, False)
    if due != current:
        set_due(ctx.session, commitment, ctx.actor, when, ctx.now)
        changed = True
    return changed


def edit_answer(session: Session, answer: Answer, text: str, now: datetime) -> bool:
    """Make Relais' answer say `text`: its row, if not sent yet; else an update of the sent message
    (`replaces`), or the waiting update's text. False when it is being sent right now."""
    if answer.message_id is None:
        waiting = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == answer.post_id, OutboxMessage.status == OutboxStatus.PENDING)
            .values(text=text)
        )
        return int(getattr(waiting, "rowcount", 0) or 0) > 0
    same = (OutboxMessage.replaces == answer.message_id, OutboxMessage.channel == answer.channel)
    waiting = session.execute(
        update(OutboxMessage).where(*same, OutboxMessage.status == OutboxStatus.PENDING).values(text=text)
    )
    if int(getattr(waiting, "rowcount", 0) or 0) == 0:
        enqueue(session, now, text, channel=answer.channel, platform=answer.platform, replaces=answer.message_id)
    return True
