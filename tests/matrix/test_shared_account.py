"""Several `relais run` processes on one Matrix account and one database (bot.outbox_leases), on a real
Synapse: a process that starts with a new login (a new device and access token) while another one is in
the middle of sending an answer leaves that answer to it — it arrives once; and after a `kill -9` of the
one sending, its restart (a new login too, the other process still running) sends it at once, once.
In-process bots with stores of their own, on SQLite and PostgreSQL; real `relais run` processes for the kill."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import and_, or_, select

from bot.clock import FixedClock
from bot.db import Store
from bot.kinds import OutboxStatus
from bot.models import OutboxMessage
from tests.support.waiting import eventually

from .kit import bot_config, create_room, from_bot, joined, partner, start_bot
from .synapse import MatrixUser, SynapseServer
from .test_crashes import answers, scene, settle  # noqa: F401  (scene: the crash tests' fixture)

TIMEOUT = 150.0
PARIS = ZoneInfo("Europe/Paris")
MONDAY = datetime(2026, 11, 30, 10, 0, tzinfo=PARIS)  # a fixed clock: no lease ends by itself here


def delivered(store: Store) -> bool:
    """Nothing in the outbox is being sent nor due on the fixed clock (tests.matrix.test_crashes.settle)."""
    due = or_(OutboxMessage.not_before.is_(None), OutboxMessage.not_before <= MONDAY)
    waiting = or_(OutboxMessage.status == OutboxStatus.SENDING, and_(OutboxMessage.status == OutboxStatus.PENDING, due))
    with store.unit_of_work(reading=True) as session:
        return session.scalars(select(OutboxMessage.id).where(waiting).limit(1)).first() is None


def hold_sends(bot: Any, words: str) -> tuple[asyncio.Event, list[str]]:
    """The bot's Matrix events holding `words` wait, on their way to the homeserver, until the gate opens."""
    sender = bot.adapter.sender
    real = sender._send_event
    gate, held = asyncio.Event(), []

    async def send_event(room_id: str, content: dict[str, Any], tx_id: str) -> str:
        if words in str(content.get("body", "")):
            held.append(tx_id)
            await gate.wait()
        return str(await real(room_id, content, tx_id))

    sender._send_event = send_event
    return gate, held


async def test_a_process_logging_in_anew_leaves_the_other_its_answer_in_flight(
    synapse_server: SynapseServer, matrix_user: Callable[..., MatrixUser], bot_database: str
) -> None:
    hs = synapse_server
    bot_u, alice_u = matrix_user("relais"), matrix_user("alice")
    async with asyncio.timeout(TIMEOUT), partner(hs, alice_u, "Alice") as alice:
        me = bot_u.user_id
        room = await create_room(alice, invite=(me,))
        circles = {"COPIL": [f"matrix:{room}"]}
        first = await start_bot(bot_config(hs, bot_u, bot_database, circles, "en"), FixedClock(MONDAY))
        second = None
        try:
            await alice.wait_for(joined(me, room))
            gate, held = hold_sends(first, "Commitment #1 saved")
            await alice.send(room, "!engage Book the room")
            await eventually(lambda: held, timeout=30, what="the first process sending the answer")
            _user, token, device = hs.login(bot_u.localpart, bot_u.password)  # the other process: a new login
            config = bot_config(hs, bot_u, bot_database, circles, "en", access_token=token, device_id=device)
            second = await start_bot(config, FixedClock(MONDAY))
            await second.runner.deliverers[0].deliver_due()  # a delivery pass of the second one meanwhile
            gate.set()

            def recorded() -> bool:
                with second.app.store.unit_of_work() as session:
                    row = session.get_one(OutboxMessage, held[0])
                    return row.status == OutboxStatus.SENT

            await eventually(recorded, timeout=30, what="the answer recorded as sent")
            await settle(alice, me, room, lambda: delivered(second.app.store))
            assert len(answers(alice, me, room, "Commitment #1 saved")) == 1  # the first one's, once
        finally:
            if second is not None:
                assert await second.close() == 0
            assert await first.close() == 0


@pytest.mark.usefixtures("synapse_server")
async def test_killed_while_another_process_runs_its_restart_sends_the_answer_at_once(scene: Any) -> None:  # noqa: F811
    """kill -9 in the middle of a send while a second process (another login) runs: the restarted process (a
    new login) takes the lease back at once — the clock does not move: a lease left to its end would never
    end — and the answer arrives once."""
    deployment, alice = scene
    me, room = deployment.bot.user_id, deployment.room
    sending = deployment.process("hold-send:Commitment #1 saved").start()
    others = []
    try:
        await alice.wait_for(joined(me, room), timeout=30)
        await alice.send(room, "!engage Book the room")
        await eventually(lambda: "crash point: holding" in sending.output(), timeout=30, what="the send held")
        for _ in range(2):  # another process, then the restart of the killed one: each a new login
            _user, token, _device = deployment.hs.login(deployment.bot.localpart, deployment.bot.password)
            others.append(deployment.process(token=token).start())
            await eventually(lambda: "matrix: connected as" in others[-1].output(), timeout=30, what="started")
            if len(others) == 1:
                sending.signal(signal.SIGKILL)
                assert await asyncio.to_thread(sending.wait, 10) == -signal.SIGKILL
        await alice.wait_for(from_bot(me, room, "Commitment #1 saved"), timeout=30)
        await settle(alice, me, room, deployment.delivered)  # the answer recorded too, not only seen
        assert len(answers(alice, me, room, "Commitment #1 saved")) == 1, others[-1].output()[-3000:]
        assert deployment.rows("SELECT status FROM outbox WHERE text LIKE '%Commitment #1%'") == [("sent",)]
    finally:
        for process in [sending, *others]:
            process.reap()
