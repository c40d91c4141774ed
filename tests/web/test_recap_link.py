"""The weekly recap links to its circle's page on the dashboard, when [web] has a public address."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.markup import to_plain
from bot.models import Circle
from tests.schedules.support import make_world, paris, schedules_config


def posted_recaps(store, clock, web: dict | None) -> list[str]:
    sections = {"schedules": {}, **({"web": web} if web is not None else {})}
    world = make_world(store, clock, replace(schedules_config(), sections=sections))
    world.clock.set(paris(2026, 11, 26, 10))
    world.run()
    world.say("alice", "/engage Envoyer le compte rendu lundi")
    world.run(paris(2026, 11, 30, 9))
    return [to_plain(row.text) for row in world.outbox() if "Récapitulatif de la semaine" in row.text]


def test_the_posted_recap_links_to_the_circle_roadmap(store, clock):
    recaps = posted_recaps(store, clock, {"public_url": "https://relais.example.org/"})
    assert len(recaps) == 2  # COPIL and GT Mobilité
    with make_world(store, clock, schedules_config()).store.unit_of_work() as session:
        ids = {circle.name: circle.id for circle in session.query(Circle)}
    copil = next(text for text in recaps if "— COPIL" in text)
    link = f"\n🔗 Sur le tableau de bord\u00a0: https://relais.example.org/roadmap?circle={ids['COPIL']}\n"
    assert link in copil  # after what the recap says, before how to confirm reading it
    gt = next(text for text in recaps if "GT Mobilité" in text)
    assert f"/roadmap?circle={ids['GT Mobilité']}" in gt


@pytest.mark.parametrize(
    "web",
    [None, {"port": 8090}, {"public_url": "https://relais.example.org", "enabled": False}],
    ids=["no web section", "no public address", "web disabled"],
)
def test_no_link_where_no_one_could_follow_it(store, clock, web):
    recaps = posted_recaps(store, clock, web)
    assert recaps and not any("tableau de bord" in text or "http" in text for text in recaps)


def test_digest_shows_the_link_in_the_members_language(testbot):
    testbot.dispatcher.config = replace(  # type: ignore[misc]
        testbot.dispatcher.config, sections={"web": {"public_url": "https://relais.example.org"}}
    )
    assert "🔗 Sur le tableau de bord\u00a0: https://relais.example.org/roadmap?circle=" in testbot.say(
        "paula", "/digest"
    )
