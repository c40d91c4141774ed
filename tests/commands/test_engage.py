"""/engage, /done, /drop, /edit, /show through the shared recording fake adapter."""

from __future__ import annotations

from sqlalchemy import select

from bot.models import Commitment, CommitmentChange


def test_engage_saves_and_echoes_the_due_date_in_french(testbot):
    text = testbot.say("alice", "/engage Envoyer le compte rendu d'ici vendredi 14h")
    assert "Engagement #1 enregistré" in text
    assert "Envoyer le compte rendu" in text
    assert "vendredi 27 novembre 2026 à 14:00" in text


def test_engage_in_english_after_lang(testbot):
    assert "English" in testbot.say("bob", "/lang en")
    text = testbot.say("bob", "/engage Book the room tomorrow at 2pm")
    assert "Commitment #1 saved" in text
    assert "Friday 27 November 2026 at 14:00" in text


def test_engage_alone_gives_usage(testbot):
    text = testbot.say("alice", "/engage")
    assert "Utilisation\u00a0: /engage <quoi> [échéance]" in text
    with testbot.store.unit_of_work() as session:
        assert session.scalars(select(Commitment)).all() == []


def test_last_due_phrase_counts_and_title_keeps_the_rest(testbot):
    text = testbot.say("alice", "/engage Réserver la salle pour la réunion du 15 janvier d'ici le 10 janvier")
    assert "Réserver la salle pour la réunion du 15 janvier" in text
    assert "dimanche 10 janvier 2027" in text


def test_numbers_that_are_not_dates_stay_in_the_title(testbot):
    text = testbot.say("alice", "/engage Recruter 2 bénévoles")
    assert "Recruter 2 bénévoles" in text
    assert "Pas d’échéance" in text


def test_unknown_date_after_a_clear_marker_is_saved_without_due_and_said(testbot):
    text = testbot.say("alice", "/engage Envoyer le budget d'ici la saint-glinglin")
    assert "Engagement #1 enregistré" in text
    assert "la saint-glinglin" in text
    assert "/modifier #1 échéance" in text


def test_past_date_is_refused_and_nothing_saved(testbot):
    text = testbot.say("alice", "/engage Envoyer le budget avant le 2026-11-02")
    assert "Cette date est passée" in text
    with testbot.store.unit_of_work() as session:
        assert session.scalars(select(Commitment)).all() == []


def test_numbers_are_one_sequence_shared_with_updates(testbot):
    testbot.say("alice", "/engage Première action")
    assert "#2" in testbot.say("alice", "/update Une nouvelle pour tout le monde")
    assert "Engagement #3" in testbot.say("alice", "/engage Deuxième action")


def test_done_by_owner_and_history_kept(testbot):
    testbot.say("alice", "/engage Faire le bilan d'ici fin décembre")
    assert "est fait" in testbot.say("alice", "/done #1 envoyé à tous")
    assert "déjà fait" in testbot.say("alice", "/done #1")
    shown = testbot.say("alice", "/show #1")
    assert "Historique" in shown and "envoyé à tous" in shown
    with testbot.store.unit_of_work() as session:
        fields = [change.field for change in session.scalars(select(CommitmentChange))]
    assert fields == ["created", "status"]


def test_closing_someone_elses_commitment_is_refused(testbot):
    testbot.say("alice", "/engage Faire le bilan")
    text = testbot.say("bob", "/done #1")
    assert "appartient à Alice" in text
    with testbot.store.unit_of_work() as session:
        assert session.scalars(select(Commitment)).one().status == "open"


def test_facilitator_may_close_and_reassign(testbot):
    testbot.say("alice", "/engage Faire le bilan")
    testbot.say("bob", "/whoami")
    assert "porté par Bob" in testbot.say("fabienne", "/edit #1 owner @bob")
    assert "Seule l’animation" in testbot.say("alice", "/edit #1 responsable @alice")
    assert "abandonné" in testbot.say("fabienne", "/drop #1 plus utile")


def test_edit_due_title_and_result(testbot):
    testbot.say("alice", "/engage Faire le bilan")
    assert "jeudi 17 décembre 2026" in testbot.say("alice", "/edit #1 due 17/12")
    assert "Bilan 2026" in testbot.say("alice", "/edit #1 titre Bilan 2026")
    assert "Je n’ai pas compris la date" in testbot.say("alice", "/edit #1 due n'importe quand")
    shown = testbot.say("alice", "/show #1")
    assert "Bilan 2026" in shown and "jeudi 17 décembre 2026" in shown


def test_unknown_number_and_bare_hash(testbot):
    assert "Il n’y a pas de #999" in testbot.say("alice", "/done #999")
    assert "Un # doit être suivi d’un numéro" in testbot.say("alice", "/done #")
    assert "Ce n’est pas un numéro" in testbot.say("alice", "/done #abc")


def test_done_on_an_update_is_not_a_commitment(testbot):
    testbot.say("alice", "/update Nouvelle")
    assert "#1 est un point d’étape, pas un engagement." in testbot.say("alice", "/done #1")


def test_a_due_date_written_in_the_other_language_is_understood(testbot):
    """A partner whose answers are in English types a French deadline (or the reverse), as people do in a
    community that speaks both: before, "d'ici vendredi" stayed in the title, without due date."""
    testbot.say("bob", "/lang en")
    saved = testbot.say("bob", "/engager Rédiger la note d'ici vendredi")
    assert "Commitment #1 saved: Rédiger la note (" in saved and "Due: Friday" in saved
    english = testbot.say("alice", "/engage Call the mayor by Friday")
    assert "Engagement #2 enregistré\u00a0: Call the mayor (" in english
    edited = testbot.say("bob", "/edit #1 due mardi prochain")
    assert "#1 is now due Tuesday" in edited
    assert "Buy 2 pains (" in testbot.say("bob", "/engage Buy 2 pains")  # nothing date-like either way: no date
