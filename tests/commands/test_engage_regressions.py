"""/engage and /meeting on ordinary titles, as members see the answer (regressions in due-date reading)."""

from __future__ import annotations


def test_a_ratio_before_a_day_word_stays_in_the_title(testbot):
    saved = testbot.say("alice", "/engage Partager les frais 50/50 lundi")
    assert "Engagement #1 enregistré\u00a0: Partager les frais 50/50 (" in saved
    assert "lundi 30 novembre 2026" in saved and "pas compris" not in saved
    marks = testbot.say("alice", "/engage Corriger les copies 14/20 demain")
    assert "Corriger les copies 14/20 (" in marks and "vendredi 27 novembre 2026" in marks
    testbot.say("bob", "/lang en")
    english = testbot.say("bob", "/engage Split costs 50/50 Monday")
    assert "Split costs 50/50 (" in english and "Monday 30 November 2026" in english


def test_a_meeting_with_a_ratio_in_its_title_is_planned(testbot):
    out = testbot.say("fabienne", "/meeting Réunion de la commission 50/50 jeudi 14h")
    assert "Réunion #1 planifiée\u00a0: Réunion de la commission 50/50 (" in out
    assert "jeudi 3 décembre 2026 à 14:00" in out


def test_a_date_kept_in_the_title_is_not_read_in_the_other_language(testbot):
    saved = testbot.say("alice", "/engage Relire le compte rendu de la réunion du 03/12")
    assert "Relire le compte rendu de la réunion du 03/12 (" in saved and "Pas d’échéance" in saved
    assert "Envoyer le compte rendu du 12/11 (" in testbot.say("alice", "/engage Envoyer le compte rendu du 12/11")
    kept = testbot.say("alice", "/engage Relire le compte rendu de la réunion du 10/11/2026")
    assert "Relire le compte rendu de la réunion du 10/11/2026 (" in kept and "passée" not in kept
    assert "Envoyer un mail à May (" in testbot.say("alice", "/engage Envoyer un mail à May")
    assert "Préparer le Black Friday (" in testbot.say("alice", "/engage Préparer le Black Friday")
    refused = testbot.say("fabienne", "/réunion Bilan de l'atelier du 12/01 14h")
    assert "Je n’ai pas trouvé quand la réunion a lieu" in refused
    testbot.say("bob", "/lang en")
    assert "Send the minutes of 12/03 (" in testbot.say("bob", "/engage Send the minutes of 12/03")
    assert "Book a table at Le Soir (" in testbot.say("bob", "/engage Book a table at Le Soir")
    assert "Meet Dimanche (" in testbot.say("bob", "/engage Meet Dimanche")


def test_a_time_written_with_a_dot_is_a_time(testbot):
    saved = testbot.say("alice", "/engage Appeler Paul demain à 9.30")
    assert "Engagement #1 enregistré\u00a0: Appeler Paul (" in saved and "vendredi 27 novembre 2026 à 09:30" in saved
    assert "vendredi 27 novembre 2026 à 14:30" in testbot.say("alice", "/engage Appeler Paul demain 14.30")
    out = testbot.say("fabienne", "/réunion Point mensuel le 3 décembre à 9.30")
    assert "Réunion #3 planifiée\u00a0: Point mensuel (" in out and "jeudi 3 décembre 2026 à 09:30" in out
    testbot.say("bob", "/lang en")
    assert "Monday 30 November 2026 at 09:30" in testbot.say("bob", "/engage Call Paul on Monday at 9.30")


def test_a_version_number_stays_in_the_title(testbot):
    saved = testbot.say("alice", "/engage Publier la version 1.2")
    assert "Engagement #1 enregistré\u00a0: Publier la version 1.2 (" in saved and "Pas d’échéance" in saved


def test_a_quoted_title_ending_in_date_words_is_kept_whole(testbot):
    saved = testbot.say("alice", "/engage Lire « Before Monday »")
    assert "Engagement #1 enregistré\u00a0: Lire « Before Monday » (COPIL)" in saved
    assert "Pas d’échéance" in saved and "lundi" not in saved
    dated = testbot.say("alice", "/engage Lire « Avant lundi » vendredi")
    assert "Lire « Avant lundi » (" in dated and "vendredi 27 novembre 2026" in dated
    planned = testbot.say("fabienne", "/meeting Atelier « Avant lundi » jeudi 14h")
    assert "Atelier « Avant lundi » (" in planned and "jeudi 3 décembre 2026 à 14:00" in planned
    testbot.say("bob", "/lang en")
    english = testbot.say("bob", "/engage Read “Before Monday”")
    assert "Read “Before Monday” (" in english and "Monday 30" not in english


def test_edit_due_reads_either_language(testbot):
    """/edit #N due by a member of a bilingual community: the whole text is the date, read in either language
    and echoed back; figures only in the member's own order."""
    testbot.say("bob", "/lang en")
    testbot.say("bob", "/engage Book a table")
    assert "#1 is now due Sunday 29 November 2026" in testbot.say("bob", "/edit #1 due Dimanche")
    assert "#1 is now due Tuesday 1 December 2026 at 14:00" in testbot.say("bob", "/edit #1 due mardi prochain 14h")
    assert "#1 is now due Friday 27 November 2026" in testbot.say("bob", "/edit #1 due d'ici vendredi")
    assert "#1 is now due Sunday 29 November 2026" in testbot.say("bob", "/edit #1 due Sunday")
    testbot.say("alice", "/engage Réserver une table")
    assert "Nouvelle échéance de #2\u00a0: dimanche 29 novembre 2026." in testbot.say("alice", "/edit #2 due Sunday")
    edited = testbot.say("alice", "/edit #2 due next Tuesday")
    assert "Nouvelle échéance de #2\u00a0: mardi 1er décembre 2026." in edited


def test_a_quote_closed_with_another_quote_character_keeps_the_due_date(testbot):
    testbot.say("bob", "/lang en")
    saved = testbot.say("bob", '/engage Read “Before Monday" by Friday')
    assert 'Read “Before Monday" (' in saved and "Friday 27 November 2026" in saved
    testbot.say("fabienne", "/lang en")
    planned = testbot.say("fabienne", '/meeting Workshop “Before Monday" Thursday 2pm')
    assert 'Workshop “Before Monday" (' in planned and "Thursday 3 December 2026 at 14:00" in planned
    party = testbot.say("fabienne", "/meeting Plan the ‘80s night Thursday 2pm")
    assert "Thursday 3 December 2026 at 14:00" in party


def test_an_apostrophe_typed_as_an_opening_quote_hides_no_due_date(testbot):
    testbot.say("bob", "/lang en")
    saved = testbot.say("bob", "/engage Plan the ‘90s party by Friday")
    assert "Plan the ‘90s party (" in saved and "Friday 27 November 2026" in saved
    saved = testbot.say("bob", "/engage Read ‘Tis the season by Friday")
    assert "Read ‘Tis the season (" in saved and "Friday 27 November 2026" in saved


def test_english_words_in_a_french_title_stay_before_its_time(testbot):
    saved = testbot.say("alice", "/engage Organiser Lyon by Night 20h")
    assert "Organiser Lyon by Night (" in saved and "jeudi 26 novembre 2026 à 20:00" in saved
    saved = testbot.say("alice", "/engage Promouvoir l'appel Ideas for Tomorrow 14h")
    assert "Promouvoir l'appel Ideas for Tomorrow (" in saved and "jeudi 26 novembre 2026 à 14:00" in saved
    testbot.say("bob", "/lang en")
    saved = testbot.say("bob", "/engage Call Ann demain 14h")
    assert "Call Ann (" in saved and "Friday 27 November 2026 at 14:00" in saved


def test_a_bare_time_with_a_dot_is_a_time(testbot):
    saved = testbot.say("alice", "/engage Appeler Paul 9.30")  # an amount as well: no date, never 30 September
    assert "Appeler Paul 9.30 (" in saved and "Pas d’échéance" in saved and "2027" not in saved
    edited = testbot.say("alice", "/edit #1 due 9.30")
    assert "Nouvelle échéance" not in edited and "2027" not in edited
    edited = testbot.say("alice", "/edit #1 due demain 9.30")
    assert "Nouvelle échéance de #1\u00a0: vendredi 27 novembre 2026 à 09:30." in edited
    saved = testbot.say("alice", "/engage Faire le point demain matin 9.30")
    assert "Faire le point (" in saved and "vendredi 27 novembre 2026 à 09:30" in saved
    edited = testbot.say("alice", "/edit #1 due in 1.5 hours")
    assert "Nouvelle échéance de #1\u00a0: jeudi 26 novembre 2026 à 11:30." in edited


def test_an_amount_with_a_dot_stays_in_the_title(testbot):
    saved = testbot.say("alice", "/engage Pay Ann 12.50 by Friday")
    assert "Pay Ann 12.50 (" in saved and "vendredi 27 novembre 2026" in saved and "12:50" not in saved
    alone = testbot.say("alice", "/engage Rembourser Marie 12.50")
    assert "Rembourser Marie 12.50 (" in alone and "Pas d’échéance" in alone
    tomorrow = testbot.say("alice", "/engage Rembourser Marie 12.50 demain")
    assert "Rembourser Marie 12.50 (" in tomorrow and "vendredi 27 novembre 2026" in tomorrow
    assert "12:50" not in tomorrow
    testbot.say("bob", "/lang en")
    english = testbot.say("bob", "/engage Pay Ann 12.50 by Friday")
    assert "Pay Ann 12.50 (" in english and "Friday 27 November 2026" in english and "12:50" not in english
    room = testbot.say("bob", "/engage Réunion salle 12.15 d'ici lundi")
    assert "Réunion salle 12.15 (" in room and "Monday 30 November 2026" in room


def test_a_possessive_inside_quotes_keeps_the_whole_title(testbot):
    testbot.say("bob", "/lang en")
    saved = testbot.say("bob", "/engage Read “Parents’ evening tomorrow”")
    assert "Read “Parents’ evening tomorrow” (" in saved and "No due date" in saved
    screen = testbot.say("bob", '/engage Order the “27" screen for Monday”')
    assert 'Order the “27" screen for Monday” (' in screen and "No due date" in screen


def test_a_title_case_date_of_the_other_language_is_read(testbot):
    saved = testbot.say("alice", "/engage Send the report by Next Friday")
    assert "Send the report (" in saved and "vendredi 4 décembre 2026" in saved
    assert "Send the report (" in testbot.say("alice", "/engage Send the report By Tomorrow")
    named = testbot.say("alice", "/engage Organiser Lyon by Night")
    assert "Organiser Lyon by Night (" in named and "Pas d’échéance" in named
    testbot.say("bob", "/lang en")
    english = testbot.say("bob", "/engage Envoyer le rapport d'ici Fin Janvier")
    assert "Envoyer le rapport (" in english and "Sunday 31 January 2027" in english
    monday = testbot.say("bob", "/engage Prepare the COPIL lundi 14h")
    assert "Prepare the COPIL (" in monday and "Monday 30 November 2026 at 14:00" in monday
