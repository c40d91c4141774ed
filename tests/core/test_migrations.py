"""The migration chain builds the schema the models describe (what `alembic check` verifies)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from bot.db import alembic_config, current_revision, head_revision, make_engine, upgrade
from bot.models import Base


def test_migrations_match_models(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_one_head_and_database_at_head(engine):
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert len(heads) == 1
    assert current_revision(engine) == head_revision()


def test_empty_sqlite_upgrades_to_head_and_is_idempotent(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    upgrade(engine)
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    engine.dispose()


# Kinds and statuses: a CHECK constraint per enum column (migration 0008), on databases with rows


def _enum_columns() -> list[tuple[str, str, set[str]]]:
    from sqlalchemy import Enum

    return [
        (table.name, column.name, set(column.type.enums))
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, Enum)
    ]


def _checks(connection) -> dict[tuple[str, str], set[str]]:
    """(table, column) -> the values its ck_<table>_<column> constraint allows, read back from the database."""
    import re

    from sqlalchemy import inspect

    inspector = inspect(connection)
    found = {}
    for table, column, _ in _enum_columns():
        for check in inspector.get_check_constraints(table):
            if check["name"] == f"ck_{table}_{column}":
                found[(table, column)] = set(re.findall(r"'([^']*)'", check["sqltext"]))
    return found


def test_every_kind_and_status_column_is_checked_by_the_database(engine):
    columns = _enum_columns()
    assert {(table, column) for table, column, _ in columns} >= {
        ("items", "kind"),
        ("commitments", "status"),
        ("meetings", "status"),
        ("outbox", "status"),
        ("occurrences", "status"),
        ("occurrences", "kind"),
        ("schedules", "kind"),
        ("members", "role"),
    }
    with engine.connect() as connection:
        assert _checks(connection) == {(table, column): values for table, column, values in columns}


def _world_at_head(url: str, options: dict):
    from bot.clock import FixedClock
    from bot.db import Store
    from tests.conftest import NOW
    from tests.schedules.support import make_world, schedules_config, setup_week

    engine = make_engine(url, **options)
    world = make_world(Store(engine), FixedClock(NOW), schedules_config())
    setup_week(world)
    world.say("fabienne", "/cancel-meeting #1")
    world.say("alice", "/done #2")
    world.say("bob", "/drop #3 plus utile")
    world.say("fabienne", "/member @alice role facilitator")
    world.run(NOW.replace(day=30, hour=9))
    return engine


def _counts(engine) -> dict[str, int]:
    from sqlalchemy import text

    with engine.connect() as connection:
        return {
            table.name: connection.execute(text(f"SELECT count(*) FROM {table.name}")).scalar_one()
            for table in Base.metadata.sorted_tables
        }


def test_an_existing_database_with_rows_gets_its_checks(fresh_url):
    from alembic import command

    url, options = fresh_url
    engine = _world_at_head(url, options)
    before = _counts(engine)
    assert before["items"] >= 5 and before["occurrences"] and before["outbox"]
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0007")
    with engine.connect() as connection:
        assert _checks(connection) == {}
    upgrade(engine)
    assert _counts(engine) == before
    with engine.connect() as connection:
        assert len(_checks(connection)) == len(_enum_columns())
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []  # indexes, keys and uniques came through the rebuild
        if engine.dialect.name == "sqlite":
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1  # on again for whoever comes next
            assert connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
    engine.dispose()


def test_a_value_relais_does_not_know_stops_the_upgrade_and_changes_nothing(fresh_url):
    import pytest
    from alembic import command
    from sqlalchemy import text

    url, options = fresh_url
    engine = _world_at_head(url, options)
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0007")
        connection.execute(text("UPDATE items SET kind = 'poll' WHERE kind = 'decision' OR number = 1"))
    with pytest.raises(RuntimeError, match=r"items\.kind holds values Relais does not know: poll"):
        upgrade(engine)
    assert current_revision(engine) == "0007"
    with engine.connect() as connection:
        assert _checks(connection) == {}
        assert connection.execute(text("SELECT count(*) FROM items WHERE kind = 'poll'")).scalar_one() == 1
    engine.dispose()


def test_the_database_refuses_a_kind_it_does_not_know(engine):
    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    at = {"at": "2026-11-26 10:00:00"}
    with engine.connect() as connection:
        transaction = connection.begin()
        try:
            connection.execute(
                text(
                    "INSERT INTO communities (name, language, timezone, next_number, created_at) "
                    "VALUES ('c', 'fr', 'UTC', 0, :at)"
                ),
                at,
            )
            community = connection.execute(text("SELECT id FROM communities WHERE name = 'c'")).scalar_one()
            member = (
                "INSERT INTO members (community_id, display_name, role, role_from_config, muted, created_at) "
                "VALUES (:community, 'X', :role, false, false, :at)"
            )
            connection.execute(text(member), {"community": community, "role": "partner", **at})
            with pytest.raises(IntegrityError, match="ck_members_role"), connection.begin_nested():
                connection.execute(text(member), {"community": community, "role": "boss", **at})
        finally:
            transaction.rollback()
