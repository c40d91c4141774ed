"""A database that cannot be used is one clear line in the user's language and exit code 2, never a traceback."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from relais.cli import main


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgresql://postgres@127.0.0.1:1/x",
            "impossible d’ouvrir la base de données postgresql+psycopg://postgres@",
        ),
        ("mysqlx://a@b/c", "database.url n’est pas une base de données que Relais connaît\u00a0: mysqlx://a@b/c"),
        ("sqlite:////proc/nope/x.db", "impossible d’ouvrir la base de données sqlite:////proc/nope/x.db"),
        ("postgresql://postgres:secret@127.0.0.1:1/x", "postgres:***@"),  # the password is never shown
    ],
)
def test_a_database_that_cannot_be_opened(url, expected, monkeypatch):
    monkeypatch.setenv("RELAIS_DATABASE_URL", url)
    monkeypatch.setenv("RELAIS_COMMUNITY_LANGUAGE", "fr")
    result = CliRunner().invoke(main, ["chat", "--as", "x"], input="/whoami\n")
    assert result.exit_code == 2, result.output
    assert expected in result.output
    assert "Traceback" not in result.output and "Error:" not in result.output and "secret" not in result.output


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://postgres:secret@127.0.0.1:1/x", "impossible d’ouvrir la base de données postgresql+psycopg://"),
        ("mysqlx://a@b/c", "database.url n’est pas une base de données que Relais connaît : mysqlx://a@b/c"),
        ("sqlite:////proc/nope/x.db", "impossible d’ouvrir la base de données sqlite:////proc/nope/x.db"),
    ],
)
def test_db_upgrade_on_a_database_that_cannot_be_opened(url, expected):
    result = CliRunner().invoke(main, ["db", "upgrade", "--db", url], env={"RELAIS_COMMUNITY_LANGUAGE": "fr"})
    assert result.exit_code == 2, result.output
    text = result.output.replace("\u00a0", " ").replace("\u202f", " ")
    assert expected in text and len(text.strip().splitlines()) == 1
    assert "Traceback" not in result.output and "secret" not in result.output


@pytest.mark.parametrize("url", ["sqlite//relais.db", "sqlite:relais.db", "postgres//u@h/db", "postgresql:/u@h/db"])
def test_a_mistyped_database_url_is_not_taken_for_a_file_name(url):
    """Before: 'sqlite//relais.db' (a colon forgotten) answered 'for a file, write sqlite:///sqlite//relais.db'."""
    result = CliRunner().invoke(main, ["db", "upgrade", "--db", url], env={"RELAIS_COMMUNITY_LANGUAGE": "fr"})
    text = result.output.replace("\u00a0", " ").replace("\u202f", " ")
    assert result.exit_code == 2, text
    assert f"que Relais connaît : {url} ; écrivez sqlite:///relais.db ou postgresql://" in text
    assert "sqlite:///sqlite" not in text and "sqlite:///postgres" not in text
