"""Relais restarted on Slack after a stop in the middle of a send (bot.outbox_leases): the message of the
process that is gone goes out at once, looked for first and posted once; another live process' message is
left to it, and one leased by a Relais older than migration 0022 (no owner) waits for its lease."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from bot.clock import FixedClock
from bot.config import Config, ConfigError
from bot.db import Store, make_engine, upgrade
from bot.kinds import OutboxStatus
from bot.outbox import enqueue
from bot.outbox_leases import close_lease_owner, lease_owner

from .harness import GENERAL, Harness, address
from .standin import SlackStandin


def leased(store: Store, clock: FixedClock, text: str, owner: str | None) -> None:
    """A message left 'sending' (leased for 30 s) by the process `owner`."""
    now = clock.now()
    with store.unit_of_work() as session:
        row = enqueue(session, now, text, channel=address(GENERAL))
        row.status, row.attempts, row.not_before = OutboxStatus.SENDING, 1, now + timedelta(seconds=30)
        row.lease_owner = owner


async def test_a_restart_sends_at_once_what_a_process_gone_left_in_flight(
    slack_standin: SlackStandin, store: Store, clock: FixedClock, config: Config
) -> None:
    other = Store(store.engine)  # another `relais run`, alive, on the same database
    try:
        leased(store, clock, "Sent by the process that was killed", uuid.uuid4().hex)  # its lock is free
        leased(store, clock, "Being sent by another process", lease_owner(other).token)
        leased(store, clock, "Leased by an older Relais", None)
        harness = Harness("socket", slack_standin, store, clock, config)
        await harness.start()  # the clock never moves: no lease ends by itself
        try:
            assert await harness.settle() == 1
            assert await harness.settle() == 0
        finally:
            await harness.stop()
    finally:
        close_lease_owner(other)
    assert [post["text"] for post in harness.posts_in(GENERAL)] == ["Sent by the process that was killed"]


async def test_a_leases_folder_that_cannot_be_made_is_not_said_to_be_slack_unreachable(
    slack_standin: SlackStandin, clock: FixedClock, config: Config, tmp_path: Path
) -> None:
    database = tmp_path / "relais.db"
    store = Store(make_engine(f"sqlite:///{database}"))
    upgrade(store.engine)
    (tmp_path / "relais.db-leases").write_text("not a folder\n")  # where the lock files go: taken by a file
    harness = Harness("socket", slack_standin, store, clock, config)
    try:
        with pytest.raises(ConfigError, match="relais.db-leases.*a file of that name is in the way"):
            await harness.start()
    finally:
        await harness.stop()
        close_lease_owner(store)
        store.engine.dispose()
