"""/meeting, /meetings, /cancel-meeting, /agenda, /agenda add, /decision — as members type them."""

from __future__ import annotations

import pytest

from bot.markup import to_plain
from bot.reply import Incoming

MEETING = "/meeting COPIL de rentrée jeudi 14h #copil salle du conseil"


def test_plan_a_meeting_with_its_date_echoed_back_absolute(testbot):
    reply = testbot.send("fabienne", MEETING)
    assert reply is not None and reply.ok
    text = to_plain(reply.text)
    assert (
        "Réunion #1 planifiée\u00a0: COPIL de rentrée (COPIL), le jeudi 3 décembre 2026 à 14:00 — salle du conseil."
        in text
    )
    assert "L’ordre du jour sera publié le mercredi 2 décembre 2026 à 14:00, avec un rappel 1 h avant." in text
    announce = reply.posts[1]
    assert announce.target == "circle" and "Nouvelle réunion #1" in announce.text
    listed = testbot.say("alice", "/meetings", circle="gt")
    assert "1 réunion à venir\u00a0:" in listed
    assert "#1 COPIL de rentrée (COPIL) — jeudi 3 décembre 2026 à 14:00 — salle du conseil" in listed


def test_meeting_words_in_any_order_and_in_english(testbot):
    assert (
        "Réunion #1 planifiée\u00a0: Point mensuel (GT Mobilité), le lundi 30 novembre 2026 à 09:30 — "
        "https://visio.example.org/abc."
        in testbot.say("fabienne", "/meeting Point mensuel #gt lundi 9h30 https://visio.example.org/abc")
    )
    testbot.say("fabienne", "/lang en")
    out = testbot.say("fabienne", "/meeting Steering committee Thursday 2pm town hall, room 2")
    assert (
        "Meeting #2 planned: Steering committee (COPIL), Thursday 3 December 2026 at 14:00 — town hall, room 2." in out
    )
    assert "The agenda will be posted Wednesday 2 December 2026 at 14:00, with a reminder 1 h before." in out


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/meeting", "Il manque quelque chose."),
        ("/meeting COPIL", "Je n’ai pas trouvé quand la réunion a lieu."),
        (
            "/meeting COPIL le 15 décembre",
            "À quelle heure\u202f? Donnez le jour et l’heure, par exemple\u00a0: /meeting COPIL",
        ),
        ("/meeting COPIL aujourd'hui 8h", "Cette date est passée\u00a0: jeudi 26 novembre 2026 à 08:00."),
        ("/meeting jeudi 14h", "Donnez un titre à la réunion"),
        (
            "/meeting COPIL le 3 décembre 2031 14h",
            "Cette date est à plus de deux ans\u00a0: mercredi 3 décembre 2031 à 14:00.",
        ),
        ("/meeting COPIL jeudi 14h #nulle-part", "Il n’y a pas d’instance nommée #nulle-part."),
        ("/meeting " + "x" * 1200 + " jeudi 14h", "Ce texte est trop long"),
        ("/meeting " + "x" * 250 + " jeudi 14h", "Ce titre est trop long"),
    ],
)
def test_bad_meetings_are_refused_and_nothing_is_saved(testbot, line, expected):
    out = testbot.say("fabienne", line)
    assert expected in out
    assert "Aucune réunion n’est prévue" in testbot.say("fabienne", "/meetings")


def test_only_a_facilitator_plans_cancels_and_records_decisions(testbot):
    for line in (MEETING, "/cancel-meeting #1", "/decision On y va"):
        assert "Seule l’animation" in testbot.say("alice", line)
    assert "Aucune réunion n’est prévue" in testbot.say("alice", "/meetings")


def test_user_text_stays_inert(testbot):
    reply = testbot.send("fabienne", "/meeting <!channel> @room **gras** jeudi 14h")
    assert reply is not None
    assert "\\*\\*gras\\*\\*" in reply.text  # escaped markup: no bold, no mention
    assert "<!channel> @room **gras**" in to_plain(reply.text)


def test_cancel_a_meeting(testbot):
    testbot.say("fabienne", MEETING)
    testbot.say("alice", "/engage Préparer la salle lundi")
    reply = testbot.send("fabienne", "/cancel-meeting #1")
    assert reply is not None
    assert "La réunion #1 COPIL de rentrée est annulée\u202f; son instance en est informée." in to_plain(reply.text)
    assert reply.posts[1].target == "circle" and "du jeudi 3 décembre 2026 à 14:00 est annulée" in reply.posts[1].text
    assert "déjà annulée" in testbot.say("fabienne", "/cancel-meeting #1")
    assert "#2 n’est pas une réunion" in testbot.say("fabienne", "/cancel-meeting #2")
    assert "Il n’y a pas de #99" in testbot.say("fabienne", "/cancel-meeting #99")
    assert "Aucune réunion n’est prévue" in testbot.say("fabienne", "/meetings")
    assert "La réunion #1 est annulée." in testbot.say("fabienne", "/agenda #1")


def test_cancelling_a_started_meeting_is_refused(testbot):
    testbot.say("fabienne", "/meeting Point aujourd'hui 11h")
    testbot.advance(hours=2)
    assert "a déjà commencé" in testbot.say("fabienne", "/cancel-meeting #1")


def test_agenda_topics_from_any_member_before_and_after_the_meeting_exists(testbot):
    assert "Aucune réunion n’est prévue pour COPIL" in testbot.say("alice", "/agenda")
    assert "Sujet gardé pour la prochaine réunion de COPIL (aucune n’est encore prévue)." in testbot.say(
        "alice", "/agenda add Bilan des ateliers d’été"
    )
    testbot.say("fabienne", MEETING)
    assert "Sujet ajouté à l’ordre du jour de #1 COPIL de rentrée, le jeudi 3 décembre 2026 à 14:00." in testbot.say(
        "bob", "/agenda add Calendrier budgétaire"
    )
    agenda = testbot.say("bob", "/agenda")
    assert "Ordre du jour — COPIL de rentrée" in agenda
    assert "Réunion #1 de l’instance COPIL\u00a0: jeudi 3 décembre 2026 à 14:00 — salle du conseil" in agenda
    assert "1. Sujets proposés" in agenda
    assert (
        "Bilan des ateliers d’été — proposé par Alice" in agenda and "Calendrier budgétaire — proposé par Bob" in agenda
    )
    assert agenda == testbot.say("carla", "/agenda #1", circle="gt")
    assert agenda == testbot.say("carla", "/agenda #copil", circle="gt")
    assert "Dites quel sujet" in testbot.say("bob", "/agenda add")
    assert "Je n’attendais pas\u00a0: n’importe quoi" in testbot.say("bob", "/agenda n’importe quoi")
    assert "Il n’y a pas de #42" in testbot.say("bob", "/agenda #42")
    assert "Ce sujet est trop long" in testbot.say("bob", "/agenda add " + "y" * 600)


def test_agenda_builds_itself_from_commitments_updates_and_decisions(testbot):
    testbot.say("alice", "/engage Envoyer le compte rendu demain")
    testbot.say("bob", "/engage Réserver la salle mardi")
    testbot.say("alice", "/update Les inscriptions sont ouvertes")
    testbot.say("fabienne", "/decision Le forum aura lieu le 12 juin")
    testbot.say("fabienne", MEETING)
    testbot.say("fabienne", "/meeting COPIL de janvier le 14 janvier 14h")
    testbot.advance(days=3)
    agenda = testbot.say("bob", "/agenda #5")
    assert "⚠️ Engagements en retard" in agenda and "#1 Envoyer le compte rendu — Alice" in agenda
    assert "À échéance avant la réunion suivante, le jeudi 14 janvier 2027" in agenda
    assert "#2 Réserver la salle — Bob" in agenda
    assert "Points d’étape peu lus des 30 derniers jours" in agenda
    assert "#3 Alice\u00a0: «\u202fLes inscriptions sont ouvertes\u202f» — lu par 0 sur" in agenda
    assert "Décisions à partager" in agenda and "Le forum aura lieu le 12 juin" in agenda
    testbot.say("fabienne", "/lang en")
    english = testbot.say("fabienne", "/agenda #5")
    assert "Agenda — COPIL de rentrée" in english and "Overdue commitments" in english
    assert "Due before the next meeting, Thursday 14 January 2027" in english
    assert "#3 Alice: “Les inscriptions sont ouvertes” — read by 0 of" in english


def test_decision_is_an_item_the_circle_must_read(testbot):
    testbot.say("alice", "/whoami")
    testbot.say("bob", "/whoami")
    reply = testbot.send("fabienne", "/decision Le forum des partenaires aura lieu le 12 juin à la mairie")
    assert reply is not None
    assert "Décision #1 consignée dans COPIL\u00a0: 2 membres doivent la lire." in to_plain(reply.text)
    post = reply.posts[1]
    assert post.target == "circle" and post.item_id is not None and post.notify
    assert "⚖️ #1 Décision de COPIL, consignée par Fabienne" in post.text
    assert "#1" in testbot.say("alice", "/unread") and "Le forum des partenaires" in testbot.say("alice", "/unread")
    assert "Il manque quelque chose.\nUtilisation\u00a0: /decision <texte>" in testbot.say("fabienne", "/decision   ")


def test_topics_of_a_cancelled_meeting_go_to_the_next_one(testbot):
    testbot.say("fabienne", MEETING)
    testbot.say("alice", "/agenda add Sujet A")
    testbot.say("fabienne", "/cancel-meeting #1")
    testbot.say("fabienne", "/meeting COPIL bis vendredi 10h")
    assert "Sujet A — proposé par Alice" in testbot.say("alice", "/agenda")
    assert "La réunion #1 est annulée." in testbot.say("alice", "/agenda #1 add Sujet B")


def test_help_lists_the_new_commands(testbot):
    out = testbot.say("alice", "/help")
    for usage in (  # in French, under their French names
        "/réunion <titre> <quand> [#instance] [lieu ou lien]",
        "/odj",
        "/récap",
        "/relances",
        "/programme",
        "/décision <texte>",
        "/annuler-réunion #N",
        "/réunions",
    ):
        assert usage in out
    assert "Exemple\u00a0: /meeting COPIL de rentrée jeudi 14h #copil salle du conseil" in testbot.say(
        "alice", "/help meeting"
    )


def test_same_event_twice_creates_one_meeting(testbot):
    incoming = Incoming(identity="console:fabienne", text=MEETING, channel="console:copil", event_id="evt-1")
    assert testbot.dispatcher.handle(incoming) is not None
    assert testbot.dispatcher.handle(incoming) is None
    assert "1 réunion à venir" in testbot.say("fabienne", "/meetings")


def test_a_weekday_that_does_not_agree_with_the_date_is_refused(testbot):
    text = testbot.say("fabienne", "/meeting COPIL jeudi 12 novembre 14h salle B")
    assert text == "Je n’ai pas compris la date «\u202fjeudi 12 novembre 14h\u202f». Rien n’a été enregistré."
    assert testbot.say("fabienne", "/meetings").startswith("Aucune réunion n’est prévue.")


def test_a_meeting_on_an_impossible_date_in_figures_is_not_planned_at_its_hour_alone(testbot):
    """Before: "/meeting Point budget le 31/02 à 14h" planned "Point budget le 31/02" today or tomorrow at 14:00
    (and its agenda went out at once)."""
    answer = testbot.say("fabienne", "/réunion Point budget le 31/02 à 14h")
    assert "«\u202fle 31/02 à 14h\u202f»" in answer and "Rien n’a été enregistré" in answer, answer
    assert "Point budget" not in testbot.say("fabienne", "/réunions")
