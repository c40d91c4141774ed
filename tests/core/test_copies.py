"""bot.copies: an edited item updates its copies in place on every platform that can edit (Slack's
chat.update, Matrix's m.replace edit); a copy not sent yet goes out with the new text."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.config import CircleConfig
from bot.copies import copies_of, update_copies
from bot.delivery import Deliverer
from bot.dispatch import Dispatcher
from bot.reply import Incoming
from commands import build_router
from tests.conftest import TestBot, make_config
from tests.support.sender import RecordingSender

CIRCLES = (CircleConfig("COPIL", ("console:copil", "matrix:!copil:hs", "slack:T1/C1")),)


def say(bot: TestBot, line: str) -> None:
    """Fabienne types in the COPIL's Slack channel: the reply and the posts go to the outbox."""
    incoming = Incoming("slack:T1/UFAB", line, channel="slack:T1/C1", display_name="Fabienne")
    bot.dispatcher.handle(incoming, deliver=True)


def posts(sender: RecordingSender) -> list:
    """What went to the channels (not the private answers to the command)."""
    return [message for message in sender.messages if not message.ephemeral]


def two_platforms(store, clock) -> tuple[TestBot, Deliverer, Deliverer, RecordingSender, RecordingSender]:
    config = replace(make_config(), circles=CIRCLES, facilitators=("slack:T1/UFAB",))
    dispatcher = Dispatcher(store=store, config=config, clock=clock, router=build_router())
    dispatcher.setup()
    matrix, slack = RecordingSender("matrix"), RecordingSender("slack")
    return TestBot(dispatcher, clock), Deliverer(store, clock, matrix), Deliverer(store, clock, slack), matrix, slack


async def test_an_edit_updates_the_copies_on_both_platforms_in_place(store, clock) -> None:
    bot, to_matrix, to_slack, matrix, slack = two_platforms(store, clock)
    say(bot, "/info Réunion le 10")
    await to_matrix.deliver_due()
    await to_slack.deliver_due()
    assert [m.replaces for m in posts(slack)] == [None] == [m.replaces for m in posts(matrix)]
    posted = {"slack": slack.events[posts(slack)[0].id], "matrix": matrix.events[posts(matrix)[0].id]}
    say(bot, "/edit #1 texte Réunion le 12")
    await to_matrix.deliver_due()
    await to_slack.deliver_due()
    for platform, sender, channel in (("slack", slack, "slack:T1/C1"), ("matrix", matrix, "matrix:!copil:hs")):
        (update,) = posts(sender)[1:]  # not posted again: the copy is updated
        assert update.replaces == posted[platform] and update.channel == channel and "Réunion le 12" in update.text
    with store.unit_of_work() as session:
        copies = copies_of(session, update.item_id)
        assert len(copies) == 2 and all("Réunion le 12" in copy.text for copy in copies)  # what each says now


async def test_updates_of_a_copy_are_coalesced_and_spaced(store, clock) -> None:
    bot, _to_matrix, to_slack, _matrix, slack = two_platforms(store, clock)
    say(bot, "/info Réunion le 10")
    await to_slack.deliver_due()
    item_id = posts(slack)[0].item_id
    for line in ("un", "deux", "trois"):
        with store.unit_of_work() as session:
            slack_only = frozenset({"slack"})
            assert update_copies(session, item_id, clock.now(), line=line, platforms=slack_only) == ["slack:T1/C1"]
        await to_slack.deliver_due()
    assert [m.text.splitlines()[-1] for m in posts(slack)[1:]] == ["un"]  # "deux" then "trois" wait together
    clock.advance(timedelta(seconds=3))
    await to_slack.deliver_due()
    assert [m.text.splitlines()[-1] for m in posts(slack)[1:]] == ["un", "trois"]
    assert all("Réunion le 10" in m.text for m in posts(slack))
