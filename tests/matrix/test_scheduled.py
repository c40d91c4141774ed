"""A scheduled weekly recap, decided by the real scheduler (schedules.scheduler), posted into the
room by the Matrix adapter: once, even when the scheduler runs again or the bot restarts."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.clock import FixedClock

from .kit import bot_config, create_room, from_bot, joined, partner, sqlite_url, start_bot
from .synapse import MatrixUser, SynapseServer

TIMEOUT = 90.0
PARIS = ZoneInfo("Europe/Paris")


async def test_weekly_recap_posted_once(
    synapse_server: SynapseServer, matrix_user: Callable[..., MatrixUser], tmp_path
) -> None:
    hs = synapse_server
    bot_u, alice_u, bob_u = matrix_user("relais"), matrix_user("alice"), matrix_user("bob")
    clock = FixedClock(datetime(2026, 11, 30, 8, 50, tzinfo=PARIS))  # a Monday, before the 09:00 recap
    async with asyncio.timeout(TIMEOUT), partner(hs, alice_u, "Alice") as alice, partner(hs, bob_u, "Bob") as bob:
        me = bot_u.user_id
        room = await create_room(alice, bob, invite=(me,))
        config = bot_config(hs, bot_u, sqlite_url(tmp_path), {"COPIL": [f"matrix:{room}"]}, language="en")
        bot = await start_bot(config, clock)
        try:
            await alice.wait_for(joined(me, room))
            await alice.reply_to(room, "!engage Write the charter", "Commitment #1 saved", me)
            await alice.reply_to(room, "!update #1 The charter is drafted 80%", "Update #2 shared", me)
            mark = len(bob.seen)
            clock.set(datetime(2026, 11, 30, 9, 0, 20, tzinfo=PARIS))
            assert bot.runner.scheduler is not None, "the scheduler is missing"
            outcomes = await bot.runner.scheduler.run_now("test")
            assert [outcome for outcome in outcomes if outcome.outbox]
            recap = await bob.wait_for(from_bot(me, room, "Weekly recap — COPIL"), after=mark)
            assert recap["content"]["msgtype"] == "m.text"  # a recap notifies; replies are m.notice
            assert "Write the charter" in recap["content"]["body"]
            assert recap["content"]["m.mentions"] == {}
            assert not [o for o in await bot.runner.scheduler.run_now("again") if o.outbox]
        finally:
            assert await bot.close() == 0
        bot = await start_bot(config, clock)  # a restart runs what is due: nothing new
        try:
            await alice.reply_to(room, "!actions", "1 commitment", me)
        finally:
            assert await bot.close() == 0
        await bob.sync()
        recaps = [e["event_id"] for e in bob.seen if from_bot(me, room, "Weekly recap")(e)]
        assert recaps == [recap["event_id"]]
