"""Crash points of a real `relais run` process against a real Synapse, each reached by injection
(tests/matrix/crashing.py), never by timing: `kill -9` between a command's commit and its answer's
send, right after the homeserver took the answer (and Synapse restarted meanwhile), between two parts of
a long text, in the middle of the Monday recap round (restart at 09:00:30 on an injected clock),
during a migration, right after the very first sync, in the middle of a batch of posts; SIGTERM in
the middle of the recap round and of a batch. After each: every command typed got
exactly one answer, the recap went out exactly once, nothing the member wrote is lost."""

from __future__ import annotations

import asyncio
import re
import signal
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.db import Store, head_revision, make_engine
from bot.outbox import enqueue
from tests.support.waiting import eventually

from .botproc import BotProcess, write_config
from .kit import Partner, create_room, from_bot, joined, partner
from .synapse import MatrixUser, SynapseServer

TIMEOUT = 150.0
PARIS = ZoneInfo("Europe/Paris")
MONDAY = datetime(2026, 11, 30, tzinfo=PARIS)  # the recap is due at 09:00
CRASHING = "tests.matrix.crashing"


class Deployment:
    """One bot account, one room, one database: `relais run` started (and crashed) again and again."""

    def __init__(self, hs: SynapseServer, bot: MatrixUser, folder: Path, room: str) -> None:
        self.hs, self.bot, self.folder, self.room = hs, bot, folder, room
        self.database = folder / "relais.db"
        self.clock = folder / "clock.txt"
        self.config = write_config(folder / "relais.toml", hs, bot, self.database, room, language="en")
        self.runs = 0

    def at(self, moment: datetime) -> None:
        self.clock.write_text(moment.isoformat())

    def process(self, crash: str = "", token: str | None = None) -> BotProcess:
        self.runs += 1
        env = {"CRASH_CLOCK_FILE": str(self.clock), "CRASH_AT": crash}
        log = self.folder / f"bot-{self.runs}.log"
        return BotProcess(self.config, token or self.bot.access_token, log, env, CRASHING)

    def sync_position(self, token: str) -> str:
        """Where the room stands now, as the bot's sync sees it."""
        return str(self.hs.request("GET", "/_matrix/client/v3/sync?timeout=0", access_token=token)["next_batch"])

    def resume_at(self, position: str) -> None:
        """The next start syncs from `position` (as if the stopped process had handled everything before it)."""
        with sqlite3.connect(self.database) as connection:
            key = f"matrix:{self.bot.user_id}:next_batch"
            assert connection.execute("UPDATE platform_state SET value = ? WHERE key = ?", (position, key)).rowcount

    async def crashed(self, process: BotProcess, signum: int = -signal.SIGKILL) -> str:
        """Wait for the process to kill itself at its crash point; its log."""
        code = await asyncio.to_thread(process.wait, 60)
        assert code == signum, process.output()[-3000:]
        return process.output()

    def rows(self, query: str, *values: object) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.database) as connection:
            return connection.execute(query, values).fetchall()

    def delivered(self) -> bool:
        """Nothing in the outbox is being sent (or left 'sending' by a killed process) nor due now on the
        bot's clock: rows written to wait for a later time (on a clock that does not move) do not count."""
        now = datetime.fromisoformat(self.clock.read_text().strip()).astimezone(UTC)
        due = "status = 'sending' OR (status = 'pending' AND (not_before IS NULL OR not_before <= ?))"
        return not self.rows(f"SELECT id FROM outbox WHERE {due}", now.strftime("%Y-%m-%d %H:%M:%S.%f"))


def answers(person: Partner, bot: str, room: str, words: str) -> list[str]:
    """Relais' messages holding `words` (its edits of them in place not counted)."""
    return [
        e["event_id"]
        for e in person.seen
        if from_bot(bot, room, words)(e) and e["content"].get("m.relates_to", {}).get("rel_type") != "m.replace"
    ]


async def settle(person: Partner, bot: str, room: str, delivered: Callable[[], bool]) -> None:
    """Everything typed before was handled, every answer due has left and was recorded (`delivered`: the
    outbox holds nothing in flight nor due), and `person` has seen all of it. A command typed last and
    answered proves the first; an answer sent again after a crash (looked for in the room first) may leave
    after that answer, hence the wait on the outbox, with a deadline suited to a loaded machine; the answer
    to a second command, sent after all of it, is seen after all of it too."""
    await person.reply_to(room, "!help", "Relais", bot, timeout=60)
    await eventually(delivered, timeout=60, what="the outbox delivered and recorded")
    await person.reply_to(room, "!help", "Relais", bot, timeout=60)


@pytest.fixture
async def scene(synapse_server: SynapseServer, matrix_user: Callable[..., MatrixUser], tmp_path: Path) -> Any:
    bot_u, alice_u = matrix_user("relais"), matrix_user("alice")
    async with asyncio.timeout(TIMEOUT), partner(synapse_server, alice_u, "Alice") as alice:
        room = await create_room(alice, invite=(bot_u.user_id,))
        deployment = Deployment(synapse_server, bot_u, tmp_path, room)
        deployment.at(MONDAY.replace(hour=8))
        yield deployment, alice
        if not synapse_server.is_running:
            await synapse_server.astart()


@pytest.mark.parametrize("point", ["in-command", "before-send", "after-send", "after-send-synapse-restarted"])
async def test_a_command_killed_around_its_answer_is_answered_once(scene: Any, point: str) -> None:
    deployment, alice = scene
    me, room = deployment.bot.user_id, deployment.room
    first = deployment.process(f"{point.removesuffix('-synapse-restarted')}:Commitment #1 saved").start()
    try:
        await alice.wait_for(joined(me, room), timeout=30)
        await alice.send(room, "!engage Book the room")
        log = await deployment.crashed(first)
    finally:
        first.reap()
    if point == "in-command":  # killed before its commit: nothing done, the command is read again
        assert "crash point" in log and deployment.rows("SELECT title FROM commitments") == []
    else:
        assert deployment.rows("SELECT title FROM commitments") == [("Book the room",)]  # committed before the send
    if point.startswith("after-send"):
        assert "crash point" in log
        await alice.wait_for(from_bot(me, room, "Commitment #1 saved"), timeout=30)  # it reached the room
        assert deployment.rows("SELECT status FROM outbox WHERE text LIKE '%Commitment #1%'") == [("sending",)]
    if point.endswith("synapse-restarted"):
        await deployment.hs.arestart()  # the transaction id is remembered by Synapse's database
    with deployment.process() as second:
        await settle(alice, me, room, deployment.delivered)
        assert len(answers(alice, me, room, "Commitment #1 saved")) == 1, second.output()[-2000:]
    assert deployment.rows("SELECT title FROM commitments") == [("Book the room",)]  # not run twice


async def test_a_long_text_killed_between_its_parts_arrives_whole_once(scene: Any) -> None:
    deployment, alice = scene
    me, room = deployment.bot.user_id, deployment.room
    text = " ".join(f"word{number:05d}" for number in range(1500))  # 15,000 characters: several parts
    first = deployment.process("after-send:word0:1").start()
    try:
        await alice.wait_for(joined(me, room), timeout=30)
        await alice.send(room, f"!info {text}")
        await deployment.crashed(first)
    finally:
        first.reap()
    with deployment.process():
        await settle(alice, me, room, deployment.delivered)
    parts = [e for e in alice.seen if from_bot(me, room, "word0")(e)]
    markers = [re.match(r"\((\d+)/(\d+)\) ", e["content"]["body"]) for e in parts]
    assert all(markers) and len(parts) >= 2, [e["content"]["body"][:20] for e in parts]
    count = int(markers[0].group(2))  # type: ignore[union-attr]
    assert [int(m.group(1)) for m in markers] == list(range(1, count + 1))  # type: ignore[union-attr]
    words = " ".join(re.sub(r"^\(\d+/\d+\) ", "", e["content"]["body"]) for e in parts).split()
    assert [w for w in words if w.startswith("word")] == text.split()  # whole, in order, nothing twice
    assert len(answers(alice, me, room, "Announcement #1 posted")) == 1


async def recap_scene(deployment: Deployment, alice: Partner) -> None:
    """A first run on Monday at 08:50 (the schedules start), with something for the recap; stopped."""
    me, room = deployment.bot.user_id, deployment.room
    deployment.at(MONDAY.replace(hour=8, minute=50))
    with deployment.process() as first:
        await alice.wait_for(joined(me, room), timeout=30)
        await alice.reply_to(room, "!engage Write the charter", "Commitment #1 saved", me, timeout=30)
        first.signal(signal.SIGTERM)
        assert await asyncio.to_thread(first.wait, 15) == 0


@pytest.mark.parametrize("point", ["in-round:recap", "before-send:Weekly recap", "after-send:Weekly recap"])
async def test_a_recap_killed_mid_round_is_posted_once_after_a_restart_at_09_00_30(scene: Any, point: str) -> None:
    deployment, alice = scene
    me, room = deployment.bot.user_id, deployment.room
    await recap_scene(deployment, alice)
    deployment.at(MONDAY.replace(hour=9, second=10))
    crashing = deployment.process(point).start()
    try:
        await deployment.crashed(crashing)
    finally:
        crashing.reap()
    deployment.at(MONDAY.replace(hour=9, second=30))
    with deployment.process() as second:
        await alice.wait_for(from_bot(me, room, "Weekly recap"), timeout=30)
        await settle(alice, me, room, deployment.delivered)
        recaps = answers(alice, me, room, "Weekly recap")
        assert len(recaps) == 1, second.output()[-3000:]
    occurrences = deployment.rows("SELECT schedule_key, status FROM occurrences WHERE kind = 'recap'")
    assert [status for _, status in occurrences] == ["posted"]  # once, on time (not 'late', not 'missed')
    assert "Write the charter" in next(e for e in alice.seen if e["event_id"] == recaps[0])["content"]["body"]


async def test_sigterm_in_the_middle_of_the_recap_round_stops_cleanly_and_posts_once(scene: Any) -> None:
    deployment, alice = scene
    me, room = deployment.bot.user_id, deployment.room
    await recap_scene(deployment, alice)
    deployment.at(MONDAY.replace(hour=9, second=10))
    stopping = deployment.process("sigterm-in-round:recap").start()
    try:
        code = await asyncio.to_thread(stopping.wait, 30)
        output = stopping.output()
    finally:
        stopping.reap()
    assert code == 0 and "relais: stopping" in output, output[-3000:]
    assert "Traceback" not in output, output[-3000:]
    deployment.at(MONDAY.replace(hour=9, second=30))
    with deployment.process():
        await alice.wait_for(from_bot(me, room, "Weekly recap"), timeout=30)
        await settle(alice, me, room, deployment.delivered)
    (recap,) = answers(alice, me, room, "Weekly recap")
    assert [row[0] for row in deployment.rows("SELECT status FROM occurrences WHERE kind = 'recap'")] == ["posted"]
    checks = [e for e in alice.seen if e.get("sender") == me and e.get("type") == "m.reaction"]
    assert [e["content"]["m.relates_to"]["event_id"] for e in checks] == [recap]  # its ✅, once, not lost


async def test_killed_during_a_migration_starts_again_and_loses_nothing(scene: Any) -> None:
    deployment, alice = scene
    me, room = deployment.bot.user_id, deployment.room
    migrating = deployment.process("migration:reading_weeks").start()  # 0018, on a new database
    try:
        await deployment.crashed(migrating)
    finally:
        migrating.reap()
    await alice.send(room, "!engage Typed while the bot was down")  # before its first start: history
    with deployment.process() as second:
        await alice.wait_for(joined(me, room), timeout=30)
        await alice.reply_to(room, "!engage Book the room", "Commitment #1 saved", me, timeout=30)
        assert "Traceback" not in second.output(), second.output()[-3000:]
    assert deployment.rows("SELECT version_num FROM alembic_version") == [(head_revision(),)]


@pytest.mark.parametrize("point", ["after-send", "sigterm-after-send"])
async def test_stopped_in_the_middle_of_a_batch_every_post_arrives_once_in_order(scene: Any, point: str) -> None:
    deployment, alice = scene
    me, room = deployment.bot.user_id, deployment.room
    with deployment.process() as first:
        await alice.wait_for(joined(me, room), timeout=30)
        await settle(alice, me, room, deployment.delivered)
        first.signal(signal.SIGTERM)
        assert await asyncio.to_thread(first.wait, 15) == 0
    engine = make_engine(f"sqlite:///{deployment.database}")
    with Store(engine).unit_of_work() as session:  # a batch waiting in the outbox (queued while it was down)
        for number in range(1, 21):
            enqueue(session, MONDAY, f"Batch post {number:02d}", channel=f"matrix:{room}")
    engine.dispose()
    stopping = deployment.process(f"{point}:Batch post:5").start()  # the fifth post has just left
    try:
        await deployment.crashed(stopping, 0 if point.startswith("sigterm") else -signal.SIGKILL)
    finally:
        stopping.reap()
    with deployment.process():
        await alice.wait_for(from_bot(me, room, "Batch post 20"), timeout=30)
        await settle(alice, me, room, deployment.delivered)
    posts = [e["content"]["body"] for e in alice.seen if from_bot(me, room, "Batch post")(e)]
    assert posts == [f"Batch post {number:02d}" for number in range(1, 21)]  # once each, in order


async def test_killed_right_after_its_first_sync_it_answers_what_was_typed_meanwhile(scene: Any) -> None:
    deployment, alice = scene
    me, room = deployment.bot.user_id, deployment.room
    async with partner(deployment.hs, deployment.bot) as bot:  # in the room before Relais first runs
        await bot.client.join(room)
    await alice.send(room, "!engage Typed before Relais ever ran")  # history: never handled
    first = deployment.process("first-sync").start()
    try:
        await deployment.crashed(first)
    finally:
        first.reap()
    await alice.send(room, "!engage Typed while it was down")  # after its first start: to answer
    await deployment.hs.arestart()  # (else Synapse answers the same first sync from its 2-minute cache)
    with deployment.process():
        await alice.wait_for(from_bot(me, room, "saved: Typed while it was down"), timeout=30)
        await settle(alice, me, room, deployment.delivered)
    assert deployment.rows("SELECT title FROM commitments") == [("Typed while it was down",)]


@pytest.mark.parametrize("point", ["after-send", "before-send"])
@pytest.mark.parametrize("resume", ["after-the-answer", "before-the-answer"])
async def test_killed_around_its_answer_and_logged_in_anew_answers_once(scene: Any, point: str, resume: str) -> None:
    """A new login (a new device, a new access token) after the crash: Synapse's transaction ids were the old
    device's and cannot stop a second copy. The answer is found in the room (the stopped process had already
    handled the sync that brought it back: `after-the-answer`) or in the sync that brings it back."""
    deployment, alice = scene
    me, room = deployment.bot.user_id, deployment.room
    first = deployment.process(f"{point}:Commitment #1 saved").start()
    try:
        await alice.wait_for(joined(me, room), timeout=30)
        before = deployment.sync_position(deployment.bot.access_token)
        await alice.send(room, "!engage Book the room")
        log = await deployment.crashed(first)
    finally:
        first.reap()
    ((row, status, recorded),) = deployment.rows("SELECT id, status, message_id FROM outbox")
    assert (status, recorded) == ("sending", None)
    _user, token, device = deployment.hs.login(deployment.bot.localpart, deployment.bot.password)
    assert device != deployment.bot.device_id
    deployment.resume_at(deployment.sync_position(token) if resume == "after-the-answer" else before)
    with deployment.process(token=token) as second:
        await settle(alice, me, room, deployment.delivered)
        (answer,) = answers(alice, me, room, "Commitment #1 saved")  # once
        output = second.output()
    assert deployment.rows(f"SELECT status, message_id FROM outbox WHERE id = '{row}'") == [("sent", answer)]
    if point == "after-send":
        assert f"crash point: {row} sent as {answer}" in log  # the copy the first process sent, kept
        assert f"outbox {row} already in" in output or f"outbox {row} found in" in output, output[-3000:]
    else:  # never sent: looked for, not found, sent once
        assert f"crash point: {row}" not in log and "Traceback" not in output
    assert deployment.rows("SELECT title FROM commitments") == [("Book the room",)]


async def test_a_recap_killed_after_it_left_then_logged_in_anew_is_posted_once_with_one_check(scene: Any) -> None:
    """An item's post found in the room after a new login: recorded, and its ✅ put under it once."""
    deployment, alice = scene
    me, room = deployment.bot.user_id, deployment.room
    await recap_scene(deployment, alice)
    deployment.at(MONDAY.replace(hour=9, second=10))
    crashing = deployment.process("after-send:Weekly recap").start()
    try:
        log = await deployment.crashed(crashing)
    finally:
        crashing.reap()
    _user, token, _device = deployment.hs.login(deployment.bot.localpart, deployment.bot.password)
    deployment.resume_at(deployment.sync_position(token))  # only a look in the room finds it
    deployment.at(MONDAY.replace(hour=9, second=30))
    with deployment.process(token=token) as second:
        await alice.wait_for(from_bot(me, room, "Weekly recap"), timeout=30)
        await settle(alice, me, room, deployment.delivered)
        (recap,) = answers(alice, me, room, "Weekly recap")
        unsent = "SELECT id FROM outbox WHERE status != 'sent'"
        await eventually(lambda: deployment.rows(unsent) == [], timeout=30, what="the recap and its chart recorded")
        await settle(alice, me, room, deployment.delivered)
        output = second.output()
    assert f"sent as {recap}" in log and "already in" in output, output[-3000:]
    assert [row[0] for row in deployment.rows("SELECT status FROM occurrences WHERE kind = 'recap'")] == ["posted"]
    assert deployment.rows("SELECT message_id FROM outbox WHERE item_id IS NOT NULL") == [(recap,)]
    charts = [e for e in alice.seen if e.get("sender") == me and e.get("content", {}).get("msgtype") == "m.image"]
    assert len(charts) == 1
    checks = [e for e in alice.seen if e.get("sender") == me and e.get("type") == "m.reaction"]
    assert [e["content"]["m.relates_to"]["event_id"] for e in checks] == [recap]  # its ✅, once
