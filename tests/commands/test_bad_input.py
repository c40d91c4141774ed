"""Bad input gets a clear answer in the member's language and changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.markup import to_html, to_mrkdwn
from bot.models import CommitmentChange, Item


def count_items(testbot) -> int:
    with testbot.store.unit_of_work() as session:
        return int(session.scalar(select(func.count()).select_from(Item)) or 0)


def test_ten_kilobytes_are_refused(testbot):
    text = testbot.say("alice", "/engage " + "x" * 10_240)
    assert "trop long" in text
    assert count_items(testbot) == 0


def test_whole_line_over_the_limit_is_refused(testbot):
    text = testbot.say("alice", "/update " + "é" * 25_000)
    assert "trop long" in text and "Rien n’a été enregistré" in text
    assert count_items(testbot) == 0


@pytest.mark.parametrize(
    "title",
    [
        "Préparer l'atelier 🎨🧑‍🏫 pour les familles",
        "تنظيم ورشة للأسر",
        'Relire le "guide" d\'accueil',
        "'; DROP TABLE items; --",
        "<script>alert(1)</script> @room <!channel>",
        "**gras** et \\ antislash",
    ],
)
def test_odd_titles_are_stored_as_data_and_echoed_intact(testbot, title):
    text = testbot.say("alice", f"/engage {title}")
    assert "Engagement #1 enregistré" in text
    assert title in text
    listed = testbot.send("alice", "/actions")
    assert listed is not None
    assert "<script>" not in to_html(listed.text)
    assert "<!channel>" not in to_mrkdwn(listed.text)
    assert count_items(testbot) == 1


def test_english_member_gets_english_refusals(testbot):
    testbot.say("bob", "/lang en")
    assert "There is no #42" in testbot.say("bob", "/done #42")
    assert "A # must be followed by a number" in testbot.say("bob", "/drop #")
    assert "This title is too long" in testbot.say("bob", "/engage " + "y" * 400)


def test_a_usage_line_typed_as_it_is_shown_is_not_saved(testbot):
    """A newcomer copies what /help shows: before, "/engage <quoi> [échéance]" saved a commitment titled
    "<quoi> [échéance]", and "/info <texte>" posted "<texte>" to the whole circle."""
    answer = testbot.say("alice", "/engage <quoi> [échéance]")
    assert "«\u202f<quoi>\u202f» est à remplacer par vos propres mots" in answer and "Utilisation" in answer
    assert "est à remplacer" in testbot.say("alice", "/info <texte>")
    assert "est à remplacer" in testbot.say("alice", "/engage Envoyer le CR [échéance]")
    testbot.say("bob", "/lang en")
    assert "Replace “<what>” with your own words" in testbot.say("bob", "/engage <what> [due date]")
    assert "Replace “<quoi>”" in testbot.say("bob", "/engager <quoi>")  # the French line, for an English reader
    assert "Aucun engagement" in testbot.say("alice", "/actions tout")  # nothing was saved
    assert "Engagement #1" in testbot.say("alice", "/engage Lire <Le Monde> avant lundi")  # brackets of one's own
    assert "est à remplacer" in testbot.say("alice", "/fait #1 [note]")
    # the usage's words inside a text of one's own: before, refused too
    assert "est à remplacer" not in testbot.say("alice", "/info Dans le gabarit, remplacer <texte> par le nom")
    assert "est à remplacer" not in testbot.say("alice", "/fait #1 la [note] jointe au dossier")


def _notes(testbot) -> dict[int, str | None]:
    """Each commitment's number and the note of its last change of status, as stored."""
    with testbot.store.unit_of_work() as session:
        rows = session.execute(
            select(Item.number, CommitmentChange.note)
            .join(CommitmentChange, CommitmentChange.commitment_id == Item.id)
            .where(CommitmentChange.field == "status")
            .order_by(CommitmentChange.id)
        )
        return {number: note for number, note in rows}


def test_a_placeholder_is_refused_only_where_it_stands_for_a_part_of_the_command(testbot):
    """ "/fait #3 [note] jointe": the words after the numbers are all the note, [note] included, as /done
    has nothing after its note; "/fait #3 [note]" alone is the usage line copied, refused. Where the usage
    has other parts, a placeholder at the start or the end still stands for one of them."""
    for title in ("Faire A", "Faire B", "Faire C", "Faire D"):
        testbot.say("alice", f"/engage {title}")
    assert "#1 Faire A est fait" in testbot.say("alice", "/fait #1 [note] jointe au dossier")
    answer = testbot.say("alice", "/fait #2 [note]")
    assert "«\u202f[note]\u202f» est à remplacer par vos propres mots" in answer and "Utilisation" in answer
    assert "est à remplacer" in testbot.say("alice", "/abandonner #2 [raison]")
    assert "est abandonné" in testbot.say("alice", "/abandonner #2 [raison] donnée en COPIL")
    assert "est à remplacer" in testbot.say("alice", "/engager <quoi> demain")
    assert "est à remplacer" in testbot.say("alice", "/engager [échéance] <quoi>")  # only placeholders
    assert "est à remplacer" in testbot.say("alice", "/point #1 Salle réservée [NN%]")
    testbot.say("alice", "/lang en")
    answer = testbot.say("alice", "/done #3 [note]")
    assert "Replace “[note]” with your own words" in answer and "Usage" in answer
    assert "#3 Faire C is done" in testbot.say("alice", "/done #3 [note] attached to the file")
    assert "Replace “[reason]”" in testbot.say("alice", "/drop #4 [reason]")
    assert "Replace “<what>”" in testbot.say("alice", "/engage <what> tomorrow")
    assert "Replace “[due date]”" in testbot.say("alice", "/engage Call Ann [due date]")
    assert "Replace “<value>”" in testbot.say("alice", "/edit #4 title <value>")
    assert _notes(testbot) == {
        1: "[note] jointe au dossier",
        2: "[raison] donnée en COPIL",
        3: "[note] attached to the file",
    }
    assert "Faire D" in testbot.say("alice", "/actions")  # #4 still open
