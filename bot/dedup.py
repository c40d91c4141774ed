"""Inbound de-duplication for platform signals (reactions, home views…), in the ProcessedEvent table.

Commands are de-duplicated by Dispatcher.handle (Incoming.event_id). Signals that do not go through
the dispatcher use these helpers with the same table, so a platform retry (same event id) is applied
once even across several bot processes (the (source, event_id) pair is unique).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from functools import cache
from typing import Any

from sqlalchemy import bindparam, delete, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.db import Store, pipelined
from bot.models import ProcessedEvent

# built once (a statement made at every command costs more to build and key than to run)
RECORDED = select(ProcessedEvent.id).where(
    ProcessedEvent.source == bindparam("source"), ProcessedEvent.event_id == bindparam("event")
)
RECORD = ProcessedEvent.__table__.insert()


def already_recorded(session: Session, source: str, event_id: str) -> bool:
    seen = session.scalar(RECORDED, {"source": source, "event": event_id[:300]})
    return seen is not None


def first_time(session: Session, source: str, event_id: str, clock: Clock) -> bool:
    """Record the event in this unit of work; False if it was already recorded."""
    event_id = event_id[:300]
    if already_recorded(session, source, event_id):
        return False
    session.add(ProcessedEvent(source=source, event_id=event_id, at=clock.now()))
    session.flush()
    return True


def record(session: Session, source: str, event_id: str, clock: Clock) -> None:
    """Record the event in this unit of work without looking first: IntegrityError (at this INSERT) if it
    was recorded already — for a caller that has just looked, in the same transaction. A plain INSERT
    (what else the unit of work holds is flushed at its commit)."""
    values = {"source": source, "event_id": event_id[:300], "at": clock.now()}
    session.connection().execute(RECORD, values)


def claimed_first(session: Session, source: str, event_id: str, clock: Clock) -> bool:
    """PostgreSQL: record the event at the start of its unit of work, in one statement that also says
    whether it is new (INSERT … ON CONFLICT DO NOTHING RETURNING), sent with the transaction's BEGIN:
    one round trip instead of three (BEGIN, a look-up first, an INSERT last). Another transaction
    recording the same event meanwhile makes this one wait for its outcome: False once it committed,
    True (recorded here) if it rolled back."""
    return claimed_first_with(session, source, event_id, clock)[0]


def claimed_first_with(
    session: Session,
    source: str,
    event_id: str,
    clock: Clock,
    also: Callable[[Callable[[str], str]], str] | None = None,
) -> tuple[bool, tuple[Any, ...] | None]:
    """claimed_first, and in the same round trip the one row of a SELECT that `also` writes (given the
    function that quotes a literal): None when it could not go with the claim (the caller asks itself)."""
    values = (source, event_id[:300], clock.now().astimezone(UTC).isoformat())
    driver = pipelined(session)
    # not idle (tests: a savepoint already begun); a NUL, where libpq's escaping would stop (PostgreSQL refuses it)
    if driver is None or driver.info.transaction_status != 0 or "\x00" in values[1]:
        found = session.execute(_claim(), {"source": values[0], "event": values[1], "at": clock.now()}).first()
        return found is not None, None
    # psycopg sends BEGIN on its own and waits for it: both go here in one simple query instead
    from psycopg.pq import Escaping

    pgconn, escaping = driver.pgconn, Escaping(driver.pgconn)

    def literal(value: str) -> str:
        return escaping.escape_literal(value.encode()).decode()

    insert_sql = (
        f"INSERT INTO processed_events (source, event_id, at) VALUES ({', '.join(map(literal, values))}) "
        "ON CONFLICT (source, event_id) DO NOTHING RETURNING id"
    )
    extra = also(literal) if also is not None else None
    if extra is None:
        query = f"BEGIN; {insert_sql}"
    else:  # one statement: the claim's row count first, then the other SELECT's row (NULLs when none)
        query = (
            f"BEGIN; WITH claim AS ({insert_sql}) SELECT (SELECT count(*) FROM claim), other.* "
            f"FROM (SELECT 1) AS one LEFT JOIN ({extra}) AS other ON true"
        )
    result = pgconn.exec_(query.encode())
    if result.status != 2:  # not TUPLES_OK: the error, as psycopg raises it
        from psycopg.errors import error_from_result

        if pgconn.status != 0:  # the connection is lost (the check before use missed it): SQLAlchemy sees it
            session.execute(text("SELECT 1"))  # and replaces the pool's connections (connection_invalidated)

        raise error_from_result(result, encoding="utf-8")
    if extra is None:
        return result.ntuples > 0, None
    row = tuple(
        None if value is None else bytes(value).decode()
        for value in (result.get_value(0, column) for column in range(result.nfields))
    )
    return row[0] != "0", row[1:]


@cache
def _claim() -> Any:
    """claimed_first's statement through SQLAlchemy, built once (the PostgreSQL dialect loaded only then)."""
    from sqlalchemy.dialects.postgresql import insert

    table = ProcessedEvent.__table__  # Core: an ORM insert is made again at every execution
    return (
        insert(table)
        .values(source=bindparam("source"), event_id=bindparam("event"), at=bindparam("at"))
        .on_conflict_do_nothing(index_elements=[table.c.source, table.c.event_id])
        .returning(table.c.id)
    )


def claim(store: Store, clock: Clock, source: str, event_id: str) -> bool:
    """Record the event in its own transaction; False if another delivery already claimed it."""
    try:
        with store.unit_of_work() as session:
            return first_time(session, source, event_id, clock)
    except IntegrityError:
        return False


def release(store: Store, source: str, event_id: str) -> None:
    """Forget a claim (the work failed): the platform's next retry will be handled."""
    event_id = event_id[:300]
    with store.unit_of_work() as session:
        session.execute(
            delete(ProcessedEvent).where(ProcessedEvent.source == source, ProcessedEvent.event_id == event_id)
        )
