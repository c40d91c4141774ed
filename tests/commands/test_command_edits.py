"""An edited command, as a Matrix client sends it (m.replace): bot.services.command_edits, without Synapse.

The end-to-end story (rich replies, Relais' own edit seen by the client) is tests/matrix/test_replies.py;
here, what an edit changes in the store, and never twice."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.config import CircleConfig
from bot.models import Commitment, OutboxMessage
from bot.reply import Incoming
from bot.services.command_edits import edited_command

ROOM = "matrix:!copil:hs"


@pytest.fixture
def bot(testbot, config):
    testbot.dispatcher.config = replace(config, circles=(CircleConfig("COPIL", ("console:copil", ROOM)),))
    testbot.dispatcher.setup()
    return testbot


def said(bot, text: str, event: str, edits: str | None = None) -> str:
    """Alice, in the COPIL's Matrix room, sends `text` (or edits her message `edits` into it)."""
    incoming = Incoming(
        identity="matrix:@alice:hs", text=text, channel=ROOM, event_id=event, edits=edits, display_name="Alice"
    )
    if edits is None:
        reply = bot.dispatcher.handle(incoming, deliver=True)
    else:
        reply = edited_command(bot.dispatcher, incoming)
    assert reply is not None
    return "\n".join(post.text for post in reply.posts)


def answers(bot, command: str) -> list[str]:
    with bot.store.unit_of_work() as session:
        rows = session.scalars(
            select(OutboxMessage).where(OutboxMessage.reply_to == command).order_by(OutboxMessage.id)
        )
        return [row.text for row in rows]


def commitments(bot) -> list[tuple[int, str]]:
    with bot.store.unit_of_work() as session:
        return [(c.number, c.title) for c in session.scalars(select(Commitment).order_by(Commitment.item_id))]


def test_a_refused_engage_edited_into_a_good_one_is_run_once_and_its_refusal_becomes_the_confirmation(bot):
    refused = said(bot, "!engagr Réserver la salle vendredi", "$e1")  # a typo: nothing created
    assert "engage" in refused and commitments(bot) == []
    assert said(bot, "!engage Réserver la salle vendredi", "$e2", edits="$e1") == ""  # said by editing
    assert commitments(bot) == [(1, "Réserver la salle")]
    (answer,) = answers(bot, "$e1")
    assert "#1" in answer and "Réserver la salle" in answer and "vendredi 27 novembre" in answer
    # a later edit of the same message changes that commitment: never a second one
    said(bot, "!engage Réserver la grande salle vendredi", "$e3", edits="$e1")
    assert commitments(bot) == [(1, "Réserver la grande salle")]
    # the same edit delivered twice by the homeserver changes nothing twice
    again = Incoming(identity="matrix:@alice:hs", text="!engage Autre", channel=ROOM, event_id="$e3", edits="$e1")
    assert edited_command(bot.dispatcher, again) is None
    assert commitments(bot) == [(1, "Réserver la grande salle")]


def test_a_refused_engage_edited_too_late_is_not_run(bot):
    said(bot, "!engage", "$e1")  # no title: refused with the usage
    assert commitments(bot) == []
    bot.advance(minutes=11)
    late = said(bot, "!engage Réserver la salle vendredi", "$e2", edits="$e1")
    assert "Je ne relance pas une commande modifiée" in late, late
    with bot.store.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Commitment)) == 0


def test_an_edit_made_in_time_but_read_after_a_restart_hours_later_is_applied(bot):
    """Relais went down after answering; the member corrected the command 2 minutes later; Relais came
    back 3 hours later and reads the edit in its first sync: judged by when it was made, not read."""
    said(bot, "!engage Réserver la salle vendredi", "$e1")
    made = bot.clock.now() + timedelta(minutes=2)
    bot.advance(hours=3)
    edit = Incoming(
        identity="matrix:@alice:hs",
        text="!engage Réserver la grande salle vendredi",
        channel=ROOM,
        event_id="$e2",
        edits="$e1",
        display_name="Alice",
        sent_at=made,
    )
    assert edited_command(bot.dispatcher, edit) is not None
    assert commitments(bot) == [(1, "Réserver la grande salle")]


def test_an_edit_made_too_late_is_refused_whatever_it_says_of_its_time(bot):
    said(bot, "!engage Réserver la salle vendredi", "$e1")
    bot.advance(minutes=11)
    late = Incoming(
        identity="matrix:@alice:hs",
        text="!engage Autre chose vendredi",
        channel=ROOM,
        event_id="$e2",
        edits="$e1",
        sent_at=bot.clock.now() + timedelta(hours=1),  # a clock ahead: never later than Relais' now
    )
    assert edited_command(bot.dispatcher, late) is not None
    assert commitments(bot) == [(1, "Réserver la salle")]
