"""Secrets leave the outbox: a sign-in link or a linking code, once delivered and expired, is no longer
in the copy Relais keeps of its answer (bot.services.secrets, run by the scheduler's periodic pass)."""

from __future__ import annotations

import re

from sqlalchemy import select

from bot.models import Identity, Member, OutboxMessage
from bot.outbox import mark_sent
from bot.reply import Incoming
from bot.services.secrets import BLANKED
from schedules.rounds import run_due

LINK = re.compile(r"/login/([A-Za-z0-9_-]+)")


def ask_in_a_direct_chat(bot, line: str) -> str:
    """Alice, on Matrix, types `line` in her direct chat with Relais, run as the adapters run it."""
    bot.say("alice", "/whoami")
    with bot.store.unit_of_work() as session:
        alice = session.scalar(select(Member).where(Member.display_name == "Alice"))
        assert alice is not None
        if session.scalar(select(Identity).where(Identity.identity == "matrix:@alice:hs")) is None:
            session.add(Identity(member_id=alice.id, identity="matrix:@alice:hs"))
    asked = Incoming(identity="matrix:@alice:hs", text=line, channel="matrix:!dm:hs", direct=True, display_name="Alice")
    reply = bot.dispatcher.handle(asked, deliver=True)
    assert reply is not None
    return reply.text


def rows_with(bot, secret: str) -> list[OutboxMessage]:
    with bot.store.unit_of_work() as session:
        return [row for row in session.scalars(select(OutboxMessage)) if secret in row.text]


def deliver_all(bot) -> None:
    with bot.store.unit_of_work() as session:
        for row in session.scalars(select(OutboxMessage).where(OutboxMessage.sent_at.is_(None))):
            mark_sent(session, row.id, f"event-{row.id}", bot.clock.now())


def test_a_sign_in_link_leaves_the_outbox_once_expired_and_delivered(testbot, config):
    found = LINK.search(ask_in_a_direct_chat(testbot, "/tableau"))
    assert found, "the answer carries the link"
    token = found.group(1)
    assert len(rows_with(testbot, token)) == 1
    testbot.advance(minutes=16)
    run_due(testbot.store, config, testbot.clock.now())
    assert len(rows_with(testbot, token)) == 1, "not delivered yet: kept until it is"
    deliver_all(testbot)
    testbot.advance(minutes=1)
    run_due(testbot.store, config, testbot.clock.now())
    assert rows_with(testbot, token) == []
    assert len(rows_with(testbot, BLANKED)) == 1


def test_a_link_still_valid_stays_and_other_answers_are_never_blanked(testbot, config):
    found = LINK.search(ask_in_a_direct_chat(testbot, "/dashboard"))
    assert found
    ask_in_a_direct_chat(testbot, "/whoami")
    deliver_all(testbot)
    testbot.advance(minutes=14)
    run_due(testbot.store, config, testbot.clock.now())
    assert len(rows_with(testbot, found.group(1))) == 1
    testbot.advance(minutes=2)
    run_due(testbot.store, config, testbot.clock.now())
    assert rows_with(testbot, found.group(1)) == []
    assert rows_with(testbot, "Alice"), "the /whoami answer is untouched"
