"""`relais run` as a real subprocess, configured by a TOML file, for kill and signal tests."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from .synapse import MatrixUser, SynapseServer

ROOT = Path(__file__).resolve().parents[2]


def write_config(
    path: Path, hs: SynapseServer, bot: MatrixUser, database: Path, room: str, language: str = "fr"
) -> Path:
    """A complete relais.toml; the access token comes from the environment, as in production."""
    path.write_text(
        "\n".join(
            [
                "[community]",
                'name = "Essonne"',
                f'language = "{language}"',
                'timezone = "Europe/Paris"',
                'default_circle = "COPIL"',
                "[database]",
                f"url = {json.dumps(f'sqlite:///{database}')}",
                "[[circles]]",
                'name = "COPIL"',
                f"channels = [{json.dumps(f'matrix:{room}')}]",
                "[matrix]",
                f"homeserver = {json.dumps(hs.base_url)}",
                f"user_id = {json.dumps(bot.user_id)}",
                f"device_id = {json.dumps(bot.device_id)}",
                "sync_timeout = 5",
                "max_backoff = 1",
                "[log]",
                'level = "INFO"',
                "",
            ]
        ),
        encoding="utf-8",
    )
    return path


class BotProcess:
    """One `python -m relais.cli --config FILE run` process; its output goes to `log`."""

    def __init__(
        self, config: Path, token: str, log: Path, env: dict[str, str] | None = None, module: str = "relais.cli"
    ) -> None:
        self.config = config
        self.token = token
        self.log = log
        self.env = env or {}  # added to the process' environment (tests/matrix/crashing.py reads CRASH_*)
        self.module = module
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> BotProcess:
        env = {key: value for key, value in os.environ.items() if not key.startswith("RELAIS_")}
        env.update({"PYTHONPATH": str(ROOT), "RELAIS_MATRIX_ACCESS_TOKEN": self.token, "NO_PROXY": "*", **self.env})
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", self.module, "--config", str(self.config), "run"],
                cwd=str(ROOT),
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def signal(self, signum: int) -> None:
        assert self.proc is not None
        self.proc.send_signal(signum)

    def wait(self, timeout: float) -> int:
        assert self.proc is not None
        return self.proc.wait(timeout=timeout)

    def kill(self) -> None:
        if self.running:
            assert self.proc is not None
            self.proc.kill()
            self.proc.wait(timeout=10)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def __enter__(self) -> BotProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.reap()

    def reap(self) -> None:
        """Kill it if it still runs, and wait for it (test clean-up)."""
        with contextlib.suppress(ProcessLookupError):
            if self.running:
                self.signal(signal.SIGKILL)
        if self.proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=10)
