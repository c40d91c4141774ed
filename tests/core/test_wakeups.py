"""Hearing other processes (bot.wakeups): a row another process writes for a platform wakes this one's
delivery at once, through PostgreSQL NOTIFY or SQLite's data_version; a /map there drops this
process' directory (PostgreSQL). And a database at head is recognised without importing alembic."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys

from sqlalchemy import select

from bot.clock import SystemClock
from bot.db import Store, head_revision, make_engine
from bot.models import Circle, Community
from bot.outbox import NOTIFY_CHANNEL, enqueue
from bot.services.community import map_channel
from bot.services.directory import NOTIFY_CHANNEL as DIRECTORY
from bot.wakeups import Wakeups
from tests.support.waiting import eventually


async def test_a_row_written_by_another_process_is_heard(fresh_url):
    url, options = fresh_url
    here, there = Store(make_engine(url, **options)), Store(make_engine(url, **options))
    heard: list[str | None] = []
    wakeups = Wakeups(here, interval=0.01)
    wakeups.on(NOTIFY_CHANNEL, heard.append)
    listening = asyncio.ensure_future(wakeups.run())
    try:
        await eventually(lambda: wakeups.watching, what="the watch to start")
        with there.unit_of_work() as session:
            enqueue(session, SystemClock().now(), "écrit ailleurs", channel="slack:T/C")
        await eventually(lambda: heard, what="the other process' row to be heard")
        expected = "slack" if here.dialect == "postgresql" else None  # SQLite only knows something changed
        assert heard[0] == expected
    finally:
        listening.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await listening
        here.engine.dispose()
        there.engine.dispose()


async def test_a_mapping_changed_by_another_process_is_heard_on_postgresql(fresh_url):
    url, options = fresh_url
    here, there = Store(make_engine(url, **options)), Store(make_engine(url, **options))
    if here.dialect != "postgresql":
        here.engine.dispose()
        there.engine.dispose()
        return  # SQLite: the directory's expiry covers other processes (see test_directory)
    heard: list[str | None] = []
    wakeups = Wakeups(here)
    wakeups.on(DIRECTORY, heard.append)
    listening = asyncio.ensure_future(wakeups.run())
    try:
        await eventually(lambda: wakeups.watching, what="the watch to start")
        with there.unit_of_work() as session:
            community = Community(
                name="Essonne", language="fr", timezone="Europe/Paris", created_at=SystemClock().now()
            )
            session.add(community)
            session.flush()
            circle = Circle(community_id=community.id, name="COPIL", slug="copil")
            session.add(circle)
            session.flush()
            map_channel(session, circle, "matrix:!r:hs")
        await eventually(lambda: heard, what="the other process' mapping to be heard")
        with here.unit_of_work() as session:
            assert session.scalar(select(Circle.name)) == "COPIL"
    finally:
        listening.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await listening
        here.engine.dispose()
        there.engine.dispose()


def test_a_database_at_head_is_recognised_without_alembic(tmp_path):
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from bot.db import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    assert head_revision() == ScriptDirectory.from_config(config).get_current_head()
    url = f"sqlite:///{tmp_path / 'relais.db'}"
    script = "import sys; from bot.db import make_engine, upgrade; upgrade(make_engine(sys.argv[1])); "
    script += "print('alembic' in sys.modules)"
    fresh = subprocess.run([sys.executable, "-c", script, url], capture_output=True, text=True, check=True)
    assert fresh.stdout.strip() == "True"  # a new database is created by alembic
    again = subprocess.run([sys.executable, "-c", script, url], capture_output=True, text=True, check=True)
    assert again.stdout.strip() == "False"  # at head: alembic is not even imported
