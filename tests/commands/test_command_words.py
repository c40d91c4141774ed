"""The chat commands' words and behaviour (issue 12): nothing silently dropped, choices and help in
the member's language, posts everyone reads in the community's language, history and levels that
read naturally."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.markup import to_plain
from bot.models import Commitment, CommitmentChange, Item
from tests.commands.test_counts import recap

NBSP, NNBSP = "\u00a0", "\u202f"


def progress_and_updates(testbot) -> tuple[int | None, int]:
    with testbot.store.unit_of_work() as session:
        progress = session.scalars(select(Commitment.progress)).one()
        updates = session.scalar(select(func.count()).select_from(Item).where(Item.kind == "update"))
        return progress, int(updates or 0)


# /update: a progress is a whole number from 0 to 100, or it is refused — never stored as words


@pytest.mark.parametrize(
    ("line", "said"),
    [
        ("/update #1 fait -5%", f"L’avancement va de 0 à 100{NBSP}%, pas -5{NBSP}%. Rien n’a été enregistré."),
        ("/update #1 fait −5 %", f"pas -5{NBSP}%"),
        ("/update #1 fait 150%", f"pas 150{NBSP}%"),
        ("/update #1 fait 12,5%", f"L’avancement est un nombre entier de 0 à 100, comme 60{NBSP}%, pas 12,5{NBSP}%"),
        ("/update #1 fait 5-10%", "pas 5-10"),
        ("/update #1 fait 100000%", "pas 100000"),
    ],
)
def test_a_wrong_progress_is_refused_and_nothing_is_stored(testbot, line, said):
    testbot.say("alice", "/engage Réserver la salle")
    reply = testbot.send("alice", line)
    assert reply is not None and not reply.ok
    assert said in to_plain(reply.text)
    assert progress_and_updates(testbot) == (None, 0)


def test_a_progress_says_old_and_new_and_accepts_the_usual_spellings(testbot):
    testbot.say("alice", "/engage Réserver la salle")
    first = testbot.say("alice", "/update #1 Salle visitée 20 %")
    assert f"Avancement de #1{NBSP}: — → 20{NBSP}%." in first
    second = testbot.say("alice", "/update #1 Devis reçu (40%).")
    assert f"Avancement de #1{NBSP}: 20{NBSP}% → 40{NBSP}%." in second and "Devis reçu\n" in second
    assert progress_and_updates(testbot) == (40, 2)
    assert "Point d’étape #4" in testbot.say("alice", "/update #1 Hausse de 5% des inscrits")  # % inside: words
    assert progress_and_updates(testbot) == (40, 3)


def test_a_colleague_shares_news_but_only_the_owner_sets_the_progress(testbot):
    testbot.say("alice", "/engage Réserver la salle")
    testbot.say("bob", "/whoami")
    testbot.say("claire", "/whoami")
    for who in ("alice", "bob"):
        assert "fait désormais partie" in testbot.say("fabienne", f"/member @{who} org Mairie")
    refused = testbot.send("bob", "/update #1 Clés récupérées 30%")
    assert refused is not None and not refused.ok
    assert "seuls cette personne ou l’animation en fixent l’avancement" in to_plain(refused.text)
    assert progress_and_updates(testbot) == (None, 0)
    assert "Point d’étape #2 partagé" in testbot.say("bob", "/update #1 Clés récupérées")
    assert "appartient à Alice" in testbot.say("claire", "/update #1 Je passe")  # not a colleague
    assert "Point d’étape #3" in testbot.say("fabienne", "/update #1 Relevé par l’animation 30%")
    assert progress_and_updates(testbot) == (30, 2)


# /read: what can be confirmed is, and every other number is said


def test_read_confirms_what_it_can_and_says_what_it_cannot(testbot):
    testbot.say("alice", "/info Un")
    testbot.say("alice", "/engage Faire deux")
    testbot.say("fabienne", "/info Trois, dans l’autre instance", circle="gt")
    reply = testbot.send("bob", "/read #1 #999 #2 #3 #1")
    assert reply is not None and reply.ok
    lines = to_plain(reply.text).splitlines()
    assert lines == [
        f"Merci, lecture confirmée{NBSP}: #1.",
        "Il n’y a pas de #999.",
        "#2 est un engagement, pas un élément à lire.",
        "#3 appartient à GT Mobilité, une instance dont vous ne faites pas partie.",
    ]
    assert "Vous êtes à jour" in testbot.say("bob", "/unread")
    again = testbot.say("bob", "/read #1 #998")
    assert f"Déjà confirmé{NBSP}: #1." in again and "Il n’y a pas de #998." in again
    nothing = testbot.send("bob", "/read #998 #999")
    assert nothing is not None and not nothing.ok
    assert to_plain(nothing.text) == "Il n’y a pas de #998.\nIl n’y a pas de #999."


def test_done_closes_every_number_given_and_says_the_others(testbot):
    testbot.say("alice", "/engage Un")
    testbot.say("alice", "/engage Deux")
    testbot.say("bob", "/engage Trois")
    reply = testbot.send("alice", "/done #1 #2, #3 #9 Bouclé en réunion")
    assert reply is not None and reply.ok
    lines = to_plain(reply.text).splitlines()
    assert lines[:2] == [f"🎉 #1 Un est fait. Merci{NNBSP}!", f"🎉 #2 Deux est fait. Merci{NNBSP}!"]
    assert lines[2].startswith("#3 appartient à Bob") and lines[3].startswith("Il n’y a pas de #9.")
    with testbot.store.unit_of_work() as session:
        notes = session.scalars(select(CommitmentChange.note).where(CommitmentChange.field == "status")).all()
        statuses = dict(session.execute(select(Commitment.title, Commitment.status)).all())
    assert notes == ["Bouclé en réunion", "Bouclé en réunion"]  # not "#2, #3 #9 Bouclé…"
    assert statuses == {"Un": "done", "Deux": "done", "Trois": "open"}
    refused = testbot.send("alice", "/drop #3 #9 plus utile")
    assert refused is not None and not refused.ok  # nothing could be dropped: a refusal, every reason said
    assert to_plain(refused.text).count("\n") == 1
    with testbot.store.unit_of_work() as session:
        assert session.scalars(select(Commitment.status).where(Commitment.title == "Trois")).one() == "open"


# Choices in the member's language


@pytest.mark.parametrize(
    ("line", "french", "english"),
    [
        ("/member @alice role chef", "animation, partenaire", "facilitator, partner"),
        (
            "/member @alice truc",
            "structure, rôle, absent, présent, lier, dissocier",
            "org, role, mute, unmute, link, unlink",
        ),
        (
            "/edit #1 couleur bleu",
            "titre, échéance, résultat, responsable, humaines, financières, matérielles, immatérielles, texte",
            "title, due, result, owner, human, financial, material, immaterial, text",
        ),
        ("/schedule foo", "suspendre, reprendre", "pause, resume"),
        ("/schedule pause foo", "tout, #instance, relances, résumés", "all, #circle, nudges, digest"),
        ("/digest me peut-être", "oui, non", "on, off"),
        ("/nudges peut-être", "oui, non, par", "on, off, via"),
        ("/lang de", "fr, en", "fr, en"),
    ],
)
def test_choices_are_listed_in_the_members_language(testbot, line, french, english):
    testbot.say("alice", "/whoami")
    testbot.say("fabienne", "/engage Faire A")
    assert f"Choisissez parmi{NBSP}: {french}." in testbot.say("fabienne", line)
    testbot.say("fabienne", "/lang en")
    assert f"Choose one of: {english}." in testbot.say("fabienne", line)


def test_the_french_words_offered_are_accepted(testbot):
    testbot.say("alice", "/whoami")
    testbot.say("alice", "/engage Faire A")
    assert f"Alice a maintenant le rôle{NBSP}: animation." in testbot.say("fabienne", "/membre @alice rôle animation")
    assert "Alice a maintenant le rôle" in testbot.say("fabienne", "/membre @alice rôle partenaire")
    assert "Alice est en sourdine" in testbot.say("fabienne", "/membre @alice absent")
    assert "compte de nouveau" in testbot.say("fabienne", "/membre @alice présent")
    assert "Mairie" in testbot.say("fabienne", "/membre @alice structure Mairie")
    assert "Suspendus" in testbot.say("fabienne", "/programme suspendre relances")
    assert "De nouveau actifs" in testbot.say("fabienne", "/programme reprendre relances")
    assert "plus de relances" in testbot.say("alice", "/relances non")
    assert f"Modifié{NBSP}: #1 Faire A" in testbot.say("alice", "/modifier #1 résultat Une salle")


def test_only_a_facilitator_says_how_one_becomes_one_and_that_way_works(testbot):
    refused = testbot.say("alice", "/level")
    assert "Seule l’animation" in refused and "community.facilitators" in refused
    assert "/membre @quelqu’un rôle animation" in refused
    testbot.say("fabienne", "/membre @alice rôle animation")
    assert "Aucun élément à lire" in testbot.say("alice", "/level")
    testbot.say("bob", "/lang en")
    assert "/member @someone role facilitator" in testbot.say("bob", "/level")


# Posts everyone reads: the community's language, whoever typed the command


def test_circle_posts_are_in_the_communitys_language_and_replies_in_the_members(testbot):
    testbot.say("bob", "/whoami")
    testbot.say("alice", "/lang en")
    testbot.say("fabienne", "/lang en")
    testbot.say("alice", "/engage Book the room")
    lines = [
        ("alice", "/update #1 Room booked 50%"),
        ("alice", "/update News from the field"),
        ("alice", "/info The next meeting moves"),
        ("alice", "/edit #3 text The next meeting moves to room 2"),
        ("fabienne", "/decision We keep the room"),
        ("fabienne", "/meeting COPIL Thursday 2pm town hall"),
        ("fabienne", "/cancel-meeting #6"),
    ]
    for who, line in lines:
        reply = testbot.send(who, line)
        assert reply is not None and reply.ok, line
        answer, post = reply.posts
        assert post.target == "circle", line
        text = to_plain(post.text)
        assert any(word in text for word in ("Point d’étape", "Annonce", "modifié", "Décision", "réunion")), text
        assert not any(word in text for word in ("Update from", "Announcement", "edited by", "Decision of")), text
        assert "React ✅" not in text and "meeting #" not in text.lower(), text
        assert not any(word in to_plain(answer.text) for word in ("partagé", "publiée", "consignée", "planifiée"))


# Help: French names in French, the name asked, suggestions


def test_help_in_french_shows_the_french_names(testbot):
    text = testbot.say("alice", "/help")
    for name in ("/lu #N", "/fait #N", "/engager <quoi>", "/niveau [#instance]", "/odj ", "/aide [commande]"):
        assert f"• {name}" in text, name
    assert "(/read)" in text and "(/engage)" in text  # the English name beside, as Slack's slash commands
    testbot.say("alice", "/lang en")
    english = testbot.say("alice", "/help")
    assert "• /read #N [#M…] | all — " in english and "/lu" not in english


def test_help_shows_a_command_under_the_name_asked(testbot):
    lu = testbot.say("alice", "/help lu")
    assert lu.startswith("/lu #N [#M…] | tout\n")
    assert f"Aussi{NBSP}: /lus, /read." in lu
    assert testbot.say("alice", "/help /read").startswith("/read #N [#M…] | tout\n")
    meeting = testbot.say("alice", "/help meeting")
    assert meeting.startswith("/meeting <titre>")
    assert f"Exemple{NBSP}: /meeting COPIL de rentrée" in meeting
    assert f"Aussi{NBSP}: /réunion." in meeting  # not also /reunion: one spelling each
    testbot.say("alice", "/lang en")
    assert testbot.say("alice", "/help odj").startswith("/odj [#meeting|#circle] | /odj [#meeting] add <topic>\n")


def test_help_suggests_close_names_and_a_usage_error_uses_the_name_typed(testbot):
    assert f"Je ne connais pas la commande /lou. Vouliez-vous dire{NBSP}: /lu{NNBSP}?" in testbot.say(
        "alice", "/help lou"
    )
    assert "Vouliez-vous dire" in testbot.say("alice", "/help engagr")
    assert f"Utilisation{NBSP}: /lu #N [#M…] | tout" in testbot.say("alice", "/lu")
    assert f"Utilisation{NBSP}: /read #N [#M…] | tout" in testbot.say("alice", "/read")
    assert f"Utilisation{NBSP}: /engager <quoi>" in testbot.say("alice", "/engager")


# What is shown: /show's history, /level's least read, one window


def test_show_history_reads_old_to_new_with_dates_and_percentages(testbot):
    testbot.say("alice", "/engage Réserver la salle d'ici le 15 décembre")
    testbot.say("alice", "/update #1 Salle visitée 20%")
    testbot.say("alice", "/update #1 Devis reçu 40%")
    testbot.say("alice", "/edit #1 due 18 décembre 10h")
    testbot.say("alice", "/done #1 Réservée")
    history = testbot.say("alice", "/show #1").split("Historique")[1]
    assert "2026-12" not in history and "T00:00" not in history and "+01:00" not in history
    assert f"avancement{NBSP}: 20{NBSP}%\n" in history
    assert f"avancement{NBSP}: 20{NBSP}% → 40{NBSP}%" in history
    assert f"échéance{NBSP}: mardi 15 décembre 2026 → vendredi 18 décembre 2026 à 10:00" in history
    assert f"statut{NBSP}: en cours → fait (Réservée)" in history
    testbot.say("alice", "/lang en")
    english = testbot.say("alice", "/show #1")
    assert "progress: 20% → 40%" in english and "due date: Tuesday 15 December 2026 → Friday 18" in english
    with testbot.store.unit_of_work() as session:  # the stored values are unchanged: only their reading is
        stored = session.scalars(select(CommitmentChange.old_value).where(CommitmentChange.field == "due")).one()
        assert stored is not None and stored.startswith("2026-12-1") and "T" in stored


def test_edit_names_the_commitment_once(testbot):
    testbot.say("alice", "/engage Réserver la salle")
    text = testbot.say("alice", "/edit #1 result Une salle pour 50")
    assert text.startswith(f"Modifié{NBSP}: #1 Réserver la salle") and text.count("#1") == 1


def test_level_leaves_out_what_everyone_read_and_says_when_all_is_read(testbot):
    testbot.say("bob", "/whoami")
    testbot.say("alice", "/info Un")
    testbot.say("alice", "/info Deux")
    testbot.say("bob", "/read #1")
    testbot.say("fabienne", "/read #1")
    level = testbot.say("fabienne", "/level")
    least = level.split("Éléments les moins lus")[1]
    assert "#2 COPIL" in least and "#1 COPIL" not in least
    testbot.say("bob", "/read #2")
    testbot.say("fabienne", "/read #2")
    level = testbot.say("fabienne", "/level")
    assert "Éléments les moins lus" not in level
    assert "Chaque élément est confirmé par tous ceux et celles qui devaient le lire." in level


def test_level_and_recap_share_one_window_and_one_wording(testbot):
    testbot.say("bob", "/whoami")
    testbot.say("alice", "/info Un")
    testbot.advance(days=27)
    testbot.say("alice", "/info Deux")
    assert "2 éléments sur les 4 dernières semaines" in testbot.say("fabienne", "/level")
    assert "Sur les 4 dernières semaines" in recap(testbot, "COPIL")
    testbot.advance(days=2)  # 29 days: the first is out of both
    assert "1 élément sur les 4 dernières semaines" in testbot.say("fabienne", "/level")
