"""Counts that add up: a member in two circles, items in each, partial reading — every figure by hand.

Alice is in the COPIL and the GT Mobilité, Bob only in the COPIL, Claire only in the GT; Alice and
Bob are with the town hall (Mairie). Fabienne (facilitator, in the COPIL) posts #1 and #2 in the
COPIL; Claire posts #3 in the GT. So Alice must read #1, #2, #3; Bob #1, #2; Claire nothing.
Alice confirms #1 and #3, Bob #2. /level, /who-read, /info, /unread and the recap must agree, and
no share may exceed 100 %.
"""

from __future__ import annotations

import re
from datetime import timedelta

from bot.markup import to_plain
from bot.posts.recap import build_recap
from bot.presentation import Localiser
from bot.services.community import find_circle


def build(testbot) -> None:
    say = testbot.say
    for who, circle in (("alice", "copil"), ("alice", "gt"), ("bob", "copil"), ("claire", "gt"), ("fabienne", "copil")):
        say(who, "/whoami", circle=circle)
    for who, organisation in (("alice", "Mairie"), ("bob", "Mairie"), ("claire", "Asso")):
        say("fabienne", f"/member @{who} org {organisation}")
    assert "Annonce #1 publiée dans COPIL\u00a0: 2 membres doivent la lire." in say(
        "fabienne", "/info Première annonce"
    )
    assert "Annonce #2 publiée dans COPIL\u00a0: 2 membres doivent la lire." in say(
        "fabienne", "/info Deuxième annonce"
    )
    assert "Annonce #3 publiée dans GT Mobilité\u00a0: 1 membre doit la lire." in say(
        "claire", "/info Du GT", circle="gt"
    )


def recap(testbot, name: str) -> str:
    with testbot.store.unit_of_work() as session:
        community = testbot.dispatcher.community(session)
        circle = find_circle(session, community, name)
        assert circle is not None
        voice = Localiser.of(community, testbot.clock.now())
        since = testbot.clock.now() - timedelta(days=7)
        return to_plain(
            build_recap(session, community, circle, voice, testbot.dispatcher.config.schedules, since).text()
        )


def shares(text: str) -> list[tuple[int, int]]:
    return [(int(a), int(b)) for a, b in re.findall(r"(\d+)/(\d+)", text)]


def test_before_reading_every_member_counts_the_items_of_all_their_circles(testbot):
    build(testbot)
    level = testbot.say("fabienne", "/level")
    assert "• Alice (Mairie)\u00a0: 0/3 — 0\u00a0%" in level  # not « 0/1 »: the GT item and both COPIL items
    assert "• Bob (Mairie)\u00a0: 0/2 — 0\u00a0%" in level
    assert "• Mairie\u00a0: 0/5 — 0\u00a0%" in level
    assert "Claire" not in level.split("Par structure")[0]  # nothing to read: the author of #3
    unread = testbot.say("alice", "/unread")
    assert "3 éléments à lire" in unread
    assert "2 membres ont confirmé moins de la moitié de leurs lectures." in recap(testbot, "COPIL")


def test_after_partial_reading_every_view_agrees(testbot):
    build(testbot)
    assert "Merci, lecture confirmée\u00a0: #1, #3." in testbot.say("alice", "/read #1 #3")
    assert "Merci, lecture confirmée\u00a0: #2." in testbot.say("bob", "/read #2")

    level = testbot.say("fabienne", "/level")
    assert "• Alice (Mairie)\u00a0: 2/3 — 67\u00a0%" in level  # was « 2/1 — 200 % » when circles overwrote each other
    assert "• Bob (Mairie)\u00a0: 1/2 — 50\u00a0%" in level
    assert "• Mairie\u00a0: 3/5 — 60\u00a0%" in level
    assert "• #1 COPIL «\u202fPremière annonce\u202f»\u00a0: 1/2 — 50\u00a0%" in level
    assert "• #2 COPIL «\u202fDeuxième annonce\u202f»\u00a0: 1/2 — 50\u00a0%" in level
    assert "#3 GT Mobilité" not in level  # read by its whole audience: not among the least read

    copil = testbot.say("fabienne", "/level #copil")
    assert "• Alice (Mairie)\u00a0: 1/2 — 50\u00a0%" in copil and "• Bob (Mairie)\u00a0: 1/2 — 50\u00a0%" in copil
    assert "• Mairie\u00a0: 2/4 — 50\u00a0%" in copil
    gt = testbot.say("fabienne", "/level #gt")
    assert "• Alice (Mairie)\u00a0: 1/1 — 100\u00a0%" in gt and "Bob" not in gt

    assert "#1 (COPIL)\u00a0: 1 sur 2 confirmés, 0 seulement vus, 1 pas encore." in testbot.say(
        "fabienne", "/who-read #1"
    )
    assert "#2 (COPIL)\u00a0: 1 sur 2 confirmés, 0 seulement vus, 1 pas encore." in testbot.say(
        "fabienne", "/who-read #2"
    )
    assert "#3 (GT Mobilité)\u00a0: 1 sur 1 confirmés, 0 seulement vus, 0 pas encore." in testbot.say(
        "fabienne", "/who-read #3"
    )
    assert "1 élément à lire" in testbot.say("alice", "/unread")  # 3 to read, 2 confirmed
    assert "1 élément à lire" in testbot.say("bob", "/unread")

    copil_recap = recap(testbot, "COPIL")
    assert "moins de la moitié" not in copil_recap  # Alice 1/2 and Bob 1/2 in the COPIL: not behind
    for text in (level, copil, gt, copil_recap):
        assert all(part <= whole for part, whole in shares(text)), text
