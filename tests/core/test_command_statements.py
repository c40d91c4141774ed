"""What a command costs the database: a command typed in a circle's room reads its speaker (identity,
member, their place in the room and in the circle) in one statement, records its event once (on
PostgreSQL in the statement that looks it up), and a command that changes nothing runs without a
savepoint. Each statement is a round trip to PostgreSQL, and a Matrix command's answer waits for all
of them (issue 11: the Matrix round trip)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlalchemy import event, select

from bot.clock import FixedClock
from bot.config import CircleConfig
from bot.db import Store
from bot.delivery import Outgoing
from bot.dispatch import Dispatcher
from bot.kinds import OutboxStatus
from bot.models import OutboxMessage, ProcessedEvent
from bot.outbox import takers
from bot.reply import Incoming, Reply
from commands import build_router
from tests.conftest import make_config

COPIL = "matrix:!copil:hs"


@contextmanager
def statements(store: Store) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(store.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(store.engine, "before_cursor_execute", count)


def test_a_reading_command_in_a_circle_room_costs_a_few_statements(store: Store, clock: FixedClock):
    config = replace(make_config(), circles=(CircleConfig("COPIL", (COPIL,)),))
    dispatcher = Dispatcher(store=store, config=config, clock=clock, router=build_router())
    dispatcher.setup()

    def whoami(event_id: str) -> str:
        incoming = Incoming(
            identity="matrix:@alice:hs", text="!whoami", channel=COPIL, display_name="Alice", event_id=event_id
        )
        reply = dispatcher.handle(incoming, deliver=True)
        assert reply is not None
        return reply.text

    assert "Alice" in whoami("$first")  # Alice is new: she is created and joins COPIL
    with statements(store) as seen:
        assert "Alice" in whoami("$second")
    speaker = [s for s in seen if "FROM identities" in s and "JOIN members" in s]
    assert len(speaker) == 1
    assert not [
        s
        for s in seen
        if s.startswith(("SELECT channel_members", "SELECT circle_members.circle_id, circle_members.member_id"))
    ]
    # SQLite: looked up first, recorded last (the write lock at the very end); PostgreSQL: recorded
    # first, by the statement that looks it up (INSERT … ON CONFLICT DO NOTHING RETURNING)
    assert sum(1 for s in seen if "processed_events" in s) == (1 if store.dialect == "postgresql" else 2)
    # one savepoint: the test's store runs each unit of work in one (tests/conftest.py); none for /whoami
    assert sum(1 for s in seen if s.startswith("SAVEPOINT")) == 1
    with statements(store) as seen:
        assert (
            dispatcher.handle(
                Incoming(identity="matrix:@alice:hs", text="!whoami", channel=COPIL, event_id="$second"), deliver=True
            )
            is None
        )  # the same event again: nothing done twice
    assert not [s for s in seen if s.startswith("INSERT INTO outbox")]


class Taker:
    """A delivery loop as the outbox sees it (bot.outbox.Taker): records what it is handed at commit."""

    lease = timedelta(seconds=30)
    owner = "stand-in-loop"  # the token its leases carry (bot.outbox_leases)

    def __init__(self) -> None:
        self.taken: list[Outgoing] = []

    def accepting(self) -> bool:
        return True

    def take(self, rows: Sequence[OutboxMessage]) -> None:
        self.taken += [Outgoing.of(row) for row in rows]

    def poke(self) -> None:
        pass


def test_a_reading_commands_answer_is_written_with_its_event_and_handed_over_once(store: Store, clock: FixedClock):
    """Its row is written by one plain INSERT (no ORM flush) in the command's transaction, the event recorded
    with it; the delivery loop gets it after the commit, claimed ('sending', one attempt, leased)."""
    config = replace(make_config(), circles=(CircleConfig("COPIL", (COPIL,)),))
    dispatcher = Dispatcher(store=store, config=config, clock=clock, router=build_router())
    dispatcher.setup()
    taker = Taker()
    takers(store)["matrix"] = taker

    def command(line: str, event_id: str) -> Reply | None:
        incoming = Incoming(
            identity="matrix:@alice:hs", text=line, channel=COPIL, display_name="Alice", event_id=event_id
        )
        return dispatcher.handle(incoming, deliver=True)

    command("!whoami", "$first")
    for line, event_id in (("!whoami", "$second"), ("!unread", "$third"), ("!actions mine", "$fourth")):
        with statements(store) as seen:
            reply = command(line, event_id)
        assert reply is not None and reply.ok
        assert len([s for s in seen if s.startswith("INSERT INTO outbox")]) == 1
        assert command(line, event_id) is None  # the same event again: nothing done twice
    order = ["$first", "$second", "$third", "$fourth"]
    assert [message.reply_to for message in taker.taken] == order
    with store.unit_of_work() as session:
        rows = sorted(session.scalars(select(OutboxMessage)), key=lambda row: order.index(str(row.reply_to)))
        events = session.scalars(select(ProcessedEvent.event_id)).all()
    assert [row.reply_to for row in rows] == order
    assert {row.status for row in rows} == {OutboxStatus.SENDING} and {row.attempts for row in rows} == {1}
    assert all(row.channel == COPIL and row.recipient == "matrix:@alice:hs" and row.ephemeral for row in rows)
    assert {message.reply_to: message.text for message in taker.taken} == {row.reply_to: row.text for row in rows}
    assert "Alice" in rows[1].text
    assert set(events) >= {"$first", "$second", "$third", "$fourth"}


def test_a_reading_commands_statements_are_built_once(store: Store, clock: FixedClock):
    """Building and keying a statement costs more than running it (issue 11): the second time a command
    runs, every statement it executes through SQLAlchemy is one it executed the first time."""
    config = replace(make_config(), circles=(CircleConfig("COPIL", (COPIL,)),))
    dispatcher = Dispatcher(store=store, config=config, clock=clock, router=build_router())
    dispatcher.setup()
    executed: list[Any] = []  # the statements themselves (kept alive: no id is reused)

    def seen(_conn: Any, statement: Any, *_args: Any) -> None:
        if "Savepoint" not in type(statement).__name__:  # the test's store: each unit of work a savepoint
            executed.append(statement)

    def command(line: str, event_id: str) -> list[Any]:
        incoming = Incoming(identity="matrix:@alice:hs", text=line, channel=COPIL, display_name="Alice")
        executed.clear()
        assert dispatcher.handle(replace(incoming, event_id=event_id), deliver=True) is not None
        return list(executed)

    command("!whoami", "$zero")  # Alice is new: she is created and joins COPIL
    event.listen(store.engine, "before_execute", seen)
    try:
        for line in ("!whoami", "!unread", "!actions mine"):
            first = command(line, f"$1{line}")
            again = command(line, f"$2{line}")
            new = [str(s)[:100] for s in again if not any(s is t for t in first)]
            assert again and not new, (line, new)
    finally:
        event.remove(store.engine, "before_execute", seen)
