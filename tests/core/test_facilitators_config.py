"""Facilitators named in the configuration: demoted when removed from it; not demoted by a command."""

from __future__ import annotations

from dataclasses import replace

from bot.dispatch import Dispatcher
from commands import build_router


def test_a_facilitator_removed_from_the_config_is_a_partner_at_the_next_start(testbot, store, clock, config):
    assert "Seule l’animation" not in testbot.say("fabienne", "/level")
    restarted = Dispatcher(store=store, config=replace(config, facilitators=()), clock=clock, router=build_router())
    restarted.setup()
    testbot.dispatcher = restarted
    assert "Seule l’animation" in testbot.say("fabienne", "/level")


def test_a_configured_facilitator_cannot_be_demoted_by_a_command(testbot):
    testbot.say("fabienne", "/member @fabienne role facilitator")
    testbot.say("alice", "/whoami")
    testbot.say("fabienne", "/member @alice role facilitator")
    reply = testbot.say("alice", "/member @fabienne role partner")
    assert "fait partie de l’animation dans la configuration (community.facilitators)" in reply
    assert "Alice a maintenant le rôle\u00a0: partenaire." in testbot.say("fabienne", "/member @alice role partner")
