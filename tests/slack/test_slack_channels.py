"""Relais removed from a circle's channel. Slack sends the app it removed no member_left_channel (it is
no longer in the channel: slackapi/node-slack-sdk#931, slackapi/bolt-js#1847) but `channel_left`
(`group_left` for a private channel), in the shape api.slack.com/events/channel_left documents: the
operator hears of it at once, not at the next refused post."""

from __future__ import annotations

import logging

import pytest

from .harness import GT, UNMAPPED, Harness

PRIVATE = "G0BUREAU001"


async def test_relais_removed_from_a_circles_channel_is_said_at_once(
    relais_slack: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="adapters.slack.members")
    await relais_slack.event({"type": "channel_left", "channel": UNMAPPED})  # no circle's: nothing to say
    assert caplog.records == []
    await relais_slack.event({"type": "channel_left", "channel": GT})
    (said,) = [record.getMessage() for record in caplog.records]
    assert "removed from Slack channel C0GTMOBIL01" in said and "/invite @Relais" in said and "/unmap" in said


async def test_relais_removed_from_a_private_channel_is_said_too(
    relais_slack: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="adapters.slack.members")
    relais_slack.standin.add_channel(PRIVATE, name="bureau", is_private=True)
    await relais_slack.command("map", "Bureau", user="U0FABIENNE1", channel=PRIVATE)
    caplog.clear()
    await relais_slack.event({"type": "group_left", "channel": PRIVATE})
    assert any("removed from Slack channel G0BUREAU001" in record.getMessage() for record in caplog.records)
