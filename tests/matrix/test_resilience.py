"""The bot survives: SIGKILL mid-run and restart (no confirmed command lost, none handled twice,
no old command replayed), a homeserver outage long enough for several failed syncs (recovers by
itself, delivers what was queued), and SIGINT / SIGTERM stop it cleanly. `relais run` runs as a
real subprocess here."""

from __future__ import annotations

import asyncio
import re
import signal
import sqlite3
import time
from collections import Counter
from collections.abc import Callable

from sqlalchemy import select

from bot.models import CircleChannel, OutboxMessage
from bot.outbox import enqueue_post
from bot.reply import Post
from tests.support.waiting import eventually

from .botproc import BotProcess, write_config
from .kit import bot_config, create_room, from_bot, joined, partner, sqlite_url, start_bot
from .synapse import MatrixUser, SynapseServer

FRUITS = (
    "ananas",
    "banane",
    "cerise",
    "datte",
    "figue",
    "goyave",
    "kiwi",
    "litchi",
    "mangue",
    "noisette",
    "olive",
    "papaye",
    "pomme",
    "prune",
    "raisin",
    "citron",
    "orange",
    "melon",
    "pastèque",
    "myrtille",
    "groseille",
    "cassis",
    "abricot",
    "amande",
    "noix",
    "pêche",
    "poire",
    "coing",
    "nèfle",
    "grenade",
)
CONFIRMED = re.compile(r"Engagement #(\d+) enregistré\u00a0: Tâche (\S+) \(COPIL\)")


def confirmations(events: list[dict], bot: str, room: str) -> Counter[str]:
    found: Counter[str] = Counter()
    for event in events:
        if from_bot(bot, room)(event):
            match = CONFIRMED.search(event["content"]["body"])
            if match:
                found[match.group(2)] += 1
    return found


def titles_in(database) -> Counter[str]:
    with sqlite3.connect(database) as connection:
        return Counter(row[0] for row in connection.execute("SELECT title FROM commitments"))


async def test_sigkill_mid_run_then_restart_loses_and_doubles_nothing(
    synapse_server: SynapseServer, matrix_user: Callable[..., MatrixUser], tmp_path
) -> None:
    hs = synapse_server
    bot_u, alice_u = matrix_user("relais"), matrix_user("alice")
    database = tmp_path / "relais.db"
    async with asyncio.timeout(150), partner(hs, alice_u, "Alice") as alice:
        me = bot_u.user_id
        room = await create_room(alice, invite=(me,))
        await alice.send(room, "!engage Tâche ancienne")  # before the first start: never handled
        config = write_config(tmp_path / "relais.toml", hs, bot_u, database, room)
        first = BotProcess(config, bot_u.access_token, tmp_path / "bot.log").start()
        second = BotProcess(config, bot_u.access_token, tmp_path / "bot.log")  # started after the kill
        try:
            await alice.wait_for(joined(me, room), timeout=30)
            sent: list[str] = []

            async def say_all(words: tuple[str, ...]) -> None:
                for word in words:  # one after the other, each once the homeserver has it
                    await alice.send(room, f"!engage Tâche {word}")
                    sent.append(word)

            # a burst of commands; SIGKILL as soon as the first answer is back, mid-burst
            talking = asyncio.create_task(say_all(FRUITS[:12]))
            async with asyncio.timeout(30):
                while not confirmations(alice.seen, me, room):
                    await alice.sync(100)
            first.signal(signal.SIGKILL)
            first.wait(10)
            confirmed_before = set(confirmations(alice.seen, me, room))
            handled_at_kill = {title.removeprefix("Tâche ") for title in titles_in(database)}
            print(
                f"\n[kill] sent {len(sent)}, handled {len(handled_at_kill)}, "
                f"confirmed {len(confirmed_before)} when SIGKILL landed"
            )
            await talking
            await say_all(FRUITS[12:20])  # the member keeps talking while the bot is down
            killed_at = time.monotonic()
            second.start()
            talking = asyncio.create_task(say_all(FRUITS[20:]))
            async with asyncio.timeout(60):
                while set(confirmations(alice.seen, me, room)) != set(FRUITS):
                    await alice.sync(500)
            await talking
            print(f"[kill] restarted and caught up in {time.monotonic() - killed_at:.1f} s")
            await alice.reply_to(room, "!actions", f"{len(FRUITS)} engagements", me, timeout=20)
            await alice.sync(500)
        finally:
            first.reap()
            second.reap()
        answers = confirmations(alice.seen, me, room)
        titles = titles_in(database)
        assert confirmed_before <= handled_at_kill  # a confirmed command was saved before its answer
        assert titles == Counter(f"Tâche {word}" for word in FRUITS)  # none lost, none twice, no old one
        assert answers == Counter(FRUITS), answers  # one answer each: no replay, no double send


async def test_homeserver_outage_recovers_and_delivers_what_was_queued(
    synapse_server: SynapseServer, matrix_user: Callable[..., MatrixUser], tmp_path
) -> None:
    hs = synapse_server
    bot_u, alice_u = matrix_user("relais"), matrix_user("alice")
    async with asyncio.timeout(120), partner(hs, alice_u, "Alice") as alice:
        me = bot_u.user_id
        room = await create_room(alice, invite=(me,))
        bot = await start_bot(bot_config(hs, bot_u, sqlite_url(tmp_path), {"COPIL": [f"matrix:{room}"]}, language="en"))
        try:
            await alice.wait_for(joined(me, room))
            await alice.reply_to(room, "!actions", "No commitment", me)
            await hs.astop()
            try:
                with bot.app.store.unit_of_work() as session:  # queued while the homeserver is away
                    circle_id = session.scalar(
                        select(CircleChannel.circle_id).where(CircleChannel.channel == f"matrix:{room}")
                    )
                    rows = enqueue_post(
                        session,
                        Post("Reminder: COPIL on Friday", target="circle", circle_id=circle_id, notify=True),
                        bot.app.clock.now(),
                        occurrence_key="reminder:test:1",
                    )
                    queued = rows[0].id
                bot.runner.wake()
                down = time.monotonic()
                # the outage lasts until the sync loop has failed four times, backing off in between
                await eventually(lambda: bot.adapter.loop.failures >= 4, 60, "four failed sync attempts")
                outage = time.monotonic() - down
                assert not bot.adapter.online.is_set()
                failures = bot.adapter.loop.failures
                assert 3 <= failures <= 25, failures  # retried with backoff, not in a tight loop
            finally:
                await hs.astart()
            back = time.monotonic()
            delivered = await alice.wait_for(from_bot(me, room, "Reminder: COPIL on Friday"), timeout=30)
            recovery = time.monotonic() - back
            await bot.wait_online()
            answer_started = time.monotonic()
            await alice.reply_to(room, "!actions", "No commitment", me)
            print(
                f"\n[outage] {outage:.1f} s down, {failures} sync attempts; queued post delivered {recovery:.2f} s "
                f"after Synapse was back; next command answered in "
                f"{time.monotonic() - answer_started:.2f} s"
            )
            assert delivered["content"]["msgtype"] == "m.text"
            with bot.app.store.unit_of_work() as session:
                row = session.get(OutboxMessage, queued)
                assert row is not None and row.status == "sent" and row.message_id == delivered["event_id"]
            await alice.sync(200)
            copies = [e for e in alice.seen if from_bot(me, room, "Reminder: COPIL on Friday")(e)]
            assert len(copies) == 1
        finally:
            if not hs.is_running:
                hs.start()
            assert await bot.close() == 0


async def test_sigterm_and_sigint_stop_cleanly(
    synapse_server: SynapseServer, matrix_user: Callable[..., MatrixUser], tmp_path
) -> None:
    hs = synapse_server
    bot_u, alice_u = matrix_user("relais"), matrix_user("alice")
    async with asyncio.timeout(120), partner(hs, alice_u, "Alice") as alice:
        me = bot_u.user_id
        room = await create_room(alice, invite=(me,))
        config = write_config(tmp_path / "relais.toml", hs, bot_u, tmp_path / "relais.db", room)
        for number, signum in enumerate((signal.SIGTERM, signal.SIGINT)):
            log = tmp_path / f"bot-{number}.log"
            with BotProcess(config, bot_u.access_token, log) as bot:
                if number == 0:
                    await alice.wait_for(joined(me, room), timeout=30)
                await alice.reply_to(room, "!aide", "Relais", me, timeout=30)
                started = time.monotonic()
                bot.signal(signum)
                code = await asyncio.to_thread(bot.wait, 15)
                stopped = time.monotonic() - started
                print(f"\n[signal] {signal.Signals(signum).name}: exit {code} in {stopped:.2f} s")
                assert code == 0, bot.output()[-3000:]
                assert "relais: stopping" in bot.output()
                assert "Traceback" not in bot.output(), bot.output()[-3000:]
