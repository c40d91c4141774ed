"""The `relais` CLI through click's runner, and a two-member console session in real processes."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from bot import __version__
from relais.cli import main

ROOT = Path(__file__).resolve().parents[2]


def run(args: list[str], stdin: str = "", env: dict[str, str] | None = None):
    result = CliRunner().invoke(main, args, input=stdin, env=env, catch_exceptions=False)
    return result


def test_version_and_help():
    assert __version__ in run(["--version"]).output
    for command in (["chat"], ["demo"], ["db", "upgrade"], ["export", "actions"], ["config", "check"]):
        result = run([*command, "--help"])  # in French, the default language
        assert result.exit_code == 0 and "Utilisation" in result.output and "Usage" not in result.output
        english = run([*command, "--help"], env={"RELAIS_COMMUNITY_LANGUAGE": "en"})
        assert english.exit_code == 0 and "Usage" in english.output


def test_chat_piped_and_export_csv_json(tmp_path):
    url = f"sqlite:///{tmp_path / 'r.db'}"
    out = run(
        ["chat", "--as", "alice", "--now", "2026-11-26T10:00", "--db", url],
        "/engage Réserver la salle pour la réunion du 15 janvier d'ici le 10 janvier\n"
        "/engage Préparer l'atelier été demain 14h\n",
    ).output
    assert "Engagement #1 enregistré" in out and "dimanche 10 janvier 2027" in out
    assert "vendredi 27 novembre 2026 à 14:00" in out
    csv_out = run(["export", "actions", "--format", "csv", "--db", url]).output
    rows = list(csv.DictReader(io.StringIO(csv_out)))
    assert [row["due"] for row in rows] == ["2027-01-10", "2026-11-27T14:00+01:00"]
    assert rows[0]["title"] == "Réserver la salle pour la réunion du 15 janvier"
    assert rows[1]["title"] == "Préparer l'atelier été" and rows[1]["owner"] == "alice"
    data = json.loads(run(["export", "actions", "--format", "json", "--db", url]).output)
    assert data[0]["number"] == 1 and data[0]["status"] == "open"


def test_export_file_has_bom_for_spreadsheets(tmp_path):
    url = f"sqlite:///{tmp_path / 'r.db'}"
    run(["chat", "--as", "alice", "--now", "2026-11-26T10:00", "--db", url], "/engage =SOMME(A1) été\n")
    target = tmp_path / "actions.csv"
    run(["export", "actions", "-o", str(target), "--db", url])
    raw = target.read_bytes()
    assert raw.startswith("\ufeff".encode())
    assert "'=SOMME(A1) été" in raw.decode("utf-8-sig")


def test_db_upgrade_and_env_database_url(tmp_path):
    url = f"sqlite:///{tmp_path / 'env.db'}"
    result = run(["db", "upgrade"], env={"RELAIS_DATABASE_URL": url})
    assert result.exit_code == 0 and "la base de données est à jour" in result.output
    assert (tmp_path / "env.db").exists()


def test_config_file_and_bad_config(tmp_path):
    config = tmp_path / "relais.toml"
    config.write_text('[community]\nname = "Essai"\nlanguage = "en"\n', encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'c.db'}"
    out = run(["--config", str(config), "chat", "--as", "zoe", "--db", url], "/engage\n").output
    assert "Usage: /engage <what> [due date]" in out
    config.write_text('[community]\ntimezone = "Mars/Olympus"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["--config", str(config), "chat", "--as", "zoe", "--db", url], input="")
    assert result.exit_code != 0 and "IANA" in result.output


def test_demo_opens_on_a_seeded_community(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    out = run(["demo", "--db", url, "--now", "2026-11-26T10:00"], "/actions\n").output
    assert "engagements\u00a0:" in out
    assert "Recruter 2 bénévoles" in out and "Prêter 20 tablettes" in out


def _relais(args: list[str], stdin: str, env: dict[str, str]) -> str:
    completed = subprocess.run(
        [sys.executable, "-m", "relais.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    return completed.stdout


def test_two_members_in_separate_processes_share_one_community(tmp_path):
    env = {
        **os.environ,
        "RELAIS_DATABASE_URL": f"sqlite:///{tmp_path / 'shared.db'}",
        "RELAIS_COMMUNITY_FACILITATORS": "console:fabienne",
    }
    alice = _relais(
        ["chat", "--as", "alice", "--now", "2026-11-26T10:00"],
        "/engage Envoyer le compte rendu d'ici vendredi\n/update #1 Brouillon prêt 50%\n",
        env,
    )
    assert "Engagement #1 enregistré" in alice and "vendredi 27 novembre 2026" in alice
    bob = _relais(["chat", "--as", "bob", "--now", "2026-11-26T11:00"], "/lang en\n/actions\n/done #1\n", env)
    assert "Send" not in bob and "Envoyer le compte rendu" in bob
    assert "Friday 27 November 2026" in bob and "50%" in bob
    assert "#1 belongs to alice" in bob
    fabienne = _relais(["chat", "--as", "fabienne", "--now", "2026-11-26T12:00"], "/done #1 merci\n", env)
    assert "#1" in fabienne and "est fait" in fabienne
