"""`relais db backup` on PostgreSQL: pg_dump's archive of Relais' schema, restored with pg_restore into a
fresh database that Relais then runs on; without pg_dump, what to run instead."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid

import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.db import current_revision, head_revision, make_engine
from relais.cli import main
from tests.conftest import PG_URL

pytestmark = pytest.mark.skipif(not PG_URL, reason="PostgreSQL tests need RELAIS_TEST_DATABASE_URL (.ci/run sets it)")


def relais(args: list[str], stdin: str = "", **env: str):
    return CliRunner().invoke(main, args, input=stdin, env={"RELAIS_COMMUNITY_LANGUAGE": "en", **env})


@pytest.fixture
def schema_url():
    """Relais in a schema of its own of the test database (as a second deployment would be)."""
    schema = f"relais_backup_{uuid.uuid4().hex[:10]}"
    admin = make_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield f"{PG_URL}?options=-csearch_path%3D{schema}", schema
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def fresh_database():
    """An empty database of its own on the same server, dropped afterwards."""
    name = f"relais_restore_{uuid.uuid4().hex[:10]}"
    admin = make_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False), name
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.mark.skipif(not shutil.which("pg_dump"), reason="pg_dump is not installed on this machine")
def test_pg_dump_archive_restored_into_a_fresh_database(tmp_path, schema_url, fresh_database):
    url, schema = schema_url
    assert relais(["db", "upgrade", "--db", url]).exit_code == 0
    lines = "/engage Réserver la salle d'ici le 10 janvier\n/engage Recruter 2 bénévoles\n/info Bonjour\n"
    relais(["chat", "--as", "alice", "--now", "2026-11-26T10:00", "--db", url], stdin=lines)
    result = relais(["db", "backup", str(tmp_path), "--db", url])
    assert result.exit_code == 0, result.output
    assert f"schema revision {head_revision()}, 2 commitments, 3 items)" in result.output
    archive = next(tmp_path.glob("relais-*.dump"))
    assert f"backup written: {archive} (" in result.output
    again = relais(["db", "backup", str(archive), "--db", url], RELAIS_COMMUNITY_LANGUAGE="fr")
    assert again.exit_code == 1 and "existe déjà\u00a0: donnez un autre nom, ou ajoutez --force" in again.output
    assert relais(["db", "backup", str(archive), "--force", "--db", url]).exit_code == 0

    restored, name = fresh_database
    restore = ["pg_restore", "--no-owner", f"--dbname={restored}", str(archive)]
    subprocess.run(restore, check=True, capture_output=True)
    engine = make_engine(restored, connect_args={"options": f"-csearch_path={schema}"})
    try:
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()
    moved = f"{restored}?options=-csearch_path%3D{schema}"
    answer = relais(["chat", "--as", "bob", "--db", moved], stdin="/actions\n/engage Encore une\n").output
    assert "Réserver la salle" in answer and "Recruter 2 bénévoles" in answer and "Commitment #4 saved" in answer


def test_a_missing_database_is_said_in_one_line(tmp_path):
    parsed = make_url(PG_URL)
    url = parsed.set(password="s3cret", database="no_such_database").render_as_string(hide_password=False)
    result = relais(["db", "backup", str(tmp_path / "x.dump"), "--db", url])
    assert result.exit_code == 1 and len(result.output.splitlines()) == 1, result.output
    assert "pg_dump could not back up postgresql://" in result.output and "no_such_database" in result.output
    assert "does not exist" in result.output and "s3cret" not in result.output
    assert list(tmp_path.iterdir()) == []  # nothing half-written


def test_the_password_goes_to_pg_dump_by_its_environment(tmp_path, monkeypatch):
    """PGPASSWORD, never an argument (anyone on the machine reads arguments in ps)."""
    seen = tmp_path / "seen"
    fake = tmp_path / "bin" / "pg_dump"
    fake.parent.mkdir()
    fake.write_text(f'#!/bin/sh\necho "$@" > {seen}; echo "$PGPASSWORD" >> {seen}; exit 1\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}:{os.environ['PATH']}")
    url = make_url(PG_URL).set(password="s3cret").render_as_string(hide_password=False)
    result = relais(["db", "backup", str(tmp_path / "x.dump"), "--db", url])
    arguments, password = seen.read_text().splitlines()
    assert "s3cret" not in arguments and password == "s3cret" and "--format=custom" in arguments
    assert result.exit_code == 1 and "s3cret" not in result.output


def test_without_pg_dump_what_to_run_is_said(tmp_path, monkeypatch):
    parsed = make_url(PG_URL)
    url = parsed.set(password="s3cret").render_as_string(hide_password=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # a machine without PostgreSQL's client tools
    result = relais(["db", "backup", "--db", url], RELAIS_COMMUNITY_LANGUAGE="fr")
    assert result.exit_code == 1, result.output
    shown = parsed._replace(password=None).render_as_string(hide_password=False)
    assert result.output.startswith("pg_dump n’est pas installé ici (les outils clients de PostgreSQL)\u00a0: lancez ")
    assert "PGPASSWORD=… pg_dump --format=custom --file=relais-" in result.output and f"'{shown}'" in result.output
    assert "s3cret" not in result.output and os.environ["PATH"] == str(tmp_path)
