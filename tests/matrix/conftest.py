"""Fixtures for the Matrix tests: a real Synapse homeserver per test session.

* ``synapse`` (session): a started :class:`SynapseServer`; stopped at the end.
  Skips the test when matrix-synapse is not installed.
* ``synapse_server`` (function): the same server, guaranteed to be running
  (restarted if an earlier test stopped it and failed before restarting).
* ``matrix_user`` (function): factory registering a fresh, uniquely named user.

Every test under tests/matrix that uses the homeserver is marked ``matrix``
automatically, so ``pytest -m "not matrix"`` skips them. With
``RELAIS_REQUIRE_SERVERS=1`` (CI) a missing matrix-synapse fails instead of skipping.
"""

from __future__ import annotations

import importlib.util
import itertools
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .synapse import MatrixUser, SynapseServer

_HERE = Path(__file__).resolve().parent
_SKIP_REASON = "matrix-synapse is not installed: pip install -e '.[test]' (needed for the Matrix tests)"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "matrix: test needs a real Synapse homeserver (tests/matrix)")


@pytest.hookimpl(tryfirst=True)  # before `-m` deselection runs
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests under tests/matrix that use the homeserver are marked `matrix`; the pure ones
    (recorded payloads, scripted sync loop) are not, so `-m "not matrix"` still runs them."""
    for item in items:
        path = Path(str(item.path)).resolve()
        in_here = path == _HERE or _HERE in path.parents
        if in_here and "synapse" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.matrix)


def _require_servers() -> bool:
    """CI sets RELAIS_REQUIRE_SERVERS=1: a missing homeserver is then a failure, not a skip."""
    return os.environ.get("RELAIS_REQUIRE_SERVERS", "").strip().lower() in {"1", "true", "yes", "on"}


def _template_dir(config: pytest.Config) -> Path | None:
    """Where the pristine Synapse DB + signing key are cached between runs."""
    cache = getattr(config, "cache", None)  # None with -p no:cacheprovider
    if cache is None:
        return None
    return Path(cache.mkdir("relais-synapse-template"))


@pytest.fixture(scope="session")
def synapse(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SynapseServer]:
    """A running Synapse on http://127.0.0.1:<free port>, for the whole session."""
    if importlib.util.find_spec("synapse") is None:
        if _require_servers():
            pytest.fail("RELAIS_REQUIRE_SERVERS=1 but " + _SKIP_REASON, pytrace=False)
        pytest.skip(_SKIP_REASON)
    server = SynapseServer(
        tmp_path_factory.mktemp("synapse"),
        template_dir=_template_dir(request.config),
    )
    try:
        server.start()
        yield server
    finally:
        server.stop()  # data dir stays under pytest's tmp dir for post-mortems


@pytest.fixture
def synapse_server(synapse: SynapseServer) -> SynapseServer:
    """The session server, (re)started if a previous test left it stopped."""
    if not synapse.is_running:
        synapse.start()
    return synapse


_user_counter = itertools.count(1)


@pytest.fixture
def matrix_user(synapse_server: SynapseServer) -> Callable[..., MatrixUser]:
    """``matrix_user(prefix="user", admin=False) -> MatrixUser`` with a unique localpart.

    Users live for the whole session (the homeserver is shared), hence the
    unique names.
    """
    run = uuid.uuid4().hex[:6]

    def make(prefix: str = "user", *, admin: bool = False) -> MatrixUser:
        localpart = f"{prefix}-{run}-{next(_user_counter)}".lower()
        password = uuid.uuid4().hex
        user_id, token, device_id = synapse_server.register(localpart, password, admin=admin)
        return MatrixUser(localpart, password, user_id, token, device_id)

    return make


@pytest.fixture(params=["sqlite", "postgresql"])
def bot_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database URL for a bot under test: an SQLite file, or a fresh PostgreSQL schema at head
    (when RELAIS_TEST_DATABASE_URL is set, as in CI)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'relais.db'}"
        return
    base = os.environ.get("RELAIS_TEST_DATABASE_URL")
    if not base:
        pytest.skip("PostgreSQL tests need RELAIS_TEST_DATABASE_URL")
    from tests.support.schemas import fresh_schema_url

    with fresh_schema_url(base, "relais_mx") as url:
        yield url


@pytest.fixture(scope="session")
def element_client_folder(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Element-grade client (tests/matrix/js), installed once with `npm ci` into pytest's cache.

    Skipped without Node.js and npm, failed instead with RELAIS_REQUIRE_SERVERS=1 (CI)."""
    from .jsclient import install, missing_tools

    why = missing_tools()
    if why:
        if _require_servers():
            pytest.fail("RELAIS_REQUIRE_SERVERS=1 but " + why, pytrace=False)
        pytest.skip(why)
    cache = getattr(request.config, "cache", None)
    folder = Path(cache.mkdir("relais-element-client")) if cache is not None else tmp_path_factory.mktemp("js")
    return install(folder)
