"""bot.copies: an edited item updates its copies in place on every platform that can edit (Slack's
chat.update, Matrix's m.replace edit); a copy not sent yet goes out with the new text."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select

from bot.config import CircleConfig
from bot.copies import copies_of, update_copies, update_lines
from bot.delivery import Deliverer
from bot.dispatch import Dispatcher
from bot.models import OutboxMessage
from bot.outbox import mark_sent
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


class _Undo(Exception):
    """Raised to roll a unit of work back."""


def _lines_written(store, clock, items: list[int], update) -> list[tuple]:
    """The update rows written by three rounds of live lines (`update(session, lines, now)`), the first
    round's rows then sent; rolled back after."""
    rounds = [{items[0]: "✅ 1/2", items[1]: None}, {items[0]: "✅ 2/2", items[2]: "✅ 1/2"}]
    rounds.append({item: "✅ 2/2" for item in items})
    written = []
    try:
        with store.unit_of_work() as session:
            for index, lines in enumerate(rounds):
                update(session, lines, clock.now() + timedelta(seconds=2 * index))
                session.flush()
                if index == 0:  # the first round's updates went out
                    for row in session.scalars(select(OutboxMessage).where(OutboxMessage.replaces.is_not(None))):
                        mark_sent(session, row.id, f"sent-{row.id}", clock.now())
            rows = session.scalars(select(OutboxMessage).where(OutboxMessage.replaces.is_not(None)))
            written = sorted((r.item_id, r.replaces, r.channel, r.text, r.status, r.not_before) for r in rows)
            raise _Undo
    except _Undo:
        pass
    return written


async def test_live_lines_of_many_items_write_what_one_by_one_writes(store, clock) -> None:
    """A batch of ✅ updates the lines under many items' copies at once (update_lines): the same rows as
    update_copies item by item — a new update, the waiting one's text replaced, one held until 3 s after
    the last — on both platforms."""
    bot, to_matrix, to_slack, _matrix, slack = two_platforms(store, clock)
    for text in ("Réunion le 10", "Budget voté", "Nouvelle salle"):
        say(bot, f"/info {text}")
    await to_matrix.deliver_due()
    await to_slack.deliver_due()
    items = sorted({message.item_id for message in posts(slack)})
    assert len(items) == 3

    def one_by_one(session, lines, now):
        for item_id, line in lines.items():
            update_copies(session, item_id, now, line=line)

    expected = _lines_written(store, clock, items, one_by_one)
    assert len({row[2] for row in expected}) == 2 and any(row[5] is not None for row in expected)
    assert _lines_written(store, clock, items, update_lines) == expected
