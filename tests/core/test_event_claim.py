"""A command's event claimed first on PostgreSQL (bot.dedup.claimed_first): two processes handling
the same Matrix event run it once — the second waits for the first's outcome, and runs it only if
the first rolled back."""

from __future__ import annotations

import threading

from sqlalchemy import Engine, text

from bot.clock import SystemClock
from bot.db import Store, make_engine
from bot.dedup import claimed_first
from tests.support.waiting import eventually


async def test_the_same_event_claimed_by_two_processes_is_run_once(fresh_url):
    url, options = fresh_url
    here, there = Store(make_engine(url, **options)), Store(make_engine(url, **options))
    if here.dialect != "postgresql":
        here.engine.dispose()
        there.engine.dispose()
        return  # SQLite looks the event up first and records it last (tests/core/test_command_statements.py)
    clock = SystemClock()
    watcher = make_engine(url, **options)
    outcomes: list[bool] = []
    try:
        for first_commits in (False, True):
            event_id = f"$event-{first_commits}"
            with here.unit_of_work() as session:
                assert claimed_first(session, "matrix", event_id, clock)
                other = threading.Thread(target=_claim, args=(there, event_id, outcomes))
                other.start()
                # it waits for this transaction's outcome
                await eventually(lambda: _waiting_for_a_lock(watcher), what="the other claim to wait")
                assert other.is_alive()
                if not first_commits:
                    session.rollback()
            other.join(10)
        assert outcomes == [True, False]  # after a rollback the other runs it; after a commit, not again
        with here.unit_of_work() as session:
            assert not claimed_first(session, "matrix", "$event-False", clock)
    finally:
        here.engine.dispose()
        there.engine.dispose()
        watcher.dispose()


def _waiting_for_a_lock(engine: Engine) -> bool:
    with engine.connect() as connection:
        query = (
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%processed_events%'"
        )
        return bool(connection.execute(text(query)).scalar_one())


def _claim(store: Store, event_id: str, outcomes: list[bool]) -> None:
    with store.unit_of_work() as session:
        outcomes.append(claimed_first(session, "matrix", event_id, SystemClock()))
