"""Fixtures for the Slack tests: a started :class:`SlackStandin` per test (about 5 ms), and
``relais_slack``: the real Relais Slack adapter against it, in Socket Mode and in HTTP mode.

Without slack_bolt the tests are skipped, except in CI (RELAIS_REQUIRE_SERVERS=1) where the
import error fails the run.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

if os.environ.get("RELAIS_REQUIRE_SERVERS") == "1":
    import slack_bolt  # noqa: F401  (CI: a missing SDK is a failure, not a skip)
    import slack_sdk  # noqa: F401
else:
    pytest.importorskip("slack_bolt", reason="slack_bolt is not installed (pip install relais[slack])")
    pytest.importorskip("slack_sdk", reason="slack_sdk is not installed (pip install relais[slack])")

import pytest_asyncio  # noqa: E402

from bot.clock import FixedClock  # noqa: E402
from bot.config import Config  # noqa: E402
from bot.db import Store  # noqa: E402

from .harness import APP_TOKEN, BOT_TOKEN, MODES, SIGNING_SECRET, Harness  # noqa: E402,F401
from .standin import SlackStandin  # noqa: E402


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test collected under tests/slack with ``pytest.mark.slack``."""
    here = Path(__file__).resolve().parent
    for item in items:
        if Path(item.path).resolve().is_relative_to(here):
            item.add_marker(pytest.mark.slack)


@pytest_asyncio.fixture
async def slack_standin() -> AsyncIterator[SlackStandin]:
    """A stand-in serving in the test's event loop; stopped (sockets closed) afterwards."""
    standin = SlackStandin()
    await standin.start()
    try:
        yield standin
    finally:
        await standin.stop()


@pytest.fixture
def slack_standin_thread() -> Iterator[SlackStandin]:
    """A stand-in serving from a background thread, for synchronous clients (sync Bolt App)."""
    standin = SlackStandin().start_in_thread()
    try:
        yield standin
    finally:
        standin.stop_in_thread()


@pytest_asyncio.fixture(params=MODES)
async def relais_slack(
    request: pytest.FixtureRequest, slack_standin: SlackStandin, store: Store, clock: FixedClock, config: Config
) -> AsyncIterator[Harness]:
    """The Relais Slack adapter, started against the stand-in in Socket Mode or HTTP mode."""
    async for harness in _harness(request.param, slack_standin, store, clock, config):
        yield harness


async def _harness(
    mode: str, standin: SlackStandin, store: Store, clock: FixedClock, config: Config
) -> AsyncIterator[Harness]:
    harness = Harness(mode, standin, store, clock, config)
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()


@pytest_asyncio.fixture
async def relais_http(
    slack_standin: SlackStandin, store: Store, clock: FixedClock, config: Config
) -> AsyncIterator[Harness]:
    """The adapter in HTTP mode only (signature checks)."""
    async for harness in _harness("http", slack_standin, store, clock, config):
        yield harness


@pytest_asyncio.fixture
async def relais_socket(
    slack_standin: SlackStandin, store: Store, clock: FixedClock, config: Config
) -> AsyncIterator[Harness]:
    """The adapter in Socket Mode only (for what does not depend on the mode: sending)."""
    async for harness in _harness("socket", slack_standin, store, clock, config):
        yield harness
