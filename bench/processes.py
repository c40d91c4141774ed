"""What the runtime benchmarks share: processes started and measured from outside (CPU, memory).

A bot under measurement runs as its own process, as in production: its CPU time and resident
memory are read from /proc (Linux), so the figures include everything the process does.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _die_with_parent() -> None:
    """In the child: SIGTERM when the benchmark itself dies (an interrupted run leaves no bot behind)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def cpu_seconds(pid: int, thread: int | None = None) -> float:
    """User + system CPU time of a process so far (its own threads, not its children); with `thread`,
    of that thread only (the main thread's id is the process id)."""
    path = f"/proc/{pid}/stat" if thread is None else f"/proc/{pid}/task/{thread}/stat"
    fields = Path(path).read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def rss_mb(pid: int) -> float:
    """Resident memory (VmRSS) of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def children(pid: int) -> list[int]:
    """The direct child processes of `pid`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and of its children (a helper process counts too)."""
    return rss_mb(pid) + sum(tree_rss_mb(child) for child in children(pid))


def tree_cpu_seconds(pid: int) -> float:
    return cpu_seconds(pid) + sum(tree_cpu_seconds(child) for child in children(pid))


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


class Process:
    """A Python program run as `python -m module args…` with its output in a temporary file."""

    def __init__(self, module: str, *args: str, env: dict[str, str] | None = None, cwd: Path = ROOT) -> None:
        self.module = module
        self.args = args
        self.env = {**{k: v for k, v in os.environ.items() if not k.startswith("RELAIS_")}, **(env or {})}
        self.env.setdefault("PYTHONPATH", str(ROOT))
        self.env["NO_PROXY"] = "*"
        self.cwd = cwd
        self.log = Path(tempfile.mkstemp(prefix=f"bench-{module.rsplit('.', 1)[-1]}-", suffix=".log")[1])
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Process:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", self.module, *self.args],
                cwd=str(self.cwd),
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for_output(self, text: str, timeout: float = 60.0) -> None:
        """Until `text` appears in the output (readiness polling, with a deadline)."""
        deadline = time.monotonic() + timeout
        while text not in self.output():
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"{self.module} exited ({self.proc.returncode}):\n{self.output()[-3000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.module}: no “{text}” within {timeout} s:\n{self.output()[-3000:]}")
            time.sleep(0.05)

    def stop(self, timeout: float = 15.0) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout)
        return self.proc.returncode

    def __enter__(self) -> Process:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        self.stop()
        keep = os.environ.get("BENCH_KEEP_LOGS")
        if keep:  # a folder: each process' output is kept there
            Path(keep, self.log.name).write_bytes(self.log.read_bytes())
        if kind is not None:
            print(f"--- {self.module} output ---\n{self.output()[-4000:]}", file=sys.stderr)
        self.log.unlink(missing_ok=True)


@contextlib.contextmanager
def database(url: str | None, folder: Path) -> Iterator[str]:
    """The database of a run: an SQLite file in `folder`, or a fresh schema (dropped after) of the
    PostgreSQL database `url`. Relais' schema is created by `relais db upgrade` (see upgrade)."""
    if not url or not url.startswith(("postgres://", "postgresql")):
        yield url or f"sqlite:///{folder / 'relais.db'}"
        return
    import uuid
    from urllib.parse import quote

    from sqlalchemy import text

    from bot.db import make_engine

    schema = f"relais_bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{url}{'&' if '?' in url else '?'}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def upgrade(config: Path) -> None:
    """`relais db upgrade` for a configuration: the schema at head, as at any start but the first."""
    with Process("relais.cli", "--config", str(config), "db", "upgrade") as process:
        assert process.proc is not None
        if process.proc.wait(120) != 0:
            raise RuntimeError(f"relais db upgrade failed:\n{process.output()[-2000:]}")


def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def write_toml(path: Path, sections: dict[str, dict[str, object]], circles: dict[str, list[str]]) -> Path:
    """A relais.toml from plain sections and circles (name -> channels)."""
    lines: list[str] = []
    for name, values in sections.items():
        lines.append(f"[{name}]")
        lines += [f"{key} = {toml_value(value)}" for key, value in values.items() if not isinstance(value, dict)]
        for key, table in values.items():
            if isinstance(table, dict):
                lines.append(f"[{name}.{key}]")
                lines += [f"{toml_value(inner)} = {toml_value(value)}" for inner, value in table.items()]
    for name, channels in circles.items():
        lines += ["[[circles]]", f"name = {toml_value(name)}", f"channels = {toml_value(channels)}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
