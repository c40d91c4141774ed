"""What a started `relais run` holds before anyone speaks to it: the modules that only a command needs
(dateparser with its language data, Babel's dates, numbers and catalogue reader, pytz) are imported
when the first command needs them, not at start; an SQLite bot never loads the PostgreSQL dialect (2 MB), a Matrix
bot without a key store never loads nio's end-to-end stack (4.4 MB), nor pycryptodome's elliptic curves and key
derivations that Relais' own cross-signing uses (1.5 MB) (bench/idle_memory.py measures the memory)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

DEFERRED = ("dateparser", "regex", "babel.dates", "babel.numbers", "babel.messages", "pytz")
DEFERRED += ("sqlalchemy.dialects.postgresql",)
E2E = ("peewee", "vodozemac")  # nio's key store and its cryptography: only with `store_path`
DEFERRED += E2E
CROSS_SIGNING = ("Crypto.PublicKey", "Crypto.Signature", "Crypto.Protocol")  # when a key is first used
DEFERRED += CROSS_SIGNING

START = textwrap.dedent(
    """
    import sys
    from bot.config import config_from_dict
    from bot.db import make_engine, upgrade
    from relais.cli_config import platform_checks
    from relais.cli_support import build
    from relais.runner import Runner, make_scheduler

    url, store = sys.argv[1], sys.argv[2]
    upgrade(make_engine(url))
    config = config_from_dict({
        "community": {"name": "Essonne", "language": "fr", "timezone": "Europe/Paris"},
        "database": {"url": url},
        "matrix": {"homeserver": "http://127.0.0.1:9", "user_id": "@relais:hs", "access_token": "t",
                   "store_path": store},
        "slack": {"mode": "http", "bot_token": "xoxb-1", "signing_secret": "s", "port": 9},
    })
    for check in platform_checks(config).values():  # `relais run` checks each section first (no network here)
        check()
    app = build(config)
    runner = Runner(app)
    runner.build_adapters()  # both adapters and their SDKs, as `relais run` makes them before starting
    make_scheduler(app, runner.wake)
    deferred = sys.argv[3:]
    print(" ".join(sorted(name for name in sys.modules if name.split(".")[0] in deferred or name in deferred)))
    print("encrypts" if runner.adapters[0].e2e else "plain")
    """
)

USE = textwrap.dedent(
    """
    import sys
    from datetime import datetime
    from zoneinfo import ZoneInfo
    from bot.dates import format_when, parse_when

    now = datetime(2026, 11, 20, 9, tzinfo=ZoneInfo("Europe/Paris"))
    when = parse_when("le 27 novembre à 14h", now, "Europe/Paris", "fr")
    print(format_when(when, "fr"))
    """
)


def test_a_started_relais_has_not_imported_what_only_commands_need(tmp_path):
    url = f"sqlite:///{tmp_path / 'relais.db'}"
    from bot.db import make_engine, upgrade

    upgrade(make_engine(url))  # here: the migrations (Alembic) load every dialect; a started bot finds none to run
    started = start(url, "", DEFERRED)
    assert started.returncode == 0, started.stderr
    imported, encrypts = started.stdout.splitlines()
    assert imported == "", "imported at start: " + imported
    assert encrypts == "plain"


def test_a_postgresql_bot_does_not_load_what_only_sqlite_needs():
    """No SQLite dialect of SQLAlchemy (with its aiosqlite and SQLCipher variants, 1.2 MB) in a PostgreSQL bot;
    the stdlib's sqlite3 stays, for the Slack SDK's stores."""
    base = os.environ.get("RELAIS_TEST_DATABASE_URL")
    if not base:
        pytest.skip("PostgreSQL tests need RELAIS_TEST_DATABASE_URL")
    from tests.support.schemas import fresh_schema_url

    with fresh_schema_url(base, "relais_idle") as url:
        only_sqlite = ("sqlalchemy.dialects.sqlite",)
        started = start(url, "", only_sqlite + tuple(name for name in DEFERRED if "postgresql" not in name))
    assert started.returncode == 0, started.stderr
    imported, encrypts = started.stdout.splitlines()
    assert imported == "", "imported at start: " + imported


def test_a_matrix_bot_with_a_key_store_still_reads_and_sends_encrypted_messages(tmp_path):
    url = f"sqlite:///{tmp_path / 'relais.db'}"
    started = start(url, str(tmp_path / "keys"), E2E)
    assert started.returncode == 0, started.stderr
    imported, encrypts = started.stdout.splitlines()
    assert set(imported.split()) >= set(E2E) and encrypts == "encrypts"


def start(url: str, store: str, deferred: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", START, url, store, *deferred], capture_output=True, text=True, check=False, timeout=300
    )


def test_the_deferred_modules_still_do_their_work_when_a_date_comes():
    used = subprocess.run([sys.executable, "-c", USE], capture_output=True, text=True, check=False, timeout=300)
    assert used.returncode == 0, used.stderr
    assert used.stdout.strip() == "vendredi 27 novembre 2026 à 14:00"
