"""The Element-grade client (tests/matrix/js/client.mjs: matrix-js-sdk 43 with its Rust crypto), from Python.

`install(cache)` runs `npm ci` once into a cache folder keyed by the lock file (about 30 MB,
30 s the first time, nothing after); `ElementClient` runs one client process and talks to it in
JSON lines. Node 20 or later and npm are needed.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from tests.support.npm import npm_ci

from .synapse import MatrixUser, SynapseServer

JS = Path(__file__).resolve().parent / "js"
FILES = ("package.json", "package-lock.json", "client.mjs")


def missing_tools() -> str | None:
    """Why the client cannot run here (no node, no npm, too old a node), or None."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        return "Node.js and npm are not installed (needed for the Element-grade client, matrix-js-sdk)"
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=False).stdout.strip()
    major = int(version.lstrip("v").split(".")[0] or 0) if version.lstrip("v")[:1].isdigit() else 0
    return None if major >= 20 else f"Node.js {version or '?'} is too old for matrix-js-sdk (20 or later)"


def install(cache: Path) -> Path:
    """The client's folder with its node_modules (`npm ci` from the lock file when not done yet)."""
    folder = npm_ci(JS, cache)
    shutil.copyfile(JS / "client.mjs", folder / "client.mjs")  # the script may change without the lock
    return folder


class ElementClient:
    """One matrix-js-sdk client process for `user`, in only-signed-devices mode."""

    def __init__(self, folder: Path, hs: SynapseServer, user: MatrixUser, log: Path, cross_sign: bool = True) -> None:
        self.folder = folder
        self.hs = hs
        self.user = user
        self.log = log
        self.cross_sign = cross_sign
        self.proc: asyncio.subprocess.Process | None = None
        self.ids = 0

    @property
    def user_id(self) -> str:
        return self.user.user_id

    async def start(self, timeout: float = 60) -> ElementClient:
        env = {
            **{key: value for key, value in os.environ.items() if not key.startswith("RELAIS_")},
            "HOMESERVER": self.hs.base_url,
            "USER_ID": self.user.user_id,
            "ACCESS_TOKEN": self.user.access_token,
            "DEVICE_ID": self.user.device_id,
            "PASSWORD": self.user.password if self.cross_sign else "",
            "NO_PROXY": "*",
        }
        self.stderr = self.log.open("ab")
        self.proc = await asyncio.create_subprocess_exec(
            "node",
            str(self.folder / "client.mjs"),
            cwd=self.folder,
            env=env,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=self.stderr,
            limit=2**22,
        )
        first = await self._line(timeout)
        assert first.get("ready"), first
        return self

    async def _line(self, timeout: float) -> dict[str, Any]:
        assert self.proc is not None and self.proc.stdout is not None
        async with asyncio.timeout(timeout):
            while True:
                line = await self.proc.stdout.readline()
                if not line:
                    raise AssertionError(f"the js client stopped:\n{self.output()}")
                if line.startswith(b"{"):
                    return dict(json.loads(line))

    async def call(self, op: str, timeout: float = 60, **args: Any) -> dict[str, Any]:
        assert self.proc is not None and self.proc.stdin is not None
        self.ids += 1
        self.proc.stdin.write(json.dumps({"id": self.ids, "op": op, **args}).encode() + b"\n")
        await self.proc.stdin.drain()
        while True:
            answer = await self._line(timeout)
            if answer.get("id") == self.ids:
                break
        if not answer.get("ok"):
            raise AssertionError(f"js client {op} failed: {answer.get('error')}\n{self.output()[-3000:]}")
        return answer

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    async def close(self) -> None:
        if self.proc is None:
            return
        if self.proc.returncode is None:
            try:
                await self.call("stop", timeout=10)
                await asyncio.wait_for(self.proc.wait(), 10)
            except (AssertionError, TimeoutError, ConnectionError):
                self.proc.kill()
                await self.proc.wait()
        self.stderr.close()
        self.proc = None

    async def __aenter__(self) -> ElementClient:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
