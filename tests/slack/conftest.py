"""Fixtures for the Slack tests: a started :class:`SlackStandin` per test (about 5 ms)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

pytest.importorskip("slack_bolt", reason="slack_bolt is not installed (pip install relais[slack])")
pytest.importorskip("slack_sdk", reason="slack_sdk is not installed (pip install relais[slack])")

import pytest_asyncio  # noqa: E402

from .standin import SlackStandin  # noqa: E402

SIGNING_SECRET = "standin-signing-secret"
BOT_TOKEN = "xoxb-test"
APP_TOKEN = "xapp-test"


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
