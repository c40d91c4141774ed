"""kinds and statuses checked by the database: a CHECK constraint on each column bot.kinds names

The values are the strings stored until now, so existing rows keep theirs; a row with any other
value stops the upgrade with a message naming the table, the column and the values (nothing is
changed). On SQLite each table is rebuilt (batch mode) with foreign keys off, as SQLite asks for
such a rebuild; they are checked before the transaction commits.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 05:00:00
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table, column, the values it may hold (as written by bot.kinds at this revision)
CHECKS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("items", "kind", ("commitment", "update", "announcement", "decision", "recap", "agenda", "meeting")),
    ("commitments", "status", ("open", "done", "dropped")),
    ("meetings", "status", ("scheduled", "cancelled")),
    ("outbox", "status", ("pending", "sending", "sent", "failed")),
    ("occurrences", "status", ("posting", "posted", "late", "missed", "paused", "empty")),
    ("occurrences", "kind", ("recap", "agenda", "reminder", "digest", "nudges")),
    ("schedules", "kind", ("circle", "digest", "nudges")),
    ("members", "role", ("facilitator", "partner")),
)


def _condition(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def _refuse_unknown_values() -> None:
    bind = op.get_bind()
    for table, column, values in CHECKS:
        found = bind.execute(
            sa.text(f"SELECT DISTINCT {column} FROM {table} WHERE NOT ({_condition(column, values)})")
        ).scalars()
        unknown = sorted(str(value) for value in found)
        if unknown:
            raise RuntimeError(
                f"{table}.{column} holds values Relais does not know: {', '.join(unknown)} "
                f"(known: {', '.join(values)}); nothing was changed"
            )


@contextmanager
def _sqlite_foreign_keys_off() -> Iterator[None]:
    """SQLite rebuilds a table to add a constraint; with foreign keys on, dropping the old table would
    orphan the rows that refer to it. The pragma works only between transactions: the migrations
    before this one are committed first. The connection goes back to the pool marked to be replaced,
    so that nobody uses it with foreign keys off."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        yield
        return
    bind.exec_driver_sql("COMMIT")
    bind.exec_driver_sql("PRAGMA foreign_keys=OFF")
    bind.exec_driver_sql("BEGIN IMMEDIATE")
    bind.connection.invalidate(soft=True)
    yield
    broken = bind.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"foreign keys broken by the rebuild: {broken[:5]}")


def _tables() -> dict[str, list[tuple[str, tuple[str, ...]]]]:
    """The checks per table (each table is rebuilt once on SQLite)."""
    tables: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for table, column, values in CHECKS:
        tables.setdefault(table, []).append((column, values))
    return tables


def upgrade() -> None:
    _refuse_unknown_values()
    with _sqlite_foreign_keys_off():
        for table, checks in _tables().items():
            with op.batch_alter_table(table, schema=None) as batch_op:
                for column, values in checks:
                    batch_op.create_check_constraint(op.f(f"ck_{table}_{column}"), _condition(column, values))


def downgrade() -> None:
    with _sqlite_foreign_keys_off():
        for table, checks in reversed(_tables().items()):
            with op.batch_alter_table(table, schema=None) as batch_op:
                for column, _ in checks:
                    batch_op.drop_constraint(op.f(f"ck_{table}_{column}"), type_="check")
