"""Console-only commands (/react, /unreact) exist on the console only: /help on Slack and Matrix does not
list them, they are unknown there and never offered by "Did you mean…?"; the console keeps them."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.config import CircleConfig
from bot.reply import Incoming

PLATFORMS = ("matrix:@alice:hs", "slack:T1/U1")
ROOMS = {"matrix": "matrix:!copil:hs", "slack": "slack:T1/C1"}


@pytest.fixture
def testbot(testbot, config):
    """The COPIL has a room on Matrix and a channel on Slack: whoever speaks there is a member."""
    circle = CircleConfig("COPIL", ("console:copil", *ROOMS.values()))
    testbot.dispatcher.config = replace(config, circles=(circle,))
    testbot.dispatcher.setup()
    return testbot


def said(testbot, identity: str, text: str) -> str:
    room = ROOMS[identity.split(":")[0]]
    answer = testbot.dispatcher.handle(Incoming(identity=identity, text=text, channel=room, display_name="Alice"))
    assert answer is not None
    return answer.text


@pytest.mark.parametrize("identity", PLATFORMS)
def test_help_on_a_chat_platform_lists_no_console_only_command(testbot, identity):
    for asked in ("/aide", "!aide", "/help"):
        listed = said(testbot, identity, asked)
        assert "lu" in listed and "console" not in listed and "#N ✅" not in listed, listed
    details = said(testbot, identity, "/aide react")
    assert "Je ne connais pas la commande" in details and "console" not in details
    assert "Je ne connais pas la commande" in said(testbot, identity, "/react #1 ✅")
    assert "react" not in said(testbot, identity, "/reac #1").lower().split("vouliez-vous dire")[-1]


def test_the_console_keeps_them(testbot):
    listed = testbot.say("alice", "/aide")
    assert "console" in listed and "#N ✅" in listed
    assert "/react" in testbot.say("alice", "/reac #1")  # Did you mean: /react?
    assert "console" in testbot.say("alice", "/aide react")
