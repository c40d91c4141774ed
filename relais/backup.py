"""`relais db backup`: a consistent copy of the community's data, taken while Relais runs and writes.

SQLite: Python's sqlite3 backup API reads the database in one read transaction. The database is in WAL
mode (bot.db), where a reader never blocks a writer: the bot goes on committing while the copy is made,
and the copy is the database as it was when the read began (every commitment whole, or not there).
In one step rather than in steps of N pages: in steps, a write by another process between two steps
makes SQLite start the copy again, and a bot that writes continuously would keep it from ever ending.
The copy is written to a hidden file beside the target, checked (it opens, `PRAGMA quick_check`, its
schema revision, its commitments and items), then put in place in one move: nothing half-written
is ever left under the target's name, and an existing file is replaced only with --force.

PostgreSQL: `pg_dump --format=custom` when it is installed (the password in PGPASSWORD, never in
its arguments), checked with `pg_restore`; otherwise the refusal says what to run where it is.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from bot.db import normalise_url
from bot.errors import Refusal, Term
from bot.i18n import translator

_SEARCH_PATH = re.compile(r"-c\s*search_path\s*=\s*([^\s,]+)")


@dataclass(frozen=True)
class Copy:
    """A backup written and checked: where, how big, at which schema revision, and what it holds."""

    path: Path
    size: int
    revision: str | None
    commitments: int
    items: int


def backup(url: str, target: Path | None, force: bool, now: datetime) -> Copy:
    """Back up the database at `url` to `target` (a file, a folder, or None: a dated file)."""
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() == "sqlite":
        source = Path(parsed.database or "").expanduser()
        if not parsed.database or parsed.database == ":memory:" or not source.is_file():
            raise Refusal("there is no database at {path}: check database.url (or --db)", path=parsed.database or url)
        return backup_sqlite(source, place(target, source.parent, dated(now, ".db"), force, source), force)
    if parsed.get_backend_name() == "postgresql":
        pg_dump = shutil.which("pg_dump")
        if pg_dump is None:
            command = f"PGPASSWORD=… pg_dump --format=custom --file={dated(now, '.dump')} '{shown(parsed)}'"
            raise Refusal("pg_dump is not installed here (PostgreSQL's client tools): run {command}", command=command)
        return backup_postgres(pg_dump, parsed, place(target, Path.cwd(), dated(now, ".dump"), force), force)
    raise Refusal("Relais backs up SQLite and PostgreSQL databases, not {url}", url=parsed.render_as_string())


def dated(now: datetime, suffix: str) -> str:
    return f"relais-{now:%Y-%m-%d-%H%M}{suffix}"


def place(target: Path | None, folder: Path, name: str, force: bool, source: Path | None = None) -> Path:
    """Where the copy goes: `target`, a dated file in it when it is a folder, or in `folder` when None.

    Refused: a folder that does not exist, an existing file without --force, the database itself."""
    path = folder / name if target is None else target / name if target.is_dir() else target
    path = path.expanduser().absolute()
    if not path.parent.is_dir():
        raise Refusal("the folder {folder} does not exist: create it, or choose another one", folder=path.parent)
    if path.exists() and source is not None and path.samefile(source):
        raise Refusal("{file} is the database itself: give the backup another name", file=path)
    if path.exists() and not force:
        raise Refusal("{file} already exists: give another name, or add --force to replace it", file=path)
    return path


@contextmanager
def partial(target: Path) -> Iterator[Path]:
    """A hidden file beside `target` to write the copy in, removed unless it was put in place."""
    temporary = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        with written_in(target.parent):
            temporary.touch(exist_ok=False)
        yield temporary
    finally:
        for path in (temporary, Path(f"{temporary}-journal")):
            with suppress(OSError):  # gone already (a read-only folder says so with EROFS)
                path.unlink()


@contextmanager
def written_in(folder: Path) -> Iterator[None]:
    """What goes wrong while writing in `folder`, said as a refusal (nothing is kept)."""
    try:
        yield
    except sqlite3.OperationalError as error:
        if "full" in str(error):
            raise no_space(folder) from error
        raise
    except OSError as error:
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            raise no_space(folder) from error
        if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            reason = Term("read-only file system") if error.errno == errno.EROFS else Term("permission denied")
            raise Refusal("cannot write in the folder {folder} ({reason}): choose another one", folder=folder,
                          reason=reason) from error  # fmt: skip
        raise


def no_space(folder: Path) -> Refusal:
    return Refusal("not enough space left in {folder}: nothing was written; free some space or choose another folder",
                   folder=folder)  # fmt: skip


def put_in_place(temporary: Path, target: Path, force: bool) -> None:
    """The checked copy under its name, in one move (with --force, over the old file)."""
    with temporary.open("rb") as handle:
        os.fsync(handle.fileno())
    if force:
        os.replace(temporary, target)
    else:
        try:
            os.link(temporary, target)  # fails if a file of that name appeared meanwhile
        except FileExistsError as error:
            raise Refusal("{file} already exists: give another name, or add --force to replace it",
                          file=target) from error  # fmt: skip
        temporary.unlink()
    directory = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


# SQLite


def backup_sqlite(source: Path, target: Path, force: bool) -> Copy:
    wal = Path(f"{source}-wal")
    needed = source.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
    if shutil.disk_usage(target.parent).free < needed:
        raise no_space(target.parent)
    with partial(target) as temporary:
        with opened(source, readonly=True) as reader, written_in(target.parent):
            copy = sqlite3.connect(temporary)
            try:
                reader.backup(copy)  # one read transaction: see the module's docstring
                copy.execute("PRAGMA journal_mode=DELETE")  # one file, whole by itself
            finally:
                copy.close()
        revision, commitments, items = checked(temporary)
        put_in_place(temporary, target, force)
    return Copy(target, target.stat().st_size, revision, commitments, items)


@contextmanager
def opened(path: Path, readonly: bool = False) -> Iterator[sqlite3.Connection]:
    mode = "ro" if readonly else "rw"
    connection = sqlite3.connect(f"{path.absolute().as_uri()}?mode={mode}", uri=True, timeout=30)
    try:
        yield connection
    except sqlite3.DatabaseError as error:
        if isinstance(error, sqlite3.OperationalError) and "full" in str(error):
            raise
        raise Refusal("{path} is not a database Relais can use ({reason})", path=path, reason=str(error)) from error
    finally:
        connection.close()


def checked(path: Path) -> tuple[str | None, int, int]:
    """The copy opens, passes `PRAGMA quick_check`, and holds Relais' tables: its revision and counts."""
    with opened(path, readonly=True) as copy:
        result = copy.execute("PRAGMA quick_check").fetchone()[0]
        if result != "ok":
            raise Refusal("the copy failed its check ({reason}): nothing was kept", reason=result)
        tables = {name for (name,) in copy.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not {"alembic_version", "commitments", "items"} <= tables:
            raise Refusal("{path} holds no data of Relais: nothing to back up", path=path)
        revision = copy.execute("SELECT version_num FROM alembic_version").fetchone()
        commitments = copy.execute("SELECT count(*) FROM commitments").fetchone()[0]
        items = copy.execute("SELECT count(*) FROM items").fetchone()[0]
    return (revision[0] if revision else None), commitments, items


# PostgreSQL


def libpq(parsed: URL) -> tuple[list[str], dict[str, str]]:
    """pg_dump's connection arguments for Relais' URL (its schema, when the URL's options name one),
    and the environment that carries the password."""
    arguments = [f"--dbname={shown(parsed)}"]
    found = _SEARCH_PATH.search(str(parsed.query.get("options", "")))
    if found:
        arguments.append(f"--schema={found.group(1)}")
    environment = {**os.environ}
    if parsed.password is not None:
        environment["PGPASSWORD"] = str(parsed.password)
    return arguments, environment


def shown(parsed: URL) -> str:
    """The URL as libpq reads it, without its password."""
    return parsed._replace(drivername="postgresql", password=None).render_as_string(hide_password=False)


def backup_postgres(pg_dump: str, parsed: URL, target: Path, force: bool) -> Copy:
    arguments, environment = libpq(parsed)
    with partial(target) as temporary:
        dump = [pg_dump, "--format=custom", f"--file={temporary}", *arguments]
        result = subprocess.run(dump, env=environment, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            reason = said_by(result.stderr)
            if "No space left" in reason:
                raise no_space(target.parent)
            raise Refusal("pg_dump could not back up {url}: {reason}", url=shown(parsed), reason=reason)
        revision, commitments, items = restorable(temporary, str(Path(pg_dump).with_name("pg_restore")))
        put_in_place(temporary, target, force)
    return Copy(target, target.stat().st_size, revision, commitments, items)


def said_by(stderr: str) -> str:
    """pg_dump's first line of error, without its prefix."""
    lines = [line for line in stderr.strip().splitlines() if line.strip()] or ["?"]
    first = next((line for line in lines if "error" in line), lines[0])
    return re.sub(r"^pg_(dump|restore): (error: )?", "", first).strip()[:300]


def restorable(archive: Path, pg_restore: str) -> tuple[str | None, int, int]:
    """The archive as pg_restore reads it: its schema revision and its commitments and items (rows
    of the COPY blocks of those tables)."""
    tables = ("alembic_version", "commitments", "items")
    command = [pg_restore, "--data-only", "--file=-", *(f"--table={name}" for name in tables), str(archive)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise Refusal("the copy failed its check ({reason}): nothing was kept", reason=said_by(result.stderr))
    rows: dict[str, list[str]] = {name: [] for name in tables}
    current: list[str] | None = None
    for line in result.stdout.splitlines():
        if current is None:
            found = re.match(r'COPY (?:"?[\w]+"?\.)?"?(\w+)"? ', line)
            current = rows.get(found.group(1)) if found else None
        elif line == "\\.":
            current = None
        else:
            current.append(line)
    if not rows["alembic_version"]:
        raise Refusal("{path} holds no data of Relais: nothing to back up", path=archive.name)
    return rows["alembic_version"][0].strip(), len(rows["commitments"]), len(rows["items"])


def said(copy: Copy, language: str) -> str:
    """The line that says where the backup is, its size, its schema revision and what it holds."""
    tr = translator(language)
    return tr.t(
        "backup written: {file} ({size}, schema revision {revision}, {commitments}, {items})",
        file=copy.path,
        size=size(copy.size, language),
        revision=copy.revision or "?",
        commitments=tr.tn("{count} commitment", "{count} commitments", copy.commitments),
        items=tr.tn("{count} item", "{count} items", copy.items),
    )


def size(count: int, language: str) -> str:
    """1.2 MB, 1,2 Mo: a size as the language writes it."""
    tr = translator(language)
    for limit, unit in ((1 << 30, "{size} GB"), (1 << 20, "{size} MB"), (1 << 10, "{size} kB")):
        if count >= limit:
            figure = f"{count / limit:.1f}"
            return tr.t(unit, size=figure.replace(".", ",") if language == "fr" else figure)
    return tr.t("{size} bytes", size=count)
