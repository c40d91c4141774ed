"""/update … confidence high|medium|low: stored with the update, shown to the circle and in /show's history."""

from __future__ import annotations

from sqlalchemy import select

from bot.kinds import Confidence
from bot.models import Item, Update


def updates(testbot) -> list[tuple[int | None, Confidence | None]]:
    with testbot.store.unit_of_work() as session:
        return [(row.progress, row.confidence) for row in session.scalars(select(Update).order_by(Update.item_id))]


def test_confidence_in_french_is_stored_posted_and_in_the_history(testbot):
    testbot.say("alice", "/engage Réserver la salle d'ici fin janvier")
    reply = testbot.send("alice", "/point #1 Devis reçus 40% confiance moyenne")
    assert reply is not None
    confirmation, post = reply.posts
    assert "Confiance\u00a0: moyenne." in confirmation.text
    assert "Devis reçus" in post.text and "40\u00a0%, confiance\u00a0: moyenne" in post.text
    assert "confiance" not in post.text.split("\n", 1)[-1]  # the words are not left in the update's text
    testbot.say("alice", "/update #1 Salle réservée 80% (confidence: HIGH).")
    assert updates(testbot) == [(40, Confidence.MEDIUM), (80, Confidence.HIGH)]
    history = testbot.say("bob", "/show #1")
    assert "confiance\u00a0: moyenne → haute" in history
    assert "confiance\u00a0: moyenne" in history.split("moyenne → haute")[0]  # the first one, from nothing


def test_confidence_in_english_without_progress(testbot):
    testbot.say("fabienne", "/lang en")
    testbot.say("fabienne", "/engage Find a venue")
    text = testbot.say("fabienne", "/update #1 Two options left confidence low")
    assert "Confidence: low." in text
    assert updates(testbot) == [(None, Confidence.LOW)]


def test_a_level_not_known_or_without_commitment_or_by_a_colleague_saves_nothing(testbot):
    testbot.say("alice", "/engage Réserver la salle")
    assert "haute, moyenne, basse" in testbot.say("alice", "/point #1 Devis reçus confiance énorme")
    assert "Une confiance se rapporte à un engagement" in testbot.say("alice", "/point Tout va bien confiance haute")
    testbot.say("cora", "/whoami")
    testbot.say("fabienne", "/member @alice org Mairie")
    testbot.say("fabienne", "/member @cora org Mairie")
    refused = testbot.say("cora", "/point #1 J'ai relancé confiance basse")
    assert "appartient à Alice" in refused and "sans la confiance" in refused
    assert updates(testbot) == []
    with testbot.store.unit_of_work() as session:
        assert session.scalars(select(Item).where(Item.kind == "update")).all() == []
    assert "J'ai relancé" in testbot.say("cora", "/point #1 J'ai relancé")  # news without a confidence is hers to share


def test_words_that_merely_end_with_a_level_stay_text(testbot):
    testbot.say("alice", "/engage Réserver la salle")
    testbot.say("alice", "/point #1 La salle est haute")
    assert updates(testbot) == [(None, None)]
