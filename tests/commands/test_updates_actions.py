"""/update and /actions."""

from __future__ import annotations

from sqlalchemy import select

from bot.models import Commitment, Item


def test_update_on_a_commitment_with_progress_is_posted_to_its_circle(testbot):
    testbot.say("alice", "/engage Cartographier les trajets d'ici fin janvier", circle="gt")
    reply = testbot.send("alice", "/update #1 Trois collèges sur cinq 60%", circle="copil")
    assert reply is not None
    confirmation, post = reply.posts
    assert "Point d’étape #2 partagé avec GT Mobilité" in confirmation.text
    assert post.target == "circle" and post.item_id is not None
    assert "Trois collèges sur cinq" in post.text and "60\u00a0%" in post.text
    with testbot.store.unit_of_work() as session:
        assert session.scalars(select(Commitment)).one().progress == 60
        assert session.scalars(select(Item).where(Item.kind == "update")).one().must_read


def test_update_news_without_number(testbot):
    reply = testbot.send("bob", "/update La mairie confirme son financement")
    assert reply is not None and "La mairie confirme son financement" in reply.posts[1].text


def test_update_rejects_bad_progress_and_empty_text(testbot):
    testbot.say("alice", "/engage Faire A")
    assert "de 0 à 100\u00a0%" in testbot.say("alice", "/update #1 Presque 150%")
    assert "Dites ce qui a avancé" in testbot.say("alice", "/update #1")
    assert "Un pourcentage se rapporte à un engagement" in testbot.say("alice", "/update bien avancé 50%")
    assert "Il manque quelque chose" in testbot.say("alice", "/update")
    with testbot.store.unit_of_work() as session:
        assert session.scalars(select(Item).where(Item.kind == "update")).all() == []


def test_update_on_someone_elses_commitment_is_refused(testbot):
    testbot.say("alice", "/engage Faire A")
    assert "appartient à Alice" in testbot.say("bob", "/update #1 J'ai aidé 20%")


def test_actions_sorted_by_due_with_overdue_flagged(testbot):
    testbot.say("alice", "/engage Action lointaine d'ici fin janvier")
    testbot.say("bob", "/engage Action proche demain 9h")
    testbot.say("bob", "/engage Action sans date")
    testbot.advance(days=3)
    text = testbot.say("fabienne", "/actions")
    lines = text.splitlines()
    assert lines[0] == "3 engagements\u00a0:"
    assert "Action proche" in lines[1] and "en retard" in lines[1]
    assert "Action lointaine" in lines[2] and "en retard" not in lines[2]
    assert "Action sans date" in lines[3] and "sans échéance" in lines[3]


def test_actions_filters_combine(testbot):
    testbot.say("fabienne", "/member @fabienne org Fonction de soutien")
    testbot.say("alice", "/engage A1 demain")
    testbot.say("bob", "/engage B1 demain", circle="gt")
    testbot.say("bob", "/engage B2 d'ici fin janvier", circle="gt")
    testbot.say("fabienne", "/member @bob org Collège Jean-Moulin")
    assert "A1" in testbot.say("alice", "/actions mine") and "B1" not in testbot.say("alice", "/actions mine")
    text = testbot.say("alice", "/actions @bob semaine")
    assert "B1" in text and "B2" not in text and "A1" not in text
    assert "B2" in testbot.say("alice", "/actions #gt-mobilite") or "B2" in testbot.say("alice", "/actions #GT")
    testbot.say("bob", "/done #2")
    assert "B1" not in testbot.say("alice", "/actions @bob")
    assert "B1" in testbot.say("alice", "/actions @bob tout")
    assert "Aucun engagement" in testbot.say("alice", "/actions retard")
    assert "Je ne comprends pas le filtre" in testbot.say("alice", "/actions n'importe")
    assert "Je ne connais personne" in testbot.say("alice", "/actions @zorro")


def test_open_commitments_follow_their_owner_to_a_new_organisation(testbot):
    testbot.say("bob", "/engage Ouvrir la salle informatique")
    testbot.say("bob", "/engage Ancienne action")
    testbot.say("bob", "/done #2")
    testbot.say("claire", "/whoami")
    testbot.say("fabienne", "/member @bob org Mairie")
    testbot.say("fabienne", "/member @claire org Mairie")
    text = testbot.say("fabienne", "/actions Mairie tout")
    assert "Ouvrir la salle informatique" in text and "Ancienne action" not in text
    # a colleague of the owner's organisation shares news about it; its progress stays the owner's (README, rights)
    assert "fixent l’avancement" in testbot.say("claire", "/update #1 Clés récupérées 30%")
    assert "Point d’étape #3" in testbot.say("claire", "/update #1 Clés récupérées")
