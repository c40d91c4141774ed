"""`relais db backup` on SQLite: a copy taken while another process writes is whole and opens at head,
the writer goes on meanwhile, and what goes wrong is said in one line, in French or English."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.clock import SystemClock
from bot.db import head_revision
from bot.reply import Incoming
from relais.cli import main
from relais.wiring import build_app
from tests.conftest import make_config

RELAIS = [sys.executable, "-m", "relais.cli"]
EN = {"RELAIS_COMMUNITY_LANGUAGE": "en"}
FR = {"RELAIS_COMMUNITY_LANGUAGE": "fr"}


def relais(args: list[str], env: dict[str, str] | None = None, stdin: str = ""):
    return CliRunner().invoke(main, args, input=stdin, env=env or EN)


def plain(text: str) -> str:
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def whole(copy: Path) -> int:
    """The copy passes SQLite's check, is at head, and each of its commitments is whole: numbers 1..N,
    each with its item and its title; returns N."""
    with sqlite3.connect(f"file:{copy}?mode=ro", uri=True) as connection:
        assert connection.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        assert connection.execute("SELECT version_num FROM alembic_version").fetchone()[0] == head_revision()
        rows = connection.execute(
            "SELECT items.number, commitments.title, items.kind FROM commitments "
            "JOIN items ON items.id = commitments.item_id ORDER BY items.number"
        ).fetchall()
        assert connection.execute("SELECT count(*) FROM items WHERE kind = 'commitment'").fetchone()[0] == len(rows)
    assert [number for number, _, _ in rows] == list(range(1, len(rows) + 1))
    assert [title for _, title, _ in rows] == [f"Tâche {n}" for n in range(1, len(rows) + 1)]
    assert not list(copy.parent.glob(f"{copy.name}-*")), "the copy is one file, without -wal or -journal"
    return len(rows)


def test_a_backup_taken_while_relais_chat_writes_is_whole_and_usable(tmp_path):
    url = f"sqlite:///{tmp_path / 'relais.db'}"
    assert relais(["db", "upgrade", "--db", url]).exit_code == 0
    lines = "".join(f"/engage Tâche {n} d'ici le 10 janvier\n" for n in range(1, 301))
    writer = subprocess.Popen(
        [*RELAIS, "chat", "--as", "alice", "--now", "2026-11-26T10:00", "--db", url],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert writer.stdin is not None
    writer.stdin.write(lines)
    writer.stdin.close()
    copy, seen = tmp_path / "copies" / "copy.db", []
    copy.parent.mkdir()
    while writer.poll() is None:  # backups one after another, each over the last (--force), while it writes
        result = relais(["db", "backup", str(copy), "--force", "--db", url])
        assert result.exit_code == 0, result.output
        count = whole(copy)
        assert f"{count} commitment" in result.output and f"schema revision {head_revision()}" in result.output
        seen.append(count)
    assert writer.wait() == 0, writer.stderr.read() if writer.stderr else ""
    assert len({count for count in seen if 0 < count < 300}) >= 2, seen  # copies taken in the middle of the writes
    last = seen[-2] if len(seen) > 1 else 0
    # the copy is a database Relais runs on as it is: at head, its numbering going on where it stopped
    answer = relais(["chat", "--as", "bob", "--db", f"sqlite:///{copy}"], stdin="/engage Encore demain\n").output
    assert f"Commitment #{seen[-1] + 1} saved" in answer, (answer, last)


def test_the_writer_goes_on_while_a_large_database_is_copied(tmp_path):
    """A bot committing commands in one thread; backups of a 60 MB database in another: commands
    start and commit while a copy is being made (a writer blocked by the copy could not)."""
    path = tmp_path / "relais.db"
    app = build_app(make_config(database_url=f"sqlite:///{path}"), clock=SystemClock())
    with sqlite3.connect(path) as connection:  # pages for the copy to read
        connection.execute("CREATE TABLE ballast (data BLOB)")
        connection.executemany("INSERT INTO ballast VALUES (randomblob(65536))", [()] * 960)
    commands: list[tuple[float, float]] = []
    stop = threading.Event()

    def write() -> None:
        number = 0
        while not stop.is_set():
            number += 1
            started = time.monotonic()
            line = f"/engage Tâche {number} d'ici le 10 janvier"
            reply = app.dispatcher.handle(Incoming(identity="console:alice", text=line, channel="console:copil"))
            assert reply is not None and "#" in reply.text
            commands.append((started, time.monotonic()))

    writer = threading.Thread(target=write)
    writer.start()
    backups: list[tuple[float, float]] = []
    try:
        for n in range(5):
            started = time.monotonic()
            result = relais(["db", "backup", str(tmp_path / f"copy-{n}.db"), "--db", f"sqlite:///{path}"])
            backups.append((started, time.monotonic()))
            assert result.exit_code == 0, result.output
    finally:
        stop.set()
        writer.join()
        app.close()
    inside = [(a, b) for a, b in commands for start, end in backups if start < a and b < end]
    assert inside, "no command started and committed while a copy was made"
    assert max(b - a for a, b in commands) < 2.0  # the busy timeout is 30 s: a blocked writer would wait out the copy
    for n in range(5):
        whole(tmp_path / f"copy-{n}.db")


def test_messages_in_english_and_french(tmp_path):
    url = f"sqlite:///{tmp_path / 'relais.db'}"
    relais(["chat", "--as", "alice", "--db", url], stdin="/engage Tâche 1\n/info Bonjour\n")
    result = relais(["db", "backup", "--db", url])
    assert result.exit_code == 0, result.output
    written = r"backup written: (\S+) \((\S+) kB, schema revision (\w+), 1 commitment, 2 items\)\n"
    found = re.fullmatch(written, result.output)
    assert found and found.group(3) == head_revision(), result.output
    default = Path(found.group(1))  # beside the database, dated in the community's timezone
    assert default.parent == tmp_path and re.fullmatch(r"relais-\d{4}-\d\d-\d\d-\d{4}\.db", default.name)
    assert whole(default) == 1
    again = relais(["db", "backup", "--db", url], env=FR)  # same minute, same name: refused
    assert again.exit_code == 1 and len(again.output.splitlines()) == 1
    assert f"{default} existe déjà\u00a0: donnez un autre nom, ou ajoutez --force pour le remplacer" in again.output
    folder = tmp_path / "sauvegardes"
    folder.mkdir()
    french = relais(["db", "backup", str(folder), "--db", url], env=FR)  # a folder: the dated name in it
    assert french.exit_code == 0
    assert re.fullmatch(
        r"sauvegarde écrite\u00a0: \S+/sauvegardes/relais-\S+\.db \(\d+,\d\u00a0ko, révision du schéma \w+, "
        r"1 engagement, 2 éléments\)\n",
        french.output,
    ), french.output


def test_force_replaces_and_what_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'relais.db'}"
    relais(["chat", "--as", "alice", "--db", url], stdin="/engage Tâche 1\n")
    target = tmp_path / "copy.db"
    target.write_text("an older backup")
    refused = relais(["db", "backup", str(target), "--db", url])
    assert refused.exit_code == 1 and "already exists: give another name, or add --force" in refused.output
    assert target.read_text() == "an older backup"
    assert relais(["db", "backup", str(target), "--force", "--db", url]).exit_code == 0 and whole(target) == 1
    cases = [
        (["db", "backup", "--db", f"sqlite:///{tmp_path / 'nope.db'}"], "il n’y a pas de base de données à "),
        (["db", "backup", str(tmp_path / "no" / "x.db"), "--db", url], "le dossier {} n’existe pas : créez-le"),
        (["db", "backup", str(tmp_path / "relais.db"), "--force", "--db", url], "est la base de données elle-même"),
    ]
    for args, expected in cases:
        result = relais(args, env=FR)
        assert result.exit_code == 1 and len(result.output.splitlines()) == 1, result.output
        assert expected.format(tmp_path / "no") in plain(result.output), result.output
    assert not (tmp_path / "nope.db").exists()  # looking for it did not create it
    notes = tmp_path / "notes.db"
    notes.write_text("not a database")
    result = relais(["db", "backup", str(tmp_path / "n.db"), "--db", f"sqlite:///{notes}"])
    assert result.exit_code == 1 and "is not a database Relais can use" in result.output
    left = sorted(path.name for path in tmp_path.iterdir() if not path.name.endswith(("-wal", "-shm")))
    assert left == ["copy.db", "notes.db", "relais.db"]  # nothing half-written


def in_a_small_folder(tmp_path: Path, mount_options: str, args: list[str]) -> subprocess.CompletedProcess[str]:
    """`relais …` with tmp_path/small a filesystem of its own (a tmpfs, in a mount namespace)."""
    small = tmp_path / "small"
    small.mkdir()
    command = " ".join(f"'{arg}'" for arg in [*RELAIS, *args])
    script = f"mount -t tmpfs -o {mount_options} tmpfs '{small}' && exec {command}"
    try:
        probe = subprocess.run(["unshare", "--mount", "true"], capture_output=True, check=False)
    except FileNotFoundError:
        pytest.skip("no unshare(1) here to give the backup a filesystem of its own")
    if probe.returncode != 0:
        pytest.skip(f"unshare --mount is not allowed here: {probe.stderr.decode().strip()}")
    env = {**FR, "PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    return subprocess.run(["unshare", "--mount", "sh", "-c", script], capture_output=True, text=True, env=env)


@pytest.mark.parametrize(  # fmt: skip
    ("options", "expected"),
    [
        (
            "size=64k",
            "plus assez de place dans {small} : rien n’a été écrit ; "
            "libérez de la place ou choisissez un autre dossier",
        ),
        (
            "ro,size=1m",
            "impossible d’écrire dans le dossier {small} (système de fichiers en lecture seule) : "
            "choisissez-en un autre",
        ),
    ],
)
def test_a_full_or_read_only_folder(tmp_path, options, expected):
    url = f"sqlite:///{tmp_path / 'relais.db'}"
    relais(["chat", "--as", "alice", "--db", url], stdin="/engage Tâche 1\n")  # about 400 kB
    result = in_a_small_folder(tmp_path, options, ["db", "backup", str(tmp_path / "small"), "--db", url])
    assert result.returncode == 1, result.stderr
    assert plain(result.stderr).strip() == expected.format(small=tmp_path / "small"), result.stderr
