"""Delivery as the process writes (bot.outbox, bot.delivery): a row written while the platform's loop
runs is claimed in its own transaction and sent after the commit, without a pass; what a savepoint
undid is not sent; conversations go side by side, each in order; an idle pass takes no lock."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select

from bot.clock import SystemClock
from bot.db import Store, make_engine, upgrade
from bot.delivery import Deliverer, Held, Sent, TemporaryFailure
from bot.models import OutboxMessage
from bot.outbox import enqueue
from bot.services.outbox_seen import record_seen
from tests.support.sender import RecordingSender
from tests.support.waiting import eventually


def statuses(store: Store) -> dict[str, tuple[str, int]]:
    with store.unit_of_work() as session:
        return {row.text: (row.status, row.attempts) for row in session.scalars(select(OutboxMessage))}


async def test_what_is_written_while_the_loop_runs_leaves_at_commit(testbot):
    sender = RecordingSender()
    deliverer = Deliverer(testbot.store, testbot.clock, sender)
    deliverer.start()
    passes = 0
    original = deliverer._claim

    def counted() -> Any:
        nonlocal passes
        passes += 1
        return original()

    deliverer._claim = counted  # type: ignore[method-assign]
    with testbot.store.unit_of_work() as session:
        enqueue(session, testbot.clock.now(), "réponse", channel="matrix:!r:hs")
        assert sender.sent == []  # nothing leaves before the commit
    await eventually(lambda: statuses(testbot.store).get("réponse") == ("sent", 1))
    assert sender.calls[0][1] is False and passes == 0  # not a resend; no delivery pass needed
    await deliverer.stop()


async def test_what_a_savepoint_undid_is_not_sent(testbot):
    sender = RecordingSender()
    deliverer = Deliverer(testbot.store, testbot.clock, sender)
    deliverer.start()
    with testbot.store.unit_of_work() as session:
        try:
            with session.begin_nested():
                enqueue(session, testbot.clock.now(), "annulé", channel="matrix:!r:hs")
                raise ValueError("refused")
        except ValueError:
            pass
        enqueue(session, testbot.clock.now(), "gardé", channel="matrix:!r:hs")
    await eventually(lambda: sender.sent == ["gardé"])
    await deliverer.stop()
    assert statuses(testbot.store) == {"gardé": ("sent", 1)}


async def test_while_the_platform_is_away_rows_wait_and_the_loop_is_poked(testbot):
    online = asyncio.Event()
    sender = RecordingSender()
    deliverer = Deliverer(testbot.store, testbot.clock, sender, online=online)
    deliverer.start()
    with testbot.store.unit_of_work() as session:
        enqueue(session, testbot.clock.now(), "en attente", channel="matrix:!r:hs")
    assert statuses(testbot.store) == {"en attente": ("pending", 0)} and deliverer.wake.is_set()
    online.set()
    assert await deliverer.deliver_due() == 1 and sender.sent == ["en attente"]
    await deliverer.stop()


class SlowChannel:
    """Holds every message to `slow` until released; answers the others at once."""

    platform = "matrix"

    def __init__(self, slow: str) -> None:
        self.slow = slow
        self.release = asyncio.Event()
        self.order: list[str] = []

    async def send(self, message: Any, resend: bool) -> Sent:
        if message.channel == self.slow:
            await self.release.wait()
        self.order.append(message.text)
        return Sent(f"${message.text}")


async def test_conversations_go_side_by_side_each_in_order(testbot):
    sender = SlowChannel("matrix:!slow:hs")
    deliverer = Deliverer(testbot.store, testbot.clock, sender)  # type: ignore[arg-type]
    with testbot.store.unit_of_work() as session:
        now = testbot.clock.now()
        for text in ("a1", "a2", "a3"):
            enqueue(session, now, text, channel="matrix:!slow:hs")
        enqueue(session, now, "b1", channel="matrix:!fast:hs")
        enqueue(session, now, "c1", channel="matrix:!fast:hs", recipient="matrix:@c:hs", ephemeral=True)
    delivery = asyncio.ensure_future(deliverer.deliver_due())
    await eventually(lambda: set(sender.order) == {"b1", "c1"}, what="the other conversations")
    sender.release.set()
    assert await delivery == 5
    assert [text for text in sender.order if text.startswith("a")] == ["a1", "a2", "a3"]


async def test_an_idle_pass_takes_no_write_lock(tmp_path):
    store = Store(make_engine(f"sqlite:///{tmp_path / 'relais.db'}"))
    upgrade(store.engine)
    executed: list[str] = []
    event.listen(store.engine, "before_cursor_execute", lambda _c, _k, statement, *_a: executed.append(statement))
    deliverer = Deliverer(store, SystemClock(), RecordingSender())
    assert await deliverer.deliver_due() == 0
    assert "BEGIN" in executed and any("FROM outbox" in statement for statement in executed)
    assert "BEGIN IMMEDIATE" not in executed  # only a read: other processes' writers never wait for it
    store.engine.dispose()


class LimitedHomeserver(RecordingSender):
    """A homeserver answering M_LIMIT_EXCEEDED (HTTP 429, retry_after_ms 1500) `refusals` times, then accepting."""

    def __init__(self, refusals: int) -> None:
        super().__init__()
        self.refusals = refusals

    async def send(self, message: Any, resend: bool) -> Sent:
        if self.refusals > 0:
            self.refusals -= 1
            from adapters.matrix.errors import delivery_failure

            response = type(
                "Error", (), {"status_code": "M_LIMIT_EXCEEDED", "retry_after_ms": 1500, "message": "Too Many Requests"}
            )
            response.transport_response = type("T", (), {"status": 429})()  # type: ignore[attr-defined]
            raise delivery_failure(response(), "room_send")
        return await super().send(message, resend)


async def test_a_homeserver_rate_limiting_for_long_never_makes_a_message_lost(testbot):
    """More "not now" answers than a message's attempts (8): it waits each time as told and goes out once."""
    sender = LimitedHomeserver(refusals=12)
    deliverer = Deliverer(testbot.store, testbot.clock, sender)
    with testbot.store.unit_of_work() as session:
        enqueue(session, testbot.clock.now(), "récapitulatif", channel="matrix:!r:hs")
    for _ in range(12):
        assert await deliverer.deliver_due() == 0
        row = statuses(testbot.store)["récapitulatif"]
        assert row == ("pending", 0)  # held, not counted: never given up
        testbot.clock.advance(timedelta(seconds=2))
    assert await deliverer.deliver_due() == 1
    assert sender.sent == ["récapitulatif"] and statuses(testbot.store) == {"récapitulatif": ("sent", 1)}


@pytest.mark.parametrize("failure", [TemporaryFailure("homeserver unreachable"), Held("slow down", 2.0)])
async def test_a_row_its_echo_recorded_sent_stays_sent_when_its_send_then_fails(testbot, failure):
    """The sync saw the message come back and recorded it sent (bot.services.outbox_seen) while its send was
    still waiting for an answer, past its lease; then the send fails: the row stays sent, never sent again."""
    clock = testbot.clock

    def echoed_then_failed(message: Any) -> None:
        clock.advance(timedelta(seconds=31))  # past the 30 s lease: the sync records it itself
        assert record_seen(testbot.store, "matrix", {message.id: ("$echo", "matrix:!r:hs")}, clock.now())
        raise failure

    sender = RecordingSender(on_accepted=echoed_then_failed)
    deliverer = Deliverer(testbot.store, clock, sender)
    with testbot.store.unit_of_work() as session:
        enqueue(session, clock.now(), "bonjour", channel="matrix:!r:hs")
    assert await deliverer.deliver_due() == 0
    sender.on_accepted = None
    clock.advance(timedelta(minutes=10))
    assert await deliverer.deliver_due() == 0 and len(sender.calls) == 1  # not sent again
    with testbot.store.unit_of_work() as session:
        row = session.scalars(select(OutboxMessage)).one()
        assert (row.status, row.message_id) == ("sent", "$echo")


@pytest.mark.parametrize("failure", [TemporaryFailure("homeserver unreachable"), Held("slow down", 2.0)])
async def test_after_a_failed_or_held_attempt_the_next_one_is_a_resend(testbot, failure):
    """An attempt that failed may have left part of the message on the platform (a long text's first part,
    then "not now"): the next attempt is a resend, which looks for what arrived; a first attempt is not."""
    attempts = iter([failure])

    def fails_once(message: Any) -> None:
        if (outcome := next(attempts, None)) is not None:
            raise outcome

    sender = RecordingSender(on_accepted=fails_once)
    deliverer = Deliverer(testbot.store, testbot.clock, sender)
    with testbot.store.unit_of_work() as session:
        row_id = enqueue(session, testbot.clock.now(), "long", channel="matrix:!r:hs").id
    assert await deliverer.deliver_due() == 0
    testbot.clock.advance(timedelta(seconds=5))
    assert await deliverer.deliver_due() == 1
    assert sender.calls == [(row_id, False), (row_id, True)]
