"""Run a real, throw-away Synapse homeserver for the Matrix tests.

The server is a subprocess running ``python -m synapse.app.homeserver -c
homeserver.yaml`` (through a tiny launcher that makes it exit when the test
process dies) with the *same* interpreter as the tests (``sys.executable``), listening only on
``127.0.0.1`` on an ephemeral port picked at runtime, with an SQLite database
and every outbound-network feature switched off (no federation listener, no
trusted key servers, no stats reporting, no URL previews, no presence).

Usage::

    with SynapseServer() as hs:
        user_id, token, device_id = hs.register("bot", "secret")
        ... talk to hs.base_url ...
        hs.stop()      # simulate an outage
        hs.start()     # same port, same data dir, same users / tokens

Start-up cost is dominated by importing Synapse and creating the database
schema.  To keep it low, the first server built from a given ``template_dir``
saves a pristine (schema-only, no users) copy of its database and signing key
there; later servers using the same ``template_dir`` copy them instead of
recreating them.  Pass ``template_dir=None`` to disable this.

This module deliberately has no pytest dependency.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import hashlib
import hmac
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["MatrixUser", "SynapseError", "SynapseServer", "free_port", "synapse_available"]

_LOCALHOST = "127.0.0.1"
_DB_NAME = "homeserver.db"
_KEY_NAME = "signing.key"

# Every rate limiter Synapse knows about, relaxed so tests are never throttled.
_UNLIMITED = {"per_second": 100000, "burst_count": 100000}


# Loopback only: never route test traffic through an http(s)_proxy from the env.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass(frozen=True)
class MatrixUser:
    """A registered user (what the ``matrix_user`` fixture returns)."""

    localpart: str
    password: str
    user_id: str
    access_token: str
    device_id: str


class SynapseError(RuntimeError):
    """Synapse failed to start, stop or answer."""


def synapse_available() -> bool:
    """True when the ``synapse`` package (matrix-synapse) can be imported."""
    import importlib.util

    return importlib.util.find_spec("synapse") is not None


def free_port(host: str = _LOCALHOST) -> int:
    """Ask the kernel for a currently free TCP port on ``host``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _synapse_version() -> str:
    try:
        from importlib.metadata import version

        return version("matrix-synapse")
    except Exception:  # pragma: no cover - not installed / odd install
        return "unknown"


# Child-side launcher: ``python -c _LAUNCHER <lifeline-fd> -c homeserver.yaml``.
# The test process holds the write end of a pipe whose read end is the child's
# "lifeline": when the test process dies for any reason (even SIGKILL), the
# read returns EOF and the child SIGTERMs itself, so a killed test run never
# leaves an orphan homeserver holding a port.  It then runs
# ``python -m synapse.app.homeserver -c homeserver.yaml`` in the same process.
_LAUNCHER = """
import os, runpy, signal, sys, threading
fd = int(sys.argv[1])
def _lifeline():
    try:
        while os.read(fd, 1):
            pass
    except OSError:
        pass
    signal.pthread_kill(threading.main_thread().ident, signal.SIGTERM)
threading.Thread(target=_lifeline, name="lifeline", daemon=True).start()
sys.argv = ["synapse.app.homeserver"] + sys.argv[2:]
runpy.run_module("synapse.app.homeserver", run_name="__main__", alter_sys=True)
"""


class SynapseServer:
    """A Synapse homeserver running as a subprocess, for tests.

    Args:
        data_dir: directory for config, database, keys, media and logs.  A
            fresh temporary directory (removed by :meth:`cleanup`) when None.
        server_name: the Matrix server name (user ids are ``@x:server_name``).
        port: TCP port on 127.0.0.1; a free ephemeral port is chosen when None.
            The port is kept for the server's lifetime, so :meth:`stop` then
            :meth:`start` serves again on the same URL.
        template_dir: cache for a pristine database + signing key (see module
            docstring); None disables caching.
        start_timeout / stop_timeout: seconds (deadlines, not sleeps).
        log_level: Synapse's root log level (log goes to ``log_path``).
        extra_config: merged (shallowly) over the generated homeserver.yaml.
    """

    def __init__(
        self,
        data_dir: str | os.PathLike[str] | None = None,
        *,
        server_name: str = "localhost",
        port: int | None = None,
        template_dir: str | os.PathLike[str] | None = None,
        start_timeout: float = 90.0,
        stop_timeout: float = 15.0,
        log_level: str = "INFO",
        extra_config: dict[str, Any] | None = None,
        python: str = sys.executable,
    ) -> None:
        self._own_dir = data_dir is None
        self.data_dir = Path(data_dir or tempfile.mkdtemp(prefix="relais-synapse-"))
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.server_name = server_name
        self._auto_port = port is None
        self.port = port or free_port()
        self.template_dir = Path(template_dir) if template_dir is not None else None
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self.log_level = log_level
        self.extra_config = dict(extra_config or {})
        self.python = python
        self.registration_shared_secret = secrets.token_hex(32)
        self.config_path = self.data_dir / "homeserver.yaml"
        self.log_path = self.data_dir / "homeserver.log"
        self.console_log_path = self.data_dir / "console.log"
        self.last_start_seconds: float | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._console = None
        self._lifeline: int | None = None
        self._configured = False
        self._ever_started = False
        self._atexit_registered = False

    # ------------------------------------------------------------------ info
    @property
    def base_url(self) -> str:
        """Homeserver URL for clients, e.g. ``http://127.0.0.1:40123``."""
        return f"http://{_LOCALHOST}:{self.port}"

    @property
    def is_running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def user_id(self, localpart: str) -> str:
        return f"@{localpart}:{self.server_name}"

    def log_tail(self, lines: int = 60) -> str:
        """Last lines of Synapse's log and console output (for error messages)."""
        out = []
        for path in (self.console_log_path, self.log_path):
            with contextlib.suppress(OSError):
                text = path.read_text(errors="replace").splitlines()[-lines:]
                out.append(f"--- {path.name} ---\n" + "\n".join(text))
        return "\n".join(out)

    def __repr__(self) -> str:
        state = "running" if self.is_running else "stopped"
        return f"<SynapseServer {self.base_url} {state} dir={self.data_dir}>"

    # ---------------------------------------------------------------- config
    def _config(self) -> dict[str, Any]:
        d = self.data_dir
        cfg: dict[str, Any] = {
            "server_name": self.server_name,
            "public_baseurl": self.base_url + "/",
            "pid_file": str(d / "homeserver.pid"),
            "listeners": [
                {
                    "port": self.port,
                    "bind_addresses": [_LOCALHOST],
                    "type": "http",
                    "tls": False,
                    "x_forwarded": False,
                    # client API only (+ the admin API used by register());
                    # no federation / keys resources.
                    "resources": [{"names": ["client"], "compress": False}],
                }
            ],
            "database": {
                "name": "sqlite3",
                "args": {"database": str(d / _DB_NAME)},
            },
            "log_config": str(d / "log.config.yaml"),
            "media_store_path": str(d / "media_store"),
            "signing_key_path": str(d / _KEY_NAME),
            "registration_shared_secret": self.registration_shared_secret,
            "macaroon_secret_key": secrets.token_hex(32),
            "form_secret": secrets.token_hex(32),
            "enable_registration": False,
            "bcrypt_rounds": 4,  # cheap password hashing: fast register/login
            "report_stats": False,
            "trusted_key_servers": [],
            "suppress_key_server_warning": True,
            "url_preview_enabled": False,
            "presence": {"enabled": False},
            "enable_metrics": False,
            "federation_domain_whitelist": [],
            "allow_public_rooms_over_federation": False,
            "limit_usage_by_mau": False,
            "require_auth_for_profile_requests": False,
            # rate limits: effectively off
            "rc_message": _UNLIMITED,
            "rc_registration": _UNLIMITED,
            "rc_registration_token_validity": _UNLIMITED,
            "rc_login": {
                "address": _UNLIMITED,
                "account": _UNLIMITED,
                "failed_attempts": _UNLIMITED,
            },
            "rc_joins": {"local": _UNLIMITED, "remote": _UNLIMITED},
            "rc_joins_per_room": _UNLIMITED,
            "rc_invites": {
                "per_room": _UNLIMITED,
                "per_user": _UNLIMITED,
                "per_issuer": _UNLIMITED,
            },
            "rc_third_party_invite": _UNLIMITED,
            "rc_3pid_validation": _UNLIMITED,
            "rc_admin_redaction": _UNLIMITED,
            "rc_key_requests": _UNLIMITED,
            "rc_media_create": _UNLIMITED,
            "rc_presence": {"per_user": _UNLIMITED},
            "rc_delayed_event_mgmt": _UNLIMITED,
            "rc_room_creation": _UNLIMITED,
            "rc_reports": _UNLIMITED,
            "rc_user_directory": _UNLIMITED,
            "rc_profile": _UNLIMITED,
        }
        cfg.update(self.extra_config)
        return cfg

    def _log_config(self) -> dict[str, Any]:
        return {
            "version": 1,
            "formatters": {
                "precise": {"format": "%(asctime)s - %(name)s - %(lineno)d - %(levelname)s - %(request)s - %(message)s"}
            },
            "filters": {"context": {"()": "synapse.logging.context.LoggingContextFilter"}},
            "handlers": {
                "file": {
                    "class": "logging.FileHandler",
                    "formatter": "precise",
                    "filename": str(self.log_path),
                    "filters": ["context"],
                    "encoding": "utf8",
                }
            },
            "loggers": {"synapse.storage.SQL": {"level": "WARNING"}},
            "root": {"level": self.log_level, "handlers": ["file"]},
            "disable_existing_loggers": False,
        }

    def _template_paths(self) -> tuple[Path, Path] | None:
        if self.template_dir is None:
            return None
        tdir = self.template_dir / f"synapse-{_synapse_version()}-{self.server_name}"
        return tdir / _DB_NAME, tdir / _KEY_NAME

    def _write_config(self) -> None:
        """Write homeserver.yaml, log config and (unless cached) signing key."""
        # JSON is valid YAML: no need for a YAML writer.
        self.config_path.write_text(json.dumps(self._config(), indent=2))
        (self.data_dir / "log.config.yaml").write_text(json.dumps(self._log_config(), indent=2))
        (self.data_dir / "media_store").mkdir(exist_ok=True)

        key_path = self.data_dir / _KEY_NAME
        db_path = self.data_dir / _DB_NAME
        tpl = self._template_paths()
        if tpl and tpl[0].is_file() and tpl[1].is_file() and not db_path.exists():
            shutil.copyfile(tpl[1], key_path)
            shutil.copyfile(tpl[0], db_path)
        if not key_path.exists():
            # Same as `generate_signing_key` / `--generate-keys`, in-process.
            from signedjson.key import generate_signing_key, write_signing_keys

            with key_path.open("w") as f:
                write_signing_keys(f, [generate_signing_key("a_" + secrets.token_hex(2))])
        self._configured = True

    def _save_template(self) -> None:
        """Cache the pristine DB + key (called right after the first start)."""
        tpl = self._template_paths()
        if not tpl or (tpl[0].is_file() and tpl[1].is_file()):
            return
        tdir = tpl[0].parent
        tdir.mkdir(parents=True, exist_ok=True)
        # Use SQLite's online backup: consistent while Synapse has the DB open.
        import sqlite3

        tmp_db = tdir / f".{_DB_NAME}.{os.getpid()}.tmp"
        src = sqlite3.connect(str(self.data_dir / _DB_NAME), timeout=30)
        try:
            dst = sqlite3.connect(str(tmp_db))
            try:
                src.backup(dst)
            finally:
                dst.close()
        finally:
            src.close()
        tmp_key = tdir / f".{_KEY_NAME}.{os.getpid()}.tmp"
        shutil.copyfile(self.data_dir / _KEY_NAME, tmp_key)
        os.replace(tmp_key, tpl[1])
        os.replace(tmp_db, tpl[0])  # DB last: its presence marks the cache valid

    # -------------------------------------------------------------- lifecycle
    def start(self) -> SynapseServer:
        """Start Synapse (same port / data dir as before) and wait until ready.

        Only the very first start of a server whose port was picked
        automatically may move to another free port (if the picked one was
        taken in the meantime); after that the URL never changes.
        """
        if self.is_running:
            return self
        t0 = time.monotonic()
        fresh_db = not (self.data_dir / _DB_NAME).exists()
        if not self._configured:
            self._write_config()
            fresh_db = fresh_db and not (self.data_dir / _DB_NAME).exists()
        attempts = 3 if (self._auto_port and not self._ever_started) else 1
        for attempt in range(1, attempts + 1):
            log_offset = self._log_size()
            self._spawn()
            try:
                self.wait_until_ready(self.start_timeout)
                break
            except BaseException as exc:
                self.stop()
                port_taken = isinstance(exc, SynapseError) and "Address already in use" in self._log_since(log_offset)
                if not (port_taken and attempt < attempts):
                    raise
                self.port = free_port()
                self._write_config()
        self._ever_started = True
        self.last_start_seconds = time.monotonic() - t0
        if fresh_db:
            with contextlib.suppress(Exception):
                self._save_template()
        return self

    def _spawn(self) -> None:
        self._console = open(self.console_log_path, "ab")  # noqa: SIM115 - closed in stop()
        lifeline_r, lifeline_w = os.pipe()  # both non-inheritable by default
        try:
            self._proc = subprocess.Popen(
                [self.python, "-c", _LAUNCHER, str(lifeline_r), "-c", str(self.config_path)],
                cwd=str(self.data_dir),
                stdin=subprocess.DEVNULL,
                stdout=self._console,
                stderr=subprocess.STDOUT,
                pass_fds=(lifeline_r,),
                # own process group: a Ctrl-C in the terminal does not hit it directly
                start_new_session=True,
            )
        except BaseException:
            os.close(lifeline_w)
            raise
        finally:
            os.close(lifeline_r)
        self._lifeline = lifeline_w
        if not self._atexit_registered:
            atexit.register(self._atexit_stop)
            self._atexit_registered = True

    def _log_size(self) -> tuple[int, int]:
        sizes = []
        for path in (self.console_log_path, self.log_path):
            try:
                sizes.append(path.stat().st_size)
            except OSError:
                sizes.append(0)
        return sizes[0], sizes[1]

    def _log_since(self, offsets: tuple[int, int]) -> str:
        out = []
        for path, off in zip((self.console_log_path, self.log_path), offsets, strict=True):
            with contextlib.suppress(OSError), path.open("rb") as f:
                f.seek(off)
                out.append(f.read().decode(errors="replace"))
        return "\n".join(out)

    def wait_until_ready(self, timeout: float | None = None) -> None:
        """Poll ``GET /_matrix/client/versions`` until it answers 200."""
        deadline = time.monotonic() + (timeout if timeout is not None else self.start_timeout)
        url = self.base_url + "/_matrix/client/versions"
        while True:
            if self._proc is None or self._proc.poll() is not None:
                code = None if self._proc is None else self._proc.returncode
                raise SynapseError(f"Synapse exited during start-up (exit code {code})\n{self.log_tail()}")
            try:
                with _OPENER.open(url, timeout=2) as resp:
                    if resp.status == 200:
                        return
            except (OSError, urllib.error.URLError):
                pass
            if time.monotonic() > deadline:
                raise SynapseError(f"Synapse did not answer {url} within {timeout}s\n{self.log_tail()}")
            # readiness polling interval (not a wait for time to pass)
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop Synapse: SIGTERM, then SIGKILL after ``stop_timeout`` seconds."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=self.stop_timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                proc.wait(timeout=self.stop_timeout)
        if self._lifeline is not None:
            os.close(self._lifeline)
            self._lifeline = None
        if self._console is not None:
            self._console.close()
            self._console = None

    def restart(self) -> SynapseServer:
        """Stop then start again on the same port and data dir."""
        self.stop()
        return self.start()

    def cleanup(self) -> None:
        """Stop, and delete the data dir if this object created it."""
        self.stop()
        if self._own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    # Async wrappers: run the blocking calls in a worker thread so the event
    # loop (e.g. a bot under test with its reconnect logic) keeps running.
    async def astart(self) -> SynapseServer:
        return await asyncio.to_thread(self.start)

    async def astop(self) -> None:
        await asyncio.to_thread(self.stop)

    async def arestart(self) -> SynapseServer:
        return await asyncio.to_thread(self.restart)

    async def aregister(self, localpart: str, password: str, admin: bool = False) -> tuple[str, str, str]:
        return await asyncio.to_thread(self.register, localpart, password, admin)

    def _atexit_stop(self) -> None:
        with contextlib.suppress(Exception):
            self.stop()

    def __enter__(self) -> SynapseServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.cleanup()

    # ------------------------------------------------------------------ HTTP
    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        access_token: str | None = None,
        timeout: float = 15.0,
    ) -> Any:
        """Minimal JSON HTTP call to the homeserver; raises SynapseError on != 2xx."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base_url + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if access_token:
            req.add_header("Authorization", f"Bearer {access_token}")
        try:
            with _OPENER.open(req, timeout=timeout) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as e:
            detail = e.read().decode(errors="replace")
            raise SynapseError(f"{method} {path} -> HTTP {e.code}: {detail}") from None
        return json.loads(raw) if raw else None

    def register(self, localpart: str, password: str, admin: bool = False) -> tuple[str, str, str]:
        """Create a user via the shared-secret admin API.

        Returns ``(user_id, access_token, device_id)`` (a logged-in device).
        """
        path = "/_synapse/admin/v1/register"
        nonce = self.request("GET", path)["nonce"]
        mac = hmac.new(self.registration_shared_secret.encode(), digestmod=hashlib.sha1)
        mac.update(nonce.encode())
        mac.update(b"\x00")
        mac.update(localpart.encode())
        mac.update(b"\x00")
        mac.update(password.encode())
        mac.update(b"\x00")
        mac.update(b"admin" if admin else b"notadmin")
        resp = self.request(
            "POST",
            path,
            {
                "nonce": nonce,
                "username": localpart,
                "password": password,
                "admin": admin,
                "mac": mac.hexdigest(),
            },
        )
        return resp["user_id"], resp["access_token"], resp["device_id"]

    def login(self, localpart: str, password: str, device_id: str | None = None) -> tuple[str, str, str]:
        """Password login (a new device unless ``device_id`` given)."""
        body: dict[str, Any] = {
            "type": "m.login.password",
            "identifier": {"type": "m.id.user", "user": localpart},
            "password": password,
        }
        if device_id:
            body["device_id"] = device_id
        resp = self.request("POST", "/_matrix/client/v3/login", body)
        return resp["user_id"], resp["access_token"], resp["device_id"]


if __name__ == "__main__":  # manual smoke test: python tests/matrix/synapse.py
    t = time.monotonic()
    with SynapseServer(template_dir=Path(tempfile.gettempdir()) / "relais-synapse-template") as hs:
        print(f"started {hs.base_url} in {hs.last_start_seconds:.2f}s (dir {hs.data_dir})")
        print(hs.register("smoke", "pw", admin=True))
        t1 = time.monotonic()
        hs.restart()
        print(f"restarted in {time.monotonic() - t1:.2f}s (start {hs.last_start_seconds:.2f}s)")
    print(f"total {time.monotonic() - t:.2f}s")
