"""Several processes on one database (bot.outbox_leases): a process that starts takes back at once the
leases of a process that is gone (killed with SIGKILL, or stopped), never those of a live one, which sends
its message once. Each "process" here has its own engine and store, as two `relais run` would; the dead
one is a real process killed with SIGKILL. On an SQLite file and on PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import select, text

from bot import outbox_leases
from bot.clock import FixedClock
from bot.db import Store, make_engine, upgrade
from bot.delivery import Deliverer, Sent, TemporaryFailure
from bot.kinds import OutboxStatus
from bot.models import OutboxMessage
from bot.outbox import enqueue
from bot.outbox_leases import close_lease_owner, lease_owner, leases_folder, release_leases
from tests.support.sender import RecordingSender
from tests.support.waiting import eventually

PG_URL = os.environ.get("RELAIS_TEST_DATABASE_URL")
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # a fixed clock: no lease ends by itself in these tests
ROOT = Path(__file__).resolve().parents[2]
ROOM = "matrix:!copil:hs"


@pytest.fixture(params=["sqlite", "postgresql"])
def shared_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """One database at head, as the URL every process of a deployment is given."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'relais.db'}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
        return
    if not PG_URL:
        pytest.skip("PostgreSQL tests need RELAIS_TEST_DATABASE_URL (.ci/run sets it)")
    from tests.support.schemas import fresh_schema_url

    with fresh_schema_url(PG_URL, "relais_lease") as url:
        yield url


class Process:
    """What one `relais run` holds of the database: its engine, its store."""

    def __init__(self, url: str) -> None:
        self.store = Store(make_engine(url))

    def close(self) -> None:
        close_lease_owner(self.store)
        self.store.engine.dispose()


@pytest.fixture
def processes(shared_url: str) -> Iterator[list[Process]]:
    made: list[Process] = []
    yield made
    for process in made:
        process.close()


class HeldSender(RecordingSender):
    """A platform that takes a message only once the test lets it go (the send is in flight meanwhile)."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()
        self.in_flight: list[str] = []

    async def send(self, message: Any, resend: bool) -> Sent:
        self.in_flight.append(message.id)
        await self.gate.wait()
        return await super().send(message, resend)


def rows(store: Store) -> list[tuple[str, str, int]]:
    with store.unit_of_work() as session:
        return [
            (r.text, r.status, r.attempts) for r in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        ]


async def send_held(process: Process, clock: FixedClock, sender: HeldSender) -> Deliverer:
    """`process`' delivery loop started, an answer enqueued and in flight, held by `sender`."""
    sending = Deliverer(process.store, clock, sender)
    sending.start()
    with process.store.unit_of_work() as session:
        enqueue(session, NOW, "Commitment #1 saved", channel=ROOM)
    await eventually(lambda: sender.in_flight, what="the answer in flight")
    return sending


async def test_a_process_starting_leaves_a_live_process_its_message_in_flight(
    shared_url: str, processes: list[Process]
) -> None:
    first, second = Process(shared_url), Process(shared_url)
    processes += [first, second]
    clock = FixedClock(NOW)
    held = HeldSender()
    sending = await send_held(first, clock, held)
    # the second process starts (a new login: it could not tell the message in flight from one never sent)
    assert await asyncio.to_thread(release_leases, second.store, "matrix", NOW) == 0
    other = RecordingSender()
    assert await Deliverer(second.store, clock, other).deliver_due() == 0
    held.gate.set()
    await eventually(lambda: rows(first.store) == [("Commitment #1 saved", "sent", 1)], what="recorded sent")
    await sending.stop()
    assert held.sent == ["Commitment #1 saved"] and other.sent == []  # once


async def test_the_leases_of_a_stopped_process_are_taken_back_at_once(
    shared_url: str, processes: list[Process]
) -> None:
    first, second = Process(shared_url), Process(shared_url)
    processes += [first, second]
    clock = FixedClock(NOW)
    held = HeldSender()
    sending = await send_held(first, clock, held)
    await sending.stop(timeout=0)  # stopped in the middle of the send: its lease is left
    first.close()
    assert await asyncio.to_thread(release_leases, second.store, "matrix", NOW) == 1
    after = RecordingSender()
    assert await Deliverer(second.store, clock, after).deliver_due() == 1
    assert after.calls == [(after.messages[0].id, True)]  # a resend: looked for on the platform first
    assert rows(second.store) == [("Commitment #1 saved", "sent", 2)]


KILLED = """
import json, os, signal, sys
from datetime import datetime, timedelta
from bot.db import Store, make_engine
from bot.models import OutboxMessage
from bot.outbox import enqueue, mark_sending
from bot.outbox_leases import lease_owner
url, now = sys.argv[1], datetime.fromisoformat(sys.argv[2])
store = Store(make_engine(url))
with store.unit_of_work() as session:
    row = enqueue(session, now, "Sent by the killed process", channel="matrix:!copil:hs")
    session.flush()
    mark_sending(session, row, now, timedelta(seconds=30), lease_owner(store).token)
print(json.dumps(lease_owner(store).token), flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


async def test_the_leases_of_a_killed_process_are_taken_back_at_once_by_the_next_start(
    shared_url: str, processes: list[Process]
) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    killed = subprocess.run(
        [sys.executable, "-c", KILLED, shared_url, NOW.isoformat()], env=env, capture_output=True, timeout=60
    )
    assert killed.returncode == -9, killed.stderr.decode()[-2000:]
    token = json.loads(killed.stdout)
    restarted = Process(shared_url)
    processes.append(restarted)
    with restarted.store.unit_of_work() as session:  # leased before migration 0022: no owner, left to its lease
        legacy = enqueue(session, NOW, "Leased by an older Relais", channel=ROOM)
        legacy.status, legacy.attempts, legacy.not_before = OutboxStatus.SENDING, 1, NOW + timedelta(seconds=30)
    assert await asyncio.to_thread(release_leases, restarted.store, "matrix", NOW) == 1  # at once, not in 30 s
    assert lease_owner(restarted.store).token != token
    sender = RecordingSender()
    assert await Deliverer(restarted.store, FixedClock(NOW), sender).deliver_due() == 1
    assert sender.sent == ["Sent by the killed process"] and sender.calls[0][1] is True
    folder = leases_folder(restarted.store)
    if folder is not None:  # SQLite: the killed process' lock file is gone, the live one's is there
        assert sorted(path.name for path in folder.iterdir()) == [lease_owner(restarted.store).token]
    assert await asyncio.to_thread(release_leases, restarted.store, "matrix", NOW) == 0  # nothing twice


def lease_end(store: Store) -> datetime | None:
    with store.unit_of_work() as session:
        return session.scalars(select(OutboxMessage.not_before)).one()


async def test_a_send_slower_than_its_lease_is_not_taken_by_another_process_meanwhile(
    shared_url: str, processes: list[Process], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A long look back through the room, a large picture: the lease is renewed while the send is in flight."""
    first, second = Process(shared_url), Process(shared_url)
    processes += [first, second]
    clock = FixedClock(NOW)
    held = HeldSender()
    sending = Deliverer(first.store, clock, held, lease=timedelta(seconds=0.3))
    serving = asyncio.ensure_future(sending.serve(fallback=60))
    await eventually(sending.accepting, what="the loop started")
    with first.store.unit_of_work() as session:
        enqueue(session, NOW, "The recap's chart", channel=ROOM)
    await eventually(lambda: held.in_flight, what="the chart in flight")
    other = RecordingSender()
    # time goes on by less than what is left of the lease at each step, as it does for a process whose renewals
    # come every third of a lease: the lease never ends. A jump past its end (to 10 s) would make the row due
    # until the next renewal, to this process' own delivery pass too, which would send it a second time.
    for step in range(1, 7):  # up to 1.2 s, far past its first lease of 0.3 s: renewed every 0.1 s meanwhile
        clock.set(NOW + step * timedelta(seconds=0.2))
        renewed = clock.now() + sending.lease
        await eventually(lambda renewed=renewed: lease_end(first.store) == renewed, what="the lease renewed")
        assert await Deliverer(second.store, clock, other).deliver_due() == 0
    monkeypatch.setattr(outbox_leases, "RENEWED_FOR", 0.0)  # a send hung for longer: no longer renewed
    assert sending.renewals.renewable() == []
    held.gate.set()
    await eventually(lambda: rows(first.store) == [("The recap's chart", "sent", 1)], what="recorded sent")
    serving.cancel()
    await asyncio.gather(serving, return_exceptions=True)
    assert held.sent == ["The recap's chart"] and other.sent == []  # once


async def test_a_send_past_its_lease_is_not_sent_again_by_its_own_process(
    shared_url: str, processes: list[Process]
) -> None:
    """Its renewals late (the event loop stalled for longer than the lease), the process' own next delivery pass
    leaves alone the row it is still sending: sent once, recorded once."""
    first = Process(shared_url)
    processes.append(first)
    clock, held = FixedClock(NOW), HeldSender()
    sending = await send_held(first, clock, held)
    clock.set(NOW + timedelta(hours=1))  # far past its lease, never renewed (no serve loop here)
    assert await asyncio.wait_for(sending.deliver_due(), 5) == 0  # before: claimed again, a second send held
    assert len(held.in_flight) == 1
    held.gate.set()
    await eventually(lambda: rows(first.store) == [("Commitment #1 saved", "sent", 1)], what="recorded sent")
    await sending.stop()
    assert held.sent == ["Commitment #1 saved"]


def owner_alive(checker: Store, token: str) -> bool:
    """What a process that starts would judge of the owner `token` (bot.outbox_leases.alive)."""
    with checker.unit_of_work() as session:
        return outbox_leases.alive(checker, session, token)


async def start_held_send(first: Process, clock: FixedClock) -> tuple[HeldSender, asyncio.Future[None]]:
    """A delivery loop of `first` sending a message that stays in flight (its lease renewed every 0.1 s)."""
    held = HeldSender()
    sending = Deliverer(first.store, clock, held, lease=timedelta(seconds=0.3))
    serving = asyncio.ensure_future(sending.serve(fallback=60))
    await eventually(sending.accepting, what="the loop started")
    with first.store.unit_of_work() as session:
        enqueue(session, NOW, "Commitment #1 saved", channel=ROOM)
    await eventually(lambda: held.in_flight, what="the answer in flight")
    return held, serving


async def finish_once(first: Process, second: Process, held: HeldSender, serving: asyncio.Future[None]) -> None:
    """A process starting now leaves the message to its live owner: sent once."""
    assert await asyncio.to_thread(release_leases, second.store, "matrix", NOW) == 0
    other = RecordingSender()
    assert await Deliverer(second.store, FixedClock(NOW), other).deliver_due() == 0
    held.gate.set()
    await eventually(lambda: rows(first.store) == [("Commitment #1 saved", "sent", 1)], what="recorded sent")
    serving.cancel()
    await asyncio.gather(serving, return_exceptions=True)
    assert held.sent == ["Commitment #1 saved"] and other.sent == []  # once


async def test_a_live_process_whose_lock_connection_was_lost_takes_its_lock_again(
    shared_url: str, processes: list[Process]
) -> None:
    """PostgreSQL restarted, or the lock's connection terminated: the process is not taken for gone for long."""
    if not shared_url.startswith("postgresql"):
        pytest.skip("an advisory lock's connection: PostgreSQL")
    first, second = Process(shared_url), Process(shared_url)
    processes += [first, second]
    held, serving = await start_held_send(first, FixedClock(NOW))
    token = lease_owner(first.store).token
    pid = lease_owner(first.store).connection.info.backend_pid  # type: ignore[attr-defined]
    with second.store.engine.connect() as admin:
        assert admin.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})

    def ended() -> bool:  # pg_terminate_backend only signals it: its lock goes when it has ended
        with second.store.engine.connect() as admin:
            return not admin.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid})

    await eventually(ended, what="the lock's connection ended")
    await eventually(lambda: owner_alive(second.store, token), what="the lock taken again")
    await finish_once(first, second, held, serving)


def test_the_lock_connection_is_never_closed_for_being_idle(shared_url: str, processes: list[Process]) -> None:
    """An idle_session_timeout set for the role or the URL does not end the lock's connection (idle by design)."""
    if not shared_url.startswith("postgresql"):
        pytest.skip("an advisory lock's connection: PostgreSQL")
    process = Process(f"{shared_url}{quote(' -c idle_session_timeout=100')}")
    processes.append(process)
    connection = lease_owner(process.store).connection  # type: ignore[attr-defined]
    assert connection.execute("SHOW idle_session_timeout").fetchone()[0] == "0"
    with process.store.engine.connect() as pooled:  # the other connections keep the operator's setting
        assert pooled.scalar(text("SHOW idle_session_timeout")) == "100ms"


async def test_a_live_process_whose_lock_file_was_removed_makes_it_again(
    shared_url: str, processes: list[Process]
) -> None:
    """The leases folder cleaned by hand or by a cleaner of old files: the process is not taken for gone for long."""
    if not shared_url.startswith("sqlite"):
        pytest.skip("a lock file: SQLite")
    first, second = Process(shared_url), Process(shared_url)
    processes += [first, second]
    held, serving = await start_held_send(first, FixedClock(NOW))
    token = lease_owner(first.store).token
    folder = leases_folder(first.store)
    assert folder is not None
    (folder / token).unlink()
    await eventually(lambda: owner_alive(second.store, token), what="the lock file made again")
    await finish_once(first, second, held, serving)


def test_a_temporary_lock_file_left_by_a_killed_process_is_swept(shared_url: str, processes: list[Process]) -> None:
    """Killed between making its lock file and naming it: the folder does not fill with them."""
    if not shared_url.startswith("sqlite"):
        pytest.skip("a lock file: SQLite")
    first = Process(shared_url)
    processes.append(first)
    folder = leases_folder(first.store)
    assert folder is not None
    folder.mkdir()
    old, fresh = folder / f".{'a' * 32}.new", folder / f".{'b' * 32}.new"
    old.write_text("killed\n")
    fresh.write_text("being made\n")  # by a process starting this very moment: left to it
    an_hour_ago = time.time() - 3600
    os.utime(old, (an_hour_ago, an_hour_ago))
    token = lease_owner(first.store).token
    assert sorted(path.name for path in folder.iterdir()) == sorted([fresh.name, token])


class HungSender(HeldSender):
    """A send that hangs until the test lets it go, then fails (a timeout at last)."""

    async def send(self, message: Any, resend: bool) -> Sent:
        self.in_flight.append(message.id)
        await self.gate.wait()
        raise TemporaryFailure("timed out")


async def test_a_hung_send_failing_at_last_leaves_to_another_process_the_lease_it_took_meanwhile(
    shared_url: str, processes: list[Process]
) -> None:
    """Hung past its lease (no longer renewed after RENEWED_FOR), the message was taken by another process:
    the hung send's failure does not put it back in the queue while the other sends it (a third copy)."""
    first, second = Process(shared_url), Process(shared_url)
    processes += [first, second]
    clock = FixedClock(NOW)
    hung = HungSender()
    sending = await send_held(first, clock, hung)  # no renewals: as a send hung for longer than RENEWED_FOR
    clock.set(NOW + timedelta(seconds=31))  # its lease of 30 s ended
    taking = HeldSender()
    taken = asyncio.ensure_future(Deliverer(second.store, clock, taking).deliver_due())
    await eventually(lambda: taking.in_flight, what="taken by the second process")
    hung.gate.set()
    await sending.stop()  # the hung send failed, and its failure was recorded
    clock.set(NOW + timedelta(seconds=40))  # past that failure's retry, within the second process' lease
    third = RecordingSender()
    assert await Deliverer(first.store, clock, third).deliver_due() == 0
    taking.gate.set()
    assert await taken == 1
    assert rows(first.store) == [("Commitment #1 saved", "sent", 2)] and third.sent == []
