"""Nudges by direct message: due soon, overdue once a week, unread after 3 days; one grouped message
per member and day; /nudges off and muted members are left alone."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from bot.markup import to_plain
from bot.models import Member
from tests.schedules.support import (
    PARIS,
    World,
    paris,
)


def nudges_by_day(world: World) -> dict[str, dict[str, str]]:
    """member display name -> local day ("Mon 30") -> the nudge text."""
    with world.store.unit_of_work() as session:
        names = {member.id: member.display_name for member in session.scalars(select(Member))}
    found: dict[str, dict[str, str]] = defaultdict(dict)
    for row in world.outbox():
        if row.member_id is None or "👋" not in row.text:
            continue
        day = row.created_at.astimezone(PARIS).strftime("%a %d")
        assert day not in found[names[row.member_id]], "two nudges the same day"
        found[names[row.member_id]][day] = to_plain(row.text)
    return found


def test_nudges_over_two_weeks(world):
    world.run()
    world.say("alice", "/engage Dossier Alpha mardi")  # due Tue 1 Dec
    world.say("alice", "/engage Dossier Beta lundi")  # due Mon 30 Nov
    world.say("bob", "/update Compte rendu disponible")  # Alice must read it
    world.say("carla", "/engage Dossier Gamma samedi")
    assert "plus de relances" in world.say("carla", "/nudges off")
    assert "Les relances sont désactivées" in world.say("carla", "/nudges")
    world.say("dan", "/engage Dossier Delta samedi")
    world.say("fabienne", "/member @dan mute")
    world.say("erin", "/lang en")
    world.say("erin", "/engage File Echo Sunday")
    world.until(paris(2026, 12, 9, 10))
    nudges = nudges_by_day(world)
    alice = nudges["Alice"]
    assert "#2 Dossier Beta arrive à échéance dans 3 jours, le lundi 30 novembre 2026." in alice["Fri 27"]
    assert "#1 Dossier Alpha arrive à échéance dans 3 jours, le mardi 1er décembre 2026." in alice["Sat 28"]
    assert "#2 Dossier Beta arrive à échéance demain, lundi 30 novembre 2026." in alice["Sun 29"]
    monday = alice["Mon 30"]  # grouped: one message, two reasons
    assert monday.startswith("👋 Bonjour Alice, un petit rappel de Relais\u00a0:")
    assert "#1 Dossier Alpha arrive à échéance demain, mardi 1er décembre 2026." in monday
    assert "1 élément attend votre confirmation de lecture depuis plus de 3 jours\u00a0: #3." in monday
    assert monday.endswith("Pour ne plus recevoir ces rappels\u00a0: !relances non.")
    assert (
        "#2 Dossier Beta était attendu pour le lundi 30 novembre 2026. Dites où vous en êtes avec !point #2"
        in alice["Tue 01"]
    )
    overdue_a = [day for day, text in alice.items() if "Dossier Alpha était attendu" in text]
    assert overdue_a == ["Wed 02", "Wed 09"]  # once a week while overdue
    overdue_b = [day for day, text in alice.items() if "Dossier Beta était attendu" in text]
    assert overdue_b == ["Tue 01", "Tue 08"]
    unread = [day for day, text in alice.items() if "confirmation" in text]
    assert unread == ["Mon 30", "Thu 03"]  # when the update, then Monday's recap, cross 3 days unread
    assert "2 éléments attendent votre confirmation de lecture depuis plus de 3 jours\u00a0: #" in alice["Thu 03"]
    assert "Carla" not in nudges and "Dan" not in nudges  # /nudges off, muted
    assert "#6 File Echo is due tomorrow, Sunday 29 November 2026." in nudges["Erin"]["Sat 28"]
    assert nudges["Erin"]["Sat 28"].startswith("👋 Hello Erin, a gentle reminder from Relais:")


def test_nudges_on_and_off(world):
    assert "Les relances sont activées" in world.say("alice", "/nudges")
    assert "plus de relances" in world.say("alice", "/nudges off")
    assert "je vous relancerai" in world.say("alice", "/nudges on")
    assert "Choisissez parmi" in world.say("alice", "/nudges peut-être")
    world.say("alice", "/lang en")
    assert "Nudges are on" in world.say("alice", "/relances")


def test_personal_digest_goes_to_those_who_asked(world):
    world.run()
    world.say("alice", "/engage Dossier Alpha mardi")
    world.say("bob", "/update Compte rendu disponible")
    world.say("alice", "/digest me on")
    world.say("bob", "/whoami")
    outcomes = world.until(paris(2026, 11, 30, 8, 45))
    digests = [o for o in outcomes if o.kind == "digest"]
    assert len(digests) == 1 and len(digests[0].posts) == 1 and digests[0].posts[0].target == "direct"
    text = to_plain(digests[0].posts[0].text)
    assert text.startswith("📬 Votre résumé de la semaine, Alice")
    assert "À lire\n• #2 Bob\u00a0: «\u202fCompte rendu disponible\u202f»" in text
    assert "Vos engagements à échéance dans les 7 jours\n• #1 Dossier Alpha — Alice" in text
    assert text.endswith("Pour ne plus recevoir ce résumé\u00a0: !récap moi non.")


def test_someone_who_left_every_circle_is_not_written_to(world):
    from bot.services.membership import channel_left

    world.run()
    world.say("alice", "/engage Dossier Alpha mardi")  # due Tue 1 Dec: a nudge on Sat 28
    world.say("bob", "/engage Dossier Bravo mardi")
    with world.store.unit_of_work() as session:
        assert channel_left(session, "matrix:!copil:hs", "matrix:@bob:hs", world.clock.now()).left == ["Bob"]
    world.until(paris(2026, 11, 30, 10))
    nudges = nudges_by_day(world)
    assert "Sat 28" in nudges["Alice"]
    assert "Bob" not in nudges
