"""The App Home, item 2 of issue 14: the personal digest as a setting, the live read counts, and for
facilitators the circle overview (reading level and overdue commitments, as /level and /actions
count them) with the dashboard's link when [web] has a public_url."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from .harness import ALICE, BOB, FABIENNE, GT, Harness
from .standin import app_home_opened_event
from .test_slack_home_settings import click, settings, texts


def home_of(harness: Harness, user: str) -> dict[str, Any]:
    return harness.standin.home_views[user]


async def test_the_personal_digest_is_switched_on_and_off_from_the_home(relais_slack: Harness) -> None:
    await relais_slack.event(app_home_opened_event(ALICE))
    home = home_of(relais_slack, ALICE)
    assert "Votre résumé personnel\u00a0: désactivé." in texts(home)
    assert settings(home)["digest me on"]["text"]["text"] == "📬 M’envoyer mon résumé"

    await click(relais_slack, "digest me on", action="relais_setting_digest")
    home = home_of(relais_slack, ALICE)
    assert "Votre résumé personnel\u00a0: activé" in texts(home) and "digest me off" in settings(home)
    assert any("résumé personnel" in reply for reply in relais_slack.replies_to(ALICE))  # /digest me on's answer

    await click(relais_slack, "digest me off", action="relais_setting_digest")
    assert "désactivé" in texts(home_of(relais_slack, ALICE))


async def test_a_facilitator_sees_each_circles_level_and_overdue_a_partner_does_not(relais_slack: Harness) -> None:
    await relais_slack.command("engage", "Réserver la salle d'ici demain", channel=GT)
    await relais_slack.command("update", "#1 Salle réservée 50%", channel=GT)
    await relais_slack.command("read", "#2", user=BOB, channel=GT)
    relais_slack.clock.advance(timedelta(days=3))  # the commitment is overdue now
    await relais_slack.event(app_home_opened_event(ALICE))
    assert "Instances" not in texts(home_of(relais_slack, ALICE))

    await relais_slack.event(app_home_opened_event(FABIENNE))
    shown = texts(home_of(relais_slack, FABIENNE))
    assert "Instances (4 dernières semaines)" in shown
    assert "*COPIL* · rien à lire · aucun en retard" in shown
    assert "*GT Mobilité* · 1/2 confirmés (50\u00a0%) · 1 en retard" in shown, shown  # Bob, of Bob and Fabienne
    assert "/relais niveau (/level) et /actions retard en donnent le détail." in str(home_of(relais_slack, FABIENNE))


async def test_the_overview_links_to_the_dashboard_when_it_has_a_public_address(relais_slack: Harness) -> None:
    dispatcher = relais_slack.dispatcher
    dispatcher.config = replace(dispatcher.config, sections={"web": {"public_url": "https://relais.example.org"}})
    await relais_slack.event(app_home_opened_event(FABIENNE))
    assert "<https://relais.example.org/level|Le rapport complet sur le tableau de bord>" in str(
        home_of(relais_slack, FABIENNE)
    )


async def test_items_in_the_home_show_their_live_read_count(relais_slack: Harness) -> None:
    await relais_slack.command("engage", "Réserver la salle d'ici vendredi", channel=GT)
    await relais_slack.command("update", "#1 Salle réservée 50%", channel=GT)
    await relais_slack.command("read", "#2", user=BOB, channel=GT)
    await relais_slack.event(app_home_opened_event(FABIENNE))
    assert "Salle réservée · à l’instant · ✅ 1/2 a confirmé" in texts(home_of(relais_slack, FABIENNE))  # Bob did
