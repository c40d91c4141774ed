"""The systemd units of docs/: what they run is a valid relais command line (run for real on a test
configuration), they hold no secret, and systemd-analyze finds nothing wrong in them."""

from __future__ import annotations

import getpass
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from relais.cli import main

DOCS = Path(__file__).resolve().parents[2] / "docs"
RELAIS = Path(sys.executable).with_name("relais")
CONFIG = """[community]
name = "Essai"
language = "en"

[database]
url = "sqlite:///{folder}/relais.db"

[matrix]
homeserver = "http://127.0.0.1:1"
user_id = "@relais:example.org"
"""


def settings(unit: str) -> dict[str, list[str]]:
    """`Section.Key` -> its values, as systemd reads a unit (comments and blank lines aside)."""
    found: dict[str, list[str]] = {}
    section = ""
    for line in (DOCS / unit).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
        elif line and not line.startswith(("#", ";")):
            key, _, value = line.partition("=")
            found.setdefault(f"{section}.{key.strip()}", []).append(value.strip())
    return found


def command_line(unit: str, folder: Path) -> list[str]:
    """The unit's ExecStart as arguments of `relais`, its config and backup folder moved to `folder`."""
    (exec_start,) = settings(unit)["Service.ExecStart"]
    program, *arguments = shlex.split(exec_start)
    assert Path(program).name == "relais", exec_start
    (folder / "relais.toml").write_text(CONFIG.format(folder=folder), encoding="utf-8")
    assert arguments[:2] == ["--config", "/srv/relais/relais.toml"]
    arguments[1] = str(folder / "relais.toml")
    return [str(folder / "backups") + "/" if argument == "/var/backups/relais/" else argument for argument in arguments]


def test_the_service_runs_relais_run_with_its_config(tmp_path):
    arguments = command_line("relais.service", tmp_path)
    assert arguments[2:] == ["run"]
    context = main.make_context("relais", list(arguments))  # click reads the whole line: options, command
    name, command, rest = main.resolve_command(context, arguments[2:])
    assert name == "run" and command is not None and context.params["config_path"] == arguments[1]
    command.make_context(name, rest, parent=context)  # and run's own options
    check = CliRunner().invoke(main, [*arguments[:2], "config", "check"], env={"RELAIS_MATRIX_ACCESS_TOKEN": "syt_x"})
    assert check.exit_code == 0 and "The configuration is in order" in check.output, check.output


def test_the_service_restarts_on_failure_keeps_the_stop_timeout_and_holds_no_secret():
    unit = settings("relais.service")
    assert unit["Service.Restart"] == ["on-failure"]
    assert "Service.TimeoutStopSec" not in unit  # the README: leave systemd's default (90 s)
    assert unit["Service.OOMPolicy"] == ["continue"]  # the round's process killed for memory: the bot goes on
    assert unit["Service.User"] != ["root"] and unit["Service.WorkingDirectory"] == ["/srv/relais"]
    assert unit["Service.EnvironmentFile"] == ["/etc/relais/relais.env"]
    for name in ("relais.service", "relais-backup.service", "relais-backup.timer"):
        lines = [f"{key}={value}" for key, values in settings(name).items() for value in values]
        assert not [line for line in lines if any(secret in line for secret in ("TOKEN", "PASSWORD", "xox", "syt_"))]
        assert not [line for line in lines if line.startswith("Service.Environment=")]


def test_the_backup_service_takes_a_backup(tmp_path):
    arguments = command_line("relais-backup.service", tmp_path)
    assert arguments[2:4] == ["db", "backup"]
    (tmp_path / "backups").mkdir()
    CliRunner().invoke(main, [*arguments[:2], "chat", "--as", "alice"], input="/engage Tâche 1\n")
    result = CliRunner().invoke(main, arguments)
    assert result.exit_code == 0 and "1 commitment" in result.output, result.output
    (copy,) = (tmp_path / "backups").glob("relais-*.db")
    assert f"backup written: {copy} (" in result.output
    assert settings("relais-backup.timer")["Timer.OnCalendar"] == ["*-*-* 03:15:00"]


def test_systemd_analyze_verify_finds_nothing_wrong(tmp_path):
    """The units as installed on this machine: the program, folders and user are this test's."""
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is not installed here (no systemd): the units are not verified")
    user = getpass.getuser()
    (tmp_path / "relais.env").write_text("")
    for name in ("relais.service", "relais-backup.service", "relais-backup.timer"):
        text = (DOCS / name).read_text(encoding="utf-8")
        text = text.replace("/srv/relais/.venv/bin/relais", str(RELAIS)).replace("/srv/relais", str(tmp_path))
        text = text.replace("/etc/relais/relais.env", str(tmp_path / "relais.env"))
        text = text.replace("User=relais", f"User={user}").replace("Group=relais", f"Group={user}")
        (tmp_path / name).write_text(text, encoding="utf-8")
    units = [str(tmp_path / name) for name in ("relais.service", "relais-backup.service", "relais-backup.timer")]
    result = subprocess.run(["systemd-analyze", "verify", "--man=no", *units], capture_output=True, text=True)
    assert result.returncode == 0 and "relais" not in result.stderr, result.stderr
