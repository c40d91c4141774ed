"""`relais run` with a [slack] section: the runner builds the adapter with adapters.slack.create,
starts it, and delivers replies as soon as they are written (the adapter pokes the delivery loop)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from pathlib import Path

import pytest

from bot.clock import FixedClock
from bot.config import CircleConfig
from relais.runner import Runner
from relais.wiring import build_app

from ..conftest import NOW, make_config
from .harness import APP_TOKEN, BOT_TOKEN
from .standin import DEFAULT_CHANNEL_ID, DEFAULT_TEAM_ID, SlackStandin


async def test_relais_run_serves_slack_and_delivers_on_the_poke(slack_standin: SlackStandin, tmp_path: Path) -> None:
    config = replace(
        make_config(),
        database_url=f"sqlite:///{tmp_path / 'relais.db'}",
        circles=(CircleConfig("COPIL", (f"slack:{DEFAULT_TEAM_ID}/{DEFAULT_CHANNEL_ID}",)),),
        sections={"slack": {"bot_token": BOT_TOKEN, "app_token": APP_TOKEN, "api_url": slack_standin.api_url}},
    )
    app = build_app(config, clock=FixedClock(NOW))
    runner = Runner(app, poll_seconds=60)  # a reply delivered within seconds came from the poke
    stop = asyncio.Event()
    serving = asyncio.create_task(runner.serve(stop))
    try:
        await slack_standin.wait_socket_connected(timeout=10)
        started = time.monotonic()
        # Alice's Slack is in English (en-US): met for the first time, she is answered in English
        payload = slack_standin.slash_command("/engage", "Test relais run tomorrow at 2pm")
        ack = await slack_standin.wait_ack(await slack_standin.socket_send("slash_commands", payload))
        assert ack["elapsed"] < 3
        (reply,) = await slack_standin.wait_for_response_posts(1, timeout=10)
        assert "Commitment #1 saved" in reply.params["text"] and time.monotonic() - started < 10
        assert "Friday 27 November 2026 at 14:00" in reply.params["text"]
    finally:
        stop.set()
        assert await asyncio.wait_for(serving, 20) == 0
        app.close()
    assert not slack_standin.socket_connected


@pytest.mark.parametrize("bot_token, app_token", [("xoxb-wrong", APP_TOKEN), (BOT_TOKEN, "xapp-wrong")])
async def test_relais_run_stops_with_a_clear_message_when_slack_refuses_a_token(
    slack_standin: SlackStandin, tmp_path: Path, bot_token: str, app_token: str
) -> None:
    slack_standin.valid_tokens = {BOT_TOKEN, APP_TOKEN}
    config = replace(
        make_config(),
        database_url=f"sqlite:///{tmp_path / 'relais.db'}",
        sections={"slack": {"bot_token": bot_token, "app_token": app_token, "api_url": slack_standin.api_url}},
    )
    app = build_app(config, clock=FixedClock(NOW))
    runner = Runner(app, poll_seconds=60)
    try:
        assert await asyncio.wait_for(runner.serve(asyncio.Event()), 20) == 1
    finally:
        app.close()
    assert runner.problem is not None and "invalid_auth" in str(runner.problem) and "bot_token" in str(runner.problem)
