"""Ordinary /engage and /meeting titles that recent changes to due-date reading had made worse.

The clock is always injected: Thursday 26 November 2026, 10:00 in Europe/Paris.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.dates import parse_when, split_due
from bot.meeting_text import parse_meeting_text

PARIS = "Europe/Paris"
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo(PARIS))


def assert_split(text: str, language: str, title: str, expected: str | None) -> None:
    """split_due's reading of `text`: `title` kept, nothing said not understood, due `expected` (ISO: a day, or with
    "T" a day and its time; None: no due date)."""
    split = split_due(text, NOW, PARIS, language)
    assert (split.title, split.not_understood) == (title, None)
    if expected is None:
        assert split.when is None
        return
    full = expected if "T" in expected else expected + "T00:00"
    assert split.when is not None and split.when.has_time is ("T" in expected)
    assert split.when.at == datetime.fromisoformat(full).replace(tzinfo=ZoneInfo(PARIS))


# (text, language, title, expected local ISO date/datetime or None, not_understood)
CASES: list[tuple[str, str, str, str | None, str | None]] = [
    # --- a ratio or a mark is title text, not a date that does not exist (before: "50/50 lundi" not understood) ---
    ("Partager les frais 50/50 lundi", "fr", "Partager les frais 50/50", "2026-11-30", None),
    ("Corriger les copies 14/20 demain", "fr", "Corriger les copies 14/20", "2026-11-27", None),
    ("Imprimer le lot 31/40 demain", "fr", "Imprimer le lot 31/40", "2026-11-27", None),
    ("Split costs 50/50 Monday", "en", "Split costs 50/50", "2026-11-30", None),
    ("Partager les frais 50/50", "fr", "Partager les frais 50/50", None, None),
    ("Corriger les copies 14/20", "fr", "Corriger les copies 14/20", None, None),
    ("Réserver la salle le 31/04", "fr", "Réserver la salle", None, "le 31/04"),  # still a day that does not exist
    ("Réserver la salle le 02/31", "fr", "Réserver la salle", None, "le 02/31"),
    # --- a second review: a day and a month with a dot after their weekday are a date, not a time at 11:12 ---
    ("Faire le point vendredi 11.12", "fr", "Faire le point", "2026-12-11", None),
    ("Faire le point mardi 15.12", "fr", "Faire le point", "2026-12-15", None),
    ("Faire le point lundi 7.12", "fr", "Faire le point", "2026-12-07", None),
    ("Faire le point samedi 8.30", "fr", "Faire le point", "2026-11-28T08:30", None),  # no 30th month: a time
    # --- an amount after "à" is no time at night ---
    ("Vendre les tickets de tombola à 2.50", "fr", "Vendre les tickets de tombola à 2.50", None, None),
    ("Sell raffle tickets at 2.50", "en", "Sell raffle tickets at 2.50", None, None),
    ("Vendre les billets à 5.00 samedi", "fr", "Vendre les billets à 5.00", "2026-11-28", None),
    # --- figures that are no day and month in the member's own order are a score, kept in the title ---
    ("Relancer les structures 4/31 lundi", "fr", "Relancer les structures 4/31", "2026-11-30", None),
    ("Compléter les inscriptions 2/30", "fr", "Compléter les inscriptions 2/30", None, None),
]


@pytest.mark.parametrize(
    ("text", "language", "title", "expected", "not_understood"), CASES, ids=[f"{c[1]}:{c[0]}" for c in CASES]
)
def test_ordinary_titles_keep_their_words(
    text: str, language: str, title: str, expected: str | None, not_understood: str | None
) -> None:
    split = split_due(text, NOW, PARIS, language)
    assert split.title == title
    assert split.not_understood == not_understood
    if expected is None:
        assert split.when is None
    else:
        assert split.when is not None
        full = expected if "T" in expected else expected + "T00:00"
        assert split.when.at == datetime.fromisoformat(full).replace(tzinfo=ZoneInfo(PARIS))
        assert split.when.has_time is ("T" in expected)


# (text, language, title, expected) — the other language's reading, only where nobody could mean anything else
OTHER_LANGUAGE: list[tuple[str, str, str, str | None]] = [
    # a date the member's language keeps in the title on purpose stays there (before: read in the other one)
    ("Relire le compte rendu de la réunion du 03/12", "fr", "Relire le compte rendu de la réunion du 03/12", None),
    ("Envoyer le compte rendu du 12/11", "fr", "Envoyer le compte rendu du 12/11", None),
    (
        "Relire le compte rendu de la réunion du 10/11/2026",
        "fr",
        "Relire le compte rendu de la réunion du 10/11/2026",
        None,
    ),
    ("Diffuser le PV du CA du 05/11", "fr", "Diffuser le PV du CA du 05/11", None),
    ("Relire le compte rendu de la réunion du 20/11", "fr", "Relire le compte rendu de la réunion du 20/11", None),
    ("Archiver les photos du 2026-11-20", "fr", "Archiver les photos du 2026-11-20", None),
    ("Préparer l'AG\nDétails : voir le PV du 12/11", "fr", "Préparer l'AG\nDétails : voir le PV du 12/11", None),
    ("Send the minutes of 12/03", "en", "Send the minutes of 12/03", None),
    # English words in French titles, French words in English ones: names, brands, not dates
    ("Préparer le Black Friday", "fr", "Préparer le Black Friday", None),
    ("Préparer la campagne Giving Tuesday", "fr", "Préparer la campagne Giving Tuesday", None),
    ("Organiser le Cyber Monday", "fr", "Organiser le Cyber Monday", None),
    ("Voir le film Sunday Bloody Sunday", "fr", "Voir le film Sunday Bloody Sunday", None),
    ("Suivre le MOOC Monday Morning", "fr", "Suivre le MOOC Monday Morning", None),
    ("Contacter la Fondation Tomorrow", "fr", "Contacter la Fondation Tomorrow", None),
    ("Préparer la soirée Halloween Night", "fr", "Préparer la soirée Halloween Night", None),
    ("Envoyer un mail à May", "fr", "Envoyer un mail à May", None),
    ("Écrire à June", "fr", "Écrire à June", None),
    ("Envoyer le dossier à April", "fr", "Envoyer le dossier à April", None),
    ("Inscrire les élèves de 2nd", "fr", "Inscrire les élèves de 2nd", None),
    ("Book a table at Le Soir", "en", "Book a table at Le Soir", None),
    ("Subscribe to Le Matin", "en", "Subscribe to Le Matin", None),
    ("Meet Dimanche", "en", "Meet Dimanche", None),
    # what the other language's reading is for: a marker of that language, or a relative phrase
    ("Rédiger la note d'ici vendredi", "en", "Rédiger la note", "2026-11-27"),
    ("Write the note avant vendredi", "en", "Write the note", "2026-11-27"),
    ("Rédiger la note mardi prochain", "en", "Rédiger la note", "2026-12-01"),
    ("Rédiger la note by Friday", "fr", "Rédiger la note", "2026-11-27"),
    ("Rédiger la note next Tuesday", "fr", "Rédiger la note", "2026-12-01"),
]


@pytest.mark.parametrize(
    ("text", "language", "title", "expected"), OTHER_LANGUAGE, ids=[f"{c[1]}:{c[0]}" for c in OTHER_LANGUAGE]
)
def test_the_other_language_only_where_plain(text: str, language: str, title: str, expected: str | None) -> None:
    split = split_due(text, NOW, PARIS, language)
    assert split.title == title
    assert split.not_understood is None
    if expected is None:
        assert split.when is None
    else:
        assert split.when is not None
        assert split.when.at == datetime.fromisoformat(expected + "T00:00").replace(tzinfo=ZoneInfo(PARIS))


def test_a_due_date_alone_in_the_other_language() -> None:
    when = parse_when("mardi prochain", NOW, PARIS, "en")
    assert when is not None and when.at.date().isoformat() == "2026-12-01"


# (text, language, title, expected) — a time with a dot, a decimal before its unit (before: "à 9.30" was
# 30 September, "dans 1.5 heures" not understood)
DOTTED: list[tuple[str, str, str, str | None]] = [
    ("Appeler Paul demain à 9.30", "fr", "Appeler Paul", "2026-11-27T09:30"),
    ("Appeler Paul le 3 décembre à 9.30", "fr", "Appeler Paul", "2026-12-03T09:30"),
    ("Point mensuel le 3 décembre à 9.30", "fr", "Point mensuel", "2026-12-03T09:30"),
    ("Appeler Paul demain 14.30", "fr", "Appeler Paul", "2026-11-27T14:30"),
    ("Call Paul on Monday at 9.30", "en", "Call Paul", "2026-11-30T09:30"),
    ("Call Paul tomorrow at 9.30", "en", "Call Paul", "2026-11-27T09:30"),
    ("Faire le point dans 1.5 heures", "fr", "Faire le point", "2026-11-26T11:30"),
    ("Publier la version 1.2 demain", "fr", "Publier la version 1.2", "2026-11-27"),  # still a version
    ("Publier la version 1.10 demain", "fr", "Publier la version 1.10", "2026-11-27"),
    ("Réunion le 15.12", "fr", "Réunion", "2026-12-15"),  # still a date
]


@pytest.mark.parametrize(("text", "language", "title", "expected"), DOTTED, ids=[f"{c[1]}:{c[0]}" for c in DOTTED])
def test_a_time_with_a_dot(text: str, language: str, title: str, expected: str) -> None:
    split = split_due(text, NOW, PARIS, language)
    assert split.title == title
    assert split.when is not None
    full = expected if "T" in expected else expected + "T00:00"
    assert split.when.at == datetime.fromisoformat(full).replace(tzinfo=ZoneInfo(PARIS))
    assert split.when.has_time is ("T" in expected)


# (text, language, title) — a version, article or section number after its word is not a date (before: "Publier
# la version 1.2" was titled "Publier la version", due 1 February 2027)
NUMBERED: list[tuple[str, str, str]] = [
    ("Publier la version 1.2", "fr", "Publier la version 1.2"),
    ("Publier la version 12.3", "fr", "Publier la version 12.3"),
    ("Appliquer l'article 4.2", "fr", "Appliquer l'article 4.2"),
    ("Voter la résolution 3.1", "fr", "Voter la résolution 3.1"),
    ("Relire la section 2.10", "fr", "Relire la section 2.10"),
    ("Fix bug 4.2", "en", "Fix bug 4.2"),
]


@pytest.mark.parametrize(("text", "language", "title"), NUMBERED, ids=[f"{c[1]}:{c[0]}" for c in NUMBERED])
def test_a_numbered_label_is_not_a_date(text: str, language: str, title: str) -> None:
    split = split_due(text, NOW, PARIS, language)
    assert (split.title, split.when, split.not_understood) == (title, None, None)


def test_a_date_with_dots_after_an_ordinary_word_is_still_a_date() -> None:
    split = split_due("Envoyer le rapport 15.12", NOW, PARIS, "fr")
    assert split.title == "Envoyer le rapport"
    assert split.when is not None and split.when.at.date().isoformat() == "2026-12-15"


@pytest.mark.parametrize(
    ("text", "language", "title"),
    [
        ("Review within 1.5 hours", "en", "Review"),
        ("Faire le point sous 1.5 heures", "fr", "Faire le point"),
        ("Faire le point dans 1.5 h", "fr", "Faire le point"),
    ],
)
def test_a_decimal_number_of_hours_is_a_duration(text: str, language: str, title: str) -> None:
    split = split_due(text, NOW, PARIS, language)  # before: left in the title, nothing said
    assert split.title == title
    assert split.when is not None and split.when.at.strftime("%Y-%m-%d %H:%M") == "2026-11-26 11:30"


# (text, language, title, expected) — words inside quotes are the title's (before: "Lire « Before Monday »" was
# titled "Lire «", due Monday 30 November)
QUOTED: list[tuple[str, str, str, str | None]] = [
    ("Lire « Before Monday »", "fr", "Lire « Before Monday »", None),
    ("Lire « Avant lundi »", "fr", "Lire « Avant lundi »", None),
    ("Lire «\u00a0Fin janvier\u00a0»", "fr", "Lire «\u00a0Fin janvier\u00a0»", None),
    ("Lire « Before Monday »", "en", "Lire « Before Monday »", None),
    ("Read “Before Monday”", "en", "Read “Before Monday”", None),
    ('Read "Before Monday"', "en", 'Read "Before Monday"', None),
    ("Read ‘Before Monday’", "en", "Read ‘Before Monday’", None),
    ("Lire « Avant lundi", "fr", "Lire « Avant lundi", None),  # a quote left open: the rest is quoted
    ("Voir « Le 31/02 »", "fr", "Voir « Le 31/02 »", None),
    # a due date after the quote is still read
    ("Lire « Avant lundi » vendredi", "fr", "Lire « Avant lundi »", "2026-11-27"),
    ("Lire l’article « Demain » d’ici vendredi", "fr", "Lire l’article « Demain »", "2026-11-27"),
    ("Read “Before Monday” by Friday", "en", "Read “Before Monday”", "2026-11-27"),
    ("Lire ‘l’Avenir’ demain", "fr", "Lire ‘l’Avenir’", "2026-11-27"),
    ("Imprimer les photos 10x15 demain", "fr", "Imprimer les photos 10x15", "2026-11-27"),
]


@pytest.mark.parametrize(("text", "language", "title", "expected"), QUOTED, ids=[f"{c[1]}:{c[0]}" for c in QUOTED])
def test_words_in_quotes_are_the_title(text: str, language: str, title: str, expected: str | None) -> None:
    assert_split(text, language, title, expected)


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("Le Soir", "en", "2026-11-26T20:00"),  # a text that is all date: read in the other language
        ("Dimanche", "en", "2026-11-29T00:00"),
        ("demain 14h", "en", "2026-11-27T14:00"),
        ("mardi prochain 14h", "en", "2026-12-01T14:00"),
        ("d'ici vendredi", "en", "2026-11-27T00:00"),
        ("Sunday", "fr", "2026-11-29T00:00"),
        ("tomorrow", "fr", "2026-11-27T00:00"),
        ("next Tuesday", "fr", "2026-12-01T00:00"),
        ("Dimanche", "fr", "2026-11-29T00:00"),
        ("Sunday", "en", "2026-11-29T00:00"),
        ("Black Friday", "fr", None),  # a name, no date
    ],
)
def test_a_due_field_reads_the_other_language_whatever_its_words(
    text: str, language: str, expected: str | None
) -> None:
    """/edit #N due …, the form's due field: the whole text is the date, so a member of a bilingual community
    may write it in either language (unlike the end of a title: split_due reads it only where plainly a date)."""
    when = parse_when(text, NOW, PARIS, language)
    if expected is None:
        assert when is None
    else:
        assert when is not None and when.at == datetime.fromisoformat(expected).replace(tzinfo=ZoneInfo(PARIS))


@pytest.mark.parametrize(("text", "language"), [("03/12", "en"), ("12/03", "fr")])
def test_a_due_field_in_figures_is_read_in_the_members_own_order_only(text: str, language: str) -> None:
    when = parse_when(text, NOW, PARIS, language)
    assert when is not None and when.at.date().isoformat() == "2027-03-12"


# (text, language, title, expected) — a quote closed with another quote character, or an apostrophe typed as
# ‘, no longer hides the due date after it (8e9ca3c: "Read “Before Monday" by Friday" had no due date)
MIXED_QUOTES: list[tuple[str, str, str, str | None]] = [
    ('Read “Before Monday" by Friday', "en", 'Read “Before Monday"', "2026-11-27"),
    ('Read "Before Monday” by Friday', "en", 'Read "Before Monday”', "2026-11-27"),
    ("Read “Before Monday“ by Friday", "en", "Read “Before Monday“", "2026-11-27"),
    ("Lire « Avant lundi ” vendredi", "fr", "Lire « Avant lundi ”", "2026-11-27"),
    ('Lire «Guide" vendredi', "fr", 'Lire «Guide"', "2026-11-27"),
    ("Publier le „Rapport” vendredi", "fr", "Publier le „Rapport”", "2026-11-27"),
    ("Publier le „Rapport“ vendredi", "fr", "Publier le „Rapport“", "2026-11-27"),
    # a quote left open: its first word is the title's, a date after it is read; all date words: all title
    ("Lire « Guide vendredi", "fr", "Lire « Guide", "2026-11-27"),
    ('Read "Guide by Friday', "en", 'Read "Guide', "2026-11-27"),
    ("Lire « Demain 14h", "fr", "Lire « Demain 14h", None),
    # ‘ before a figure or never closed is an apostrophe
    ("Plan the ‘90s party by Friday", "en", "Plan the ‘90s party", "2026-11-27"),
    ("Read ‘Tis the season by Friday", "en", "Read ‘Tis the season", "2026-11-27"),
    ("Read ‘Tis the season’ by Friday", "en", "Read ‘Tis the season’", "2026-11-27"),
]


@pytest.mark.parametrize(
    ("text", "language", "title", "expected"), MIXED_QUOTES, ids=[f"{c[1]}:{c[0]}" for c in MIXED_QUOTES]
)
def test_any_closing_quote_closes(text: str, language: str, title: str, expected: str | None) -> None:
    assert_split(text, language, title, expected)


# (text, language, title, expected) — the other language's words before the member's own time must name a day
# (707db99 read "by Night 20h" and "for Tomorrow 9h" in English for a French member, and took the words out)
OTHER_BEFORE_A_TIME: list[tuple[str, str, str, str | None]] = [
    ("Organiser Lyon by Night 20h", "fr", "Organiser Lyon by Night", "2026-11-26T20:00"),
    ("Forum Energy for Tomorrow 9h", "fr", "Forum Energy for Tomorrow", "2026-11-27T09:00"),
    ("Promouvoir l'appel Ideas for Tomorrow 14h", "fr", "Promouvoir l'appel Ideas for Tomorrow", "2026-11-26T14:00"),
    ("Organiser Lyon by Night", "fr", "Organiser Lyon by Night", None),
    ("COPIL mardi prochain 14h", "en", "COPIL", "2026-12-01T14:00"),
    ("COPIL d'ici vendredi 14h", "en", "COPIL", "2026-11-27T14:00"),
    ("Rédiger la note next Tuesday 14h", "fr", "Rédiger la note", "2026-12-01T14:00"),
    # a day word of the other language with a time is a date, not a word left in the title beside today's time
    ("Call Ann demain 14h", "en", "Call Ann", "2026-11-27T14:00"),
    ("Appeler Ann tomorrow 14h", "fr", "Appeler Ann", "2026-11-27T14:00"),
    ("Contacter la Fondation Tomorrow 14h", "fr", "Contacter la Fondation Tomorrow", "2026-11-26T14:00"),
    ("Préparer le Black Friday 14h", "fr", "Préparer le Black Friday", "2026-11-26T14:00"),
]


@pytest.mark.parametrize(
    ("text", "language", "title", "expected"),
    OTHER_BEFORE_A_TIME,
    ids=[f"{c[1]}:{c[0]}" for c in OTHER_BEFORE_A_TIME],
)
def test_other_language_words_before_a_time_name_a_day(
    text: str, language: str, title: str, expected: str | None
) -> None:
    assert_split(text, language, title, expected)


# (text, language, title, expected) — figures with a dot shaped like a time are a time where they are no day and
# month in the member's order, never that date read the other way round (before: "Appeler Paul 9.30" was due
# 30 September 2027, "demain matin 9.30" and "ce soir 20.30" were not understood)
DOTTED_TIMES: list[tuple[str, str, str, str | None]] = [
    ("Appeler Paul 9.30", "fr", "Appeler Paul 9.30", None),  # an amount as well: no date, and never 30 September
    ("Appeler Paul 10.30", "fr", "Appeler Paul 10.30", None),
    ("Lire « Avant lundi » 9.30", "fr", "Lire « Avant lundi » 9.30", None),
    ("Appeler Paul à 9.30", "fr", "Appeler Paul", "2026-11-27T09:30"),
    ("Faire le point demain matin 9.30", "fr", "Faire le point", "2026-11-27T09:30"),
    ("Faire le point ce soir 20.30", "fr", "Faire le point", "2026-11-26T20:30"),
    ("Faire le point vendredi 11.12", "fr", "Faire le point", "2026-12-11"),  # still a date
    ("Faire le point demain 27.11", "fr", "Faire le point", "2026-11-27"),
    ("Envoyer le rapport 15.12", "en", "Envoyer le rapport", "2026-12-15"),  # no time: still either order
    ("Lire les pages 9.30", "fr", "Lire les pages 9.30", None),  # a page range after "pages"
    ("Call Paul on Monday at 9.30", "fr", "Call Paul", "2026-11-30T09:30"),
    ("Call Paul tomorrow at 9.30", "fr", "Call Paul", "2026-11-27T09:30"),
]


@pytest.mark.parametrize(
    ("text", "language", "title", "expected"), DOTTED_TIMES, ids=[f"{c[1]}:{c[0]}" for c in DOTTED_TIMES]
)
def test_a_dotted_time_that_is_no_date(text: str, language: str, title: str, expected: str | None) -> None:
    assert_split(text, language, title, expected)


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("9.30", "fr", None),  # no 30th month, never 30 September; no time read from figures alone either
        ("demain 9.30", "fr", "2026-11-27T09:30"),
        ("in 1.5 hours", "fr", "2026-11-26T11:30"),  # a decimal duration is no date in figures
        ("dans 1.5 heures", "en", "2026-11-26T11:30"),
        ("le 9.30", "fr", None),  # no 30th month, and never 30 September
    ],
)
def test_a_due_field_with_a_dot(text: str, language: str, expected: str | None) -> None:
    when = parse_when(text, NOW, PARIS, language)
    if expected is None:
        assert when is None
    else:
        assert when is not None and when.at == datetime.fromisoformat(expected).replace(tzinfo=ZoneInfo(PARIS))


# (text, language, title, expected local ISO date/datetime or None): a figure with a dot at the start of the date
# phrase is an amount, a room, a price, never a time (9ff5835 had "Pay Ann 12.50 by Friday" due Friday 12:50)
AMOUNTS: list[tuple[str, str, str, str | None]] = [
    ("Pay Ann 12.50 by Friday", "fr", "Pay Ann 12.50", "2026-11-27"),
    ("Pay Ann 12.50 by Friday", "en", "Pay Ann 12.50", "2026-11-27"),
    ("Réunion salle 12.15 d'ici lundi", "en", "Réunion salle 12.15", "2026-11-30"),
    ("Réunion salle 12.15 d'ici lundi", "fr", "Réunion salle 12.15", "2026-11-30"),
    ("Appeler Paul 10.30 mardi prochain", "en", "Appeler Paul 10.30", "2026-12-01"),
    ("Rembourser Marie 12.50 demain", "fr", "Rembourser Marie 12.50", "2026-11-27"),
    ("Rembourser Marie 12.50", "fr", "Rembourser Marie 12.50", None),
    ("Rembourser Marie 12.50", "en", "Rembourser Marie 12.50", None),
    ("Refund Tom 15.50", "en", "Refund Tom 15.50", None),
    ("Refund Tom 15.50", "fr", "Refund Tom 15.50", None),
    ("Payer la cotisation 12.50", "fr", "Payer la cotisation 12.50", None),
    ("Prix 15.50", "fr", "Prix 15.50", None),
    ("Note 14.15", "fr", "Note 14.15", None),
    ("Note 14.15", "en", "Note 14.15", None),
    ("Faire le point demain 9.30", "fr", "Faire le point", "2026-11-27T09:30"),  # a day word before: a time
    ("Faire le point demain matin 9.30", "fr", "Faire le point", "2026-11-27T09:30"),
    ("Faire le point ce soir 20.30", "fr", "Faire le point", "2026-11-26T20:30"),
]


@pytest.mark.parametrize(("text", "language", "title", "expected"), AMOUNTS, ids=[f"{c[1]}:{c[0]}" for c in AMOUNTS])
def test_a_dotted_figure_at_the_start_of_a_date_is_no_time(
    text: str, language: str, title: str, expected: str | None
) -> None:
    assert_split(text, language, title, expected)


def test_a_meeting_room_with_a_dot_is_its_place() -> None:
    meeting = parse_meeting_text("Workshop Friday 2pm Room 12.50", NOW, PARIS, "en")
    assert (meeting.title, meeting.place) == ("Workshop", "Room 12.50")
    assert meeting.when is not None and meeting.when.at == datetime(2026, 11, 27, 14, 0, tzinfo=ZoneInfo(PARIS))


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize(
    "text",
    [
        "Read “Parents’ evening tomorrow”",  # a plural possessive does not close the “
        "Promote “Teachers’ day on Friday”",
        'Order the “27" screen for Monday”',  # inches do not close it either
        "Lire « L’ avenir commence demain »",
    ],
)
def test_an_apostrophe_or_inches_inside_quotes_close_nothing(text: str, language: str) -> None:
    split = split_due(text, NOW, PARIS, language)
    assert (split.title, split.when, split.not_understood) == (text, None, None)


def test_mixed_double_quotes_still_close_each_other() -> None:
    split = split_due('Read “Before Monday" by Friday', NOW, PARIS, "en")
    assert split.title == 'Read “Before Monday"'
    assert split.when is not None and split.when.at == datetime(2026, 11, 27, tzinfo=ZoneInfo(PARIS))
    quoted = split_due("Read ‘Before Monday’ by Friday", NOW, PARIS, "en")
    assert quoted.title == "Read ‘Before Monday’" and quoted.when is not None


# (text, language, title, expected) — a Title Case date phrase of the other language is a date again (3f6eea8 took
# every capitalised word after the marker for a name); a name right after the marker stays in the title
TITLE_CASE: list[tuple[str, str, str, str | None]] = [
    ("Send the report by Next Friday", "fr", "Send the report", "2026-12-04"),
    ("Send the report by Monday Morning", "fr", "Send the report", "2026-11-30T09:00"),
    ("Send the report by Friday Noon", "fr", "Send the report", "2026-11-27T12:00"),
    ("Send the report by Tomorrow Noon", "fr", "Send the report", "2026-11-27T12:00"),
    ("Send the report by Mid-December", "fr", "Send the report", "2026-12-15"),
    ("Finish the report by End of March", "fr", "Finish the report", "2027-03-31"),
    ("Send the report By Tomorrow", "fr", "Send the report", "2026-11-27"),
    ("Envoyer le rapport Pour Demain", "en", "Envoyer le rapport", "2026-11-27"),
    ("Envoyer le rapport D'ici Demain", "en", "Envoyer le rapport", "2026-11-27"),
    ("Envoyer le rapport d'ici Fin Janvier", "en", "Envoyer le rapport", "2027-01-31"),
    ("Organiser Lyon by Night 20h", "fr", "Organiser Lyon by Night", "2026-11-26T20:00"),
    ("Forum Energy for Tomorrow 9h", "fr", "Forum Energy for Tomorrow", "2026-11-27T09:00"),
    ("Organiser Lyon by Night", "fr", "Organiser Lyon by Night", None),
    ("Organiser Lyon By Night", "fr", "Organiser Lyon By Night", None),
    ("Forum Energy for Tomorrow", "fr", "Forum Energy for Tomorrow", None),
    ("Ideas For Tomorrow", "fr", "Ideas For Tomorrow", None),
    ("Organiser la fête by Night", "fr", "Organiser la fête by Night", None),
    # a weekday of the other language before a time is read with it or not at all, never left in the title
    ("Prepare the COPIL lundi 14h", "en", "Prepare the COPIL", "2026-11-30T14:00"),
    ("Réunion vendredi 14h", "en", "Réunion", "2026-11-27T14:00"),
    ("Prepare the COPIL lundi 14.30", "en", "Prepare the COPIL lundi 14.30", None),
    ("Réunion vendredi 14.30", "en", "Réunion vendredi 14.30", None),
    ("Call Paul Monday 9.30", "fr", "Call Paul Monday 9.30", None),
    ("Préparer le Black Friday 2pm", "fr", "Préparer le Black Friday 2pm", None),
]


@pytest.mark.parametrize(
    ("text", "language", "title", "expected"), TITLE_CASE, ids=[f"{c[1]}:{c[0]}" for c in TITLE_CASE]
)
def test_a_title_case_date_of_the_other_language(text: str, language: str, title: str, expected: str | None) -> None:
    assert_split(text, language, title, expected)


@pytest.mark.parametrize(
    ("text", "language", "title", "expected"),
    [
        ("Salle 12.15", "en", "Salle 12.15", None),  # a room's number, not 15 December
        ("Réunion Salle 12.15", "en", "Réunion Salle 12.15", None),
        ("Figure 10.15", "en", "Figure 10.15", None),
        ("Question 10.15", "en", "Question 10.15", None),
        ("Lot 15.12", "fr", "Lot 15.12", None),
        ("Faire le point 15.12", "fr", "Faire le point", "2026-12-15"),  # after an article: a date as before
        ("Réserver la salle 15.12", "fr", "Réserver la salle", "2026-12-15"),
    ],
)
def test_a_room_or_a_figure_keeps_its_number(text: str, language: str, title: str, expected: str | None) -> None:
    assert_split(text, language, title, expected)


# (text, language, title, expected) — an English member's figures with a dot shaped like a time are no date in
# month.day order (before: "Call Paul 9.30" was due 30 September 2027, "12.15" 15 December): title text, as for a
# French member, and a time only after "at" or a day word
ENGLISH_DOTTED: list[tuple[str, str, str, str | None]] = [
    ("9.30", "en", "9.30", None),
    ("10.30", "en", "10.30", None),
    ("12.15", "en", "12.15", None),
    ("Call Paul 9.30", "en", "Call Paul 9.30", None),
    ("Appeler Paul 9.30", "en", "Appeler Paul 9.30", None),
    ("Call Paul tomorrow at 9.30", "en", "Call Paul", "2026-11-27T09:30"),
    ("Call Paul tomorrow 9.30", "en", "Call Paul", "2026-11-27T09:30"),
    ("Call Paul Monday 9.30", "en", "Call Paul", "2026-11-30T09:30"),
    ("Send the report 15.12", "en", "Send the report", "2026-12-15"),  # no time's shape: a date as before
]


@pytest.mark.parametrize(
    ("text", "language", "title", "expected"), ENGLISH_DOTTED, ids=[f"{c[1]}:{c[0]}" for c in ENGLISH_DOTTED]
)
def test_english_dotted_time_shape_is_no_date(text: str, language: str, title: str, expected: str | None) -> None:
    assert_split(text, language, title, expected)


@pytest.mark.parametrize("text", ["9.30", "12.15", "10.05"])
def test_english_due_field_with_a_time_shape_is_no_date(text: str) -> None:
    assert parse_when(text, NOW, PARIS, "en") is None


def test_a_meeting_place_never_starts_with_a_time() -> None:
    meeting = parse_meeting_text("Faire le point demain matin 9.30", NOW, PARIS, "en")
    assert (meeting.title, meeting.when, meeting.place) == ("Faire le point demain matin 9.30", None, None)


# (text, language, title, expected) — a version's number with dots is no date; after a product's name it is one
# (trainings are named after software: c4e6dc4 had made "Formation Python 15.12 14h" due today 14:00)
VERSIONS: list[tuple[str, str, str, str | None]] = [
    ("Passer en v2.10", "fr", "Passer en v2.10", None),
    ("Passer en version 2.10", "en", "Passer en version 2.10", None),
    ("Formation Moodle 15.12", "fr", "Formation Moodle", "2026-12-15"),
    ("Formation Python 15.12 14h", "fr", "Formation Python", "2026-12-15T14:00"),
    ("Migration Windows 15.12", "fr", "Migration Windows", "2026-12-15"),
    ("Réunion 15.12", "fr", "Réunion", "2026-12-15"),
]


@pytest.mark.parametrize(("text", "language", "title", "expected"), VERSIONS, ids=[f"{c[1]}:{c[0]}" for c in VERSIONS])
def test_a_version_is_no_date_a_product_name_before_a_date_is(
    text: str, language: str, title: str, expected: str | None
) -> None:
    assert_split(text, language, title, expected)


# (text, language, title, expected) — a length after "de"/"d’" is the title's, never a time (before: "Animer un
# atelier de 1,5 heure vendredi" was titled «Animer un atelier de 1,5», due Friday 00:00)
LENGTHS: list[tuple[str, str, str, str | None]] = [
    ("Animer un atelier de 1,5 heure vendredi", "fr", "Animer un atelier de 1,5 heure", "2026-11-27"),
    ("Animer un atelier de 2 heures vendredi", "fr", "Animer un atelier de 2 heures", "2026-11-27"),
    ("Animer un atelier d’une heure vendredi", "fr", "Animer un atelier d’une heure", "2026-11-27"),
    ("Animer un atelier de 1,5 heure", "fr", "Animer un atelier de 1,5 heure", None),
    ("Animer un atelier dans 1,5 heure", "fr", "Animer un atelier", "2026-11-26T11:30"),  # a due date
]


@pytest.mark.parametrize(("text", "language", "title", "expected"), LENGTHS, ids=[f"{c[1]}:{c[0]}" for c in LENGTHS])
def test_a_length_after_de_is_the_titles(text: str, language: str, title: str, expected: str | None) -> None:
    assert_split(text, language, title, expected)


# (text, language, title, expected) — a weekday of either language left at the end of the title right before the
# time that was read is read with it, or no date is (before: "Call Paul Monday 14h" from a French member was due
# today at 14:00 titled "Call Paul Monday", "Meet Dimanche 14h" from an English one too)
WEEKDAY_BEFORE_TIME: list[tuple[str, str, str, str | None]] = [
    ("Call Paul Monday 14h", "fr", "Call Paul", "2026-11-30T14:00"),
    ("Meet Dimanche 14h", "en", "Meet", "2026-11-29T14:00"),
    ("Call Paul Monday à 14h", "en", "Call Paul Monday à 14h", None),
    ("Préparer le Black Friday 14h", "fr", "Préparer le Black Friday", "2026-11-26T14:00"),  # a name, as before
    ("Préparer le Black Friday 14h", "en", "Préparer le Black Friday", "2026-11-26T14:00"),  # before: Friday
    ("Black Friday", "en", "Black Friday", None),  # before: titled "Black", due Friday
    ("Lire « Avant lundi » avant midi", "fr", "Lire « Avant lundi »", "2026-11-26T12:00"),
]


@pytest.mark.parametrize(
    ("text", "language", "title", "expected"),
    WEEKDAY_BEFORE_TIME,
    ids=[f"{c[1]}:{c[0]}" for c in WEEKDAY_BEFORE_TIME],
)
def test_a_weekday_before_a_time_is_read_with_it(text: str, language: str, title: str, expected: str | None) -> None:
    assert_split(text, language, title, expected)


def test_a_meeting_place_never_starts_with_a_time_after_a_or_at() -> None:
    meeting = parse_meeting_text("Call Paul Monday à 14h", NOW, PARIS, "en")
    assert (meeting.title, meeting.when, meeting.place) == ("Call Paul Monday à 14h", None, None)


# (text, title, expected) — a French member's "N heures" right after a day is a clock time (before: "RDV demain 9
# heures" was due tomorrow 19:00, dateparser's 9 hours later; "Réunion lundi 14 heures" was not read)
HOURS: list[tuple[str, str, str | None]] = [
    ("RDV demain 9 heures", "RDV", "2026-11-27T09:00"),
    ("Rendez-vous demain 10 heures", "Rendez-vous", "2026-11-27T10:00"),
    ("Réunion lundi 14 heures", "Réunion", "2026-11-30T14:00"),
    ("Réunion après-demain 9 heures", "Réunion", "2026-11-28T09:00"),
    ("Réunion vendredi 9 heures du soir", "Réunion", "2026-11-27T21:00"),
    ("Faire le point dans 3 heures", "Faire le point", "2026-11-26T13:00"),  # a delay, as before
    ("Animer un atelier de 2 heures vendredi", "Animer un atelier de 2 heures", "2026-11-27T00:00"),  # a length
    ("Préparer 2 heures de formation demain", "Préparer 2 heures de formation", "2026-11-27T00:00"),
]


@pytest.mark.parametrize(("text", "title", "expected"), HOURS, ids=[case[0] for case in HOURS])
def test_hours_after_a_day_are_a_clock_time(text: str, title: str, expected: str | None) -> None:
    split = split_due(text, NOW, PARIS, "fr")
    assert (split.title, split.not_understood) == (title, None)
    assert split.when is not None and split.when.at == datetime.fromisoformat(expected).replace(tzinfo=ZoneInfo(PARIS))


# (text, language, title, start, place) — a meeting given with its hours starts at the first (before: "COPIL lundi
# 14h à 16h" was today 16:00 titled "COPIL lundi 14h", "COPIL lundi 14h-16h salle 3" Monday 00:00)
RANGES: list[tuple[str, str, str, str, str]] = [
    ("COPIL lundi 14h à 16h", "fr", "COPIL", "2026-11-30T14:00", "14h à 16h"),
    ("COPIL lundi de 14h à 16h salle 3", "fr", "COPIL", "2026-11-30T14:00", "de 14h à 16h salle 3"),
    ("COPIL lundi 14h30-16h Zoom", "fr", "COPIL", "2026-11-30T14:30", "14h30-16h Zoom"),
    ("Atelier vendredi 9h-12h", "fr", "Atelier", "2026-11-27T09:00", "9h-12h"),
    ("COPIL lundi 14-16h", "fr", "COPIL", "2026-11-30T14:00", "14-16h"),
    ("Board Monday 2-4pm room 3", "en", "Board", "2026-11-30T14:00", "2-4pm room 3"),
    ("Board Monday from 2pm to 4pm", "en", "Board", "2026-11-30T14:00", "from 2pm to 4pm"),
    ("Board Monday 14:00-16:00", "en", "Board", "2026-11-30T14:00", "14:00-16:00"),
]


@pytest.mark.parametrize(("text", "language", "title", "start", "place"), RANGES, ids=[c[0] for c in RANGES])
def test_a_meeting_given_with_its_hours_starts_at_the_first(
    text: str, language: str, title: str, start: str, place: str
) -> None:
    meeting = parse_meeting_text(text, NOW, PARIS, language)
    assert meeting.when is not None and meeting.when.at == datetime.fromisoformat(start).replace(tzinfo=ZoneInfo(PARIS))
    assert (meeting.title, meeting.place) == (title, place)


def test_days_with_a_dash_are_no_range_of_hours() -> None:
    meeting = parse_meeting_text("COPIL 15-16 décembre", NOW, PARIS, "fr")
    assert (meeting.title, meeting.when, meeting.place) == ("COPIL 15-16 décembre", None, None)


# (text, language, title, start, place) — no range of hours where the review found one was taken: a day number before
# "à 14h", a number of the title before "- 14h", a range after the time given, a length ("2-3h", "2 heures max")
NOT_RANGES: list[tuple[str, str, str, str | None, str | None]] = [
    ("Réunion le 3 à 14h", "fr", "Réunion", "2026-12-03T14:00", None),
    ("RDV le 30 a 18h", "fr", "RDV", "2026-11-30T18:00", None),
    ("Réunion lundi 7 à 14h", "fr", "Réunion", "2026-12-07T14:00", None),
    ("Sprint 12 - 14h lundi", "fr", "Sprint 12", "2026-11-30T14:00", None),
    ("Sprint 3 - 2pm Monday", "en", "Sprint 3", "2026-11-30T14:00", None),
    ("Réunion lundi 14h, pause 15h-15h15", "fr", "Réunion", "2026-11-30T14:00", "pause 15h-15h15"),
    ("Réunion lundi 2-3h", "fr", "Réunion", "2026-11-30T00:00", "2-3h"),
    ("Réunion mardi 2 heures max", "fr", "Réunion", None, None),
]


@pytest.mark.parametrize(("text", "language", "title", "start", "place"), NOT_RANGES, ids=[c[0] for c in NOT_RANGES])
def test_a_number_before_a_time_is_no_range_of_hours(
    text: str, language: str, title: str, start: str | None, place: str | None
) -> None:
    meeting = parse_meeting_text(text, NOW, PARIS, language)
    expected = datetime.fromisoformat(start).replace(tzinfo=ZoneInfo(PARIS)) if start else None
    assert (meeting.title, meeting.when.at if meeting.when else None, meeting.place) == (title, expected, place)
