"""bot.dates.split_due: the title and the due date of an /engage argument.

The clock is always injected: Thursday 26 November 2026, 10:00 in Europe/Paris.
"""

from __future__ import annotations

import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.dates import DueSplit, split_due

PARIS = "Europe/Paris"
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo(PARIS))

# (text, language, title, expected local ISO date/datetime or None, due_text, not_understood)
CASES: list[tuple[str, str, str, str | None, str | None, str | None]] = [
    # --- the examples of the issue ---
    (
        "Réserver la salle pour la réunion du 15 janvier d'ici le 10 janvier",
        "fr",
        "Réserver la salle pour la réunion du 15 janvier",
        "2027-01-10",
        "d'ici le 10 janvier",
        None,
    ),
    (
        "Rédiger l'article pour la newsletter lundi 9h30",
        "fr",
        "Rédiger l'article pour la newsletter",
        "2026-11-30T09:30",
        "lundi 9h30",
        None,
    ),
    ("Préparer le dossier pour la mairie", "fr", "Préparer le dossier pour la mairie", None, None, None),
    ("Recruter 2 bénévoles", "fr", "Recruter 2 bénévoles", None, None, None),
    ("Publier le bilan 2026", "fr", "Publier le bilan 2026", None, None, None),
    ("Distribuer 300 flyers dans 4 écoles", "fr", "Distribuer 300 flyers dans 4 écoles", None, None, None),
    (
        "Envoyer le budget d'ici la saint-glinglin",
        "fr",
        "Envoyer le budget",
        None,
        "d'ici la saint-glinglin",
        "la saint-glinglin",
    ),
    ("Faire le point … lundi 9h30", "fr", "Faire le point …", "2026-11-30T09:30", "lundi 9h30", None),
    ("Réserver la salle demain à 14h", "fr", "Réserver la salle", "2026-11-27T14:00", "demain à 14h", None),
    # --- French: markers ---
    ("Envoyer le compte rendu avant vendredi", "fr", "Envoyer le compte rendu", "2026-11-27", "avant vendredi", None),
    (
        "Envoyer le rapport au plus tard le 15/12",
        "fr",
        "Envoyer le rapport",
        "2026-12-15",
        "au plus tard le 15/12",
        None,
    ),
    ("Relancer les partenaires sous 15 jours", "fr", "Relancer les partenaires", "2026-12-11", "sous 15 jours", None),
    ("Relancer les partenaires dans 3 jours", "fr", "Relancer les partenaires", "2026-11-29", "dans 3 jours", None),
    ("Décorer la salle pour Noël", "fr", "Décorer la salle", "2026-12-25", "pour Noël", None),
    ("Bilan financier, échéance : 15/12", "fr", "Bilan financier", "2026-12-15", "échéance : 15/12", None),
    ("Organiser la fête en janvier", "fr", "Organiser la fête", "2027-01-01", "en janvier", None),
    (
        "Finir le rapport avant la réunion de lundi",
        "fr",
        "Finir le rapport",
        None,
        "avant la réunion de lundi",
        "la réunion de lundi",
    ),
    # --- French: trailing dates without marker ---
    ("Appeler la mairie demain 14h", "fr", "Appeler la mairie", "2026-11-27T14:00", "demain 14h", None),
    ("Payer le loyer fin du mois", "fr", "Payer le loyer", "2026-11-30", "fin du mois", None),
    (
        "Envoyer les invitations mardi prochain à 18h",
        "fr",
        "Envoyer les invitations",
        "2026-12-01T18:00",
        "mardi prochain à 18h",
        None,
    ),
    ("Voter le 3", "fr", "Voter", "2026-12-03", "le 3", None),
    (
        "Préparer la réunion avant la rentrée lundi 9h",
        "fr",
        "Préparer la réunion avant la rentrée",
        "2026-11-30T09:00",
        "lundi 9h",
        None,
    ),
    ("Appeler Paul demain avant 18h", "fr", "Appeler Paul", "2026-11-27T18:00", "demain avant 18h", None),
    (
        "Envoyer le compte rendu lundi au plus tard.",
        "fr",
        "Envoyer le compte rendu",
        "2026-11-30",
        "lundi au plus tard.",
        None,
    ),
    # --- French: no due ---
    (
        "Réserver la salle pour la réunion du 15 janvier",
        "fr",
        "Réserver la salle pour la réunion du 15 janvier",
        None,
        None,
        None,
    ),
    ("Préparer la fête de Noël", "fr", "Préparer la fête de Noël", None, None, None),
    ("Observer Mars", "fr", "Observer Mars", None, None, None),
    ("Faire le bilan de fin de mois", "fr", "Faire le bilan de fin de mois", None, None, None),
    ("Ranger la salle avant de partir", "fr", "Ranger la salle avant de partir", None, None, None),
    ("Préparer le repas du dimanche", "fr", "Préparer le repas du dimanche", None, None, None),
    ("Partir 3 jours en Bretagne", "fr", "Partir 3 jours en Bretagne", None, None, None),
    ("Lire le chapitre 3", "fr", "Lire le chapitre 3", None, None, None),
    ("Animer l'atelier 2h", "fr", "Animer l'atelier 2h", None, None, None),
    ("Organiser la soirée du 31", "fr", "Organiser la soirée du 31", None, None, None),
    ("Relire le texte avant tout", "fr", "Relire le texte avant tout", None, None, None),
    ("Commander 50 chaises pour le 1er mai", "fr", "Commander 50 chaises", "2027-05-01", "pour le 1er mai", None),
    ("Tenir les réunions lundi et mardi", "fr", "Tenir les réunions lundi et mardi", None, None, None),
    # --- French: labels and quantities stay in the title ---
    ("Rapport 12 jeudi 14h", "fr", "Rapport 12", "2026-12-03T14:00", "jeudi 14h", None),
    ("Salle 12 lundi", "fr", "Salle 12", "2026-11-30", "lundi", None),
    ("Atelier 3 jeudi 10h", "fr", "Atelier 3", "2026-12-03T10:00", "jeudi 10h", None),
    ("Lot 2 vendredi", "fr", "Lot 2", "2026-11-27", "vendredi", None),
    ("Salle 12 demain 14h", "fr", "Salle 12", "2026-11-27T14:00", "demain 14h", None),
    ("Salle 12 en janvier", "fr", "Salle 12", "2027-01-01", "en janvier", None),
    ("Semaine 12 lundi 9h30", "fr", "Semaine 12", "2026-11-30T09:30", "lundi 9h30", None),
    ("Lot 2 3 décembre", "fr", "Lot 2", "2026-12-03", "3 décembre", None),
    ("Salle 12 décembre", "fr", "Salle", "2026-12-12", "12 décembre", None),
    ("Dossier A mardi", "fr", "Dossier A", "2026-12-01", "mardi", None),
    ("Plan A demain", "fr", "Plan A", "2026-11-27", "demain", None),
    ("Bâtiment A 14h", "fr", "Bâtiment A", "2026-11-26T14:00", "14h", None),
    ("Appeler Paul a 14h", "fr", "Appeler Paul", "2026-11-26T14:00", "a 14h", None),
    ("A demain", "fr", "", "2026-11-27", "A demain", None),
    # --- French: a weekday and a day of the month that must agree ---
    ("Réunion jeudi 3 décembre 14h", "fr", "Réunion", "2026-12-03T14:00", "jeudi 3 décembre 14h", None),
    ("Réunion jeudi 12 14h", "fr", "Réunion", None, "jeudi 12 14h", "jeudi 12 14h"),
    ("Réunion jeudi 12 novembre", "fr", "Réunion", None, "jeudi 12 novembre", "jeudi 12 novembre"),
    ("Rapport d'ici le jeudi 12 novembre", "fr", "Rapport", None, "d'ici le jeudi 12 novembre", "le jeudi 12 novembre"),
    ("Préparer la réunion du jeudi 12 novembre", "fr", "Préparer la réunion du jeudi 12 novembre", None, None, None),
    # --- English ---
    (
        "Send the minutes to the partners by Friday",
        "en",
        "Send the minutes to the partners",
        "2026-11-27",
        "by Friday",
        None,
    ),
    ("Book the room tomorrow at 2pm", "en", "Book the room", "2026-11-27T14:00", "tomorrow at 2pm", None),
    ("Call Bob on the 3rd", "en", "Call Bob", "2026-12-03", "on the 3rd", None),
    ("Finish the report within 2 weeks", "en", "Finish the report", "2026-12-10", "within 2 weeks", None),
    ("Follow up in 3 days", "en", "Follow up", "2026-11-29", "in 3 days", None),
    ("Write the post by the end of the month", "en", "Write the post", "2026-11-30", "by the end of the month", None),
    ("Prepare slides for Monday", "en", "Prepare slides", "2026-11-30", "for Monday", None),
    ("Report due Friday", "en", "Report", "2026-11-27", "due Friday", None),
    ("Plan the trip in May", "en", "Plan the trip", "2027-05-01", "in May", None),
    (
        "Book the venue for the January 15 meeting by January 10",
        "en",
        "Book the venue for the January 15 meeting",
        "2027-01-10",
        "by January 10",
        None,
    ),
    ("Send invoices before the audit", "en", "Send invoices", None, "before the audit", "the audit"),
    ("Recruit 2 volunteers", "en", "Recruit 2 volunteers", None, None, None),
    ("Publish the 2026 report", "en", "Publish the 2026 report", None, None, None),
    ("Put 300 flyers in 4 schools", "en", "Put 300 flyers in 4 schools", None, None, None),
    ("Publish report in 2027", "en", "Publish report in 2027", None, None, None),
    ("Cancel the picnic due to rain", "en", "Cancel the picnic due to rain", None, None, None),
    ("Send invoices before leaving", "en", "Send invoices before leaving", None, None, None),
    ("Check what we may", "en", "Check what we may", None, None, None),
    ("Organise the Christmas party", "en", "Organise the Christmas party", None, None, None),
    ("Prepare the meeting of Monday", "en", "Prepare the meeting of Monday", None, None, None),
    ("Clean up after Monday", "en", "Clean up after Monday", None, None, None),
    ("Buy flowers for the May 1 party", "en", "Buy flowers for the May 1 party", None, None, None),
    ("Meet Anna at 6", "en", "Meet Anna", "2026-11-26T18:00", "at 6", None),
    (
        "Send the invites next Tuesday at 10:30am",
        "en",
        "Send the invites",
        "2026-12-01T10:30",
        "next Tuesday at 10:30am",
        None,
    ),
    # --- English: labels and quantities stay in the title ---
    ("Plan A Monday", "en", "Plan A", "2026-11-30", "Monday", None),
    ("Plan A by Friday", "en", "Plan A", "2026-11-27", "by Friday", None),
    ("Room 12 Monday", "en", "Room 12", "2026-11-30", "Monday", None),
    ("Workshop 3 Thursday 10am", "en", "Workshop 3", "2026-12-03T10:00", "Thursday 10am", None),
    ("Lot 2 Friday", "en", "Lot 2", "2026-11-27", "Friday", None),
    ("Room 12 tonight", "en", "Room 12", "2026-11-26T20:00", "tonight", None),
    ("Step 2 by Friday", "en", "Step 2", "2026-11-27", "by Friday", None),
    ("Gate 4 Monday morning", "en", "Gate 4", "2026-11-30T09:00", "Monday morning", None),
    # --- English: a weekday and a day of the month that must agree ---
    ("Meeting Thursday December 3 at 2pm", "en", "Meeting", "2026-12-03T14:00", "Thursday December 3 at 2pm", None),
    ("Meeting Thursday 12th", "en", "Meeting", None, "Thursday 12th", "Thursday 12th"),
    ("Report by Thursday December 12", "en", "Report", None, "by Thursday December 12", "Thursday December 12"),
    # --- an impossible date in figures before a time: not the time alone (before: due today 14:00, the date
    # left in the title) ---
    ("Réserver la salle le 31/02 à 14h", "fr", "Réserver la salle", None, "le 31/02 à 14h", "le 31/02 à 14h"),
    ("Réserver la salle 31/02/2027 14h", "fr", "Réserver la salle", None, "31/02/2027 14h", "31/02/2027 14h"),
    ("Book the room on 02/31 at 2pm", "en", "Book the room", None, "on 02/31 at 2pm", "on 02/31 at 2pm"),
    ("Lot 12/3 lundi", "fr", "Lot 12/3", "2026-11-30", "lundi", None),  # a possible date stays a label
    ("Réserver la salle le 31/02", "fr", "Réserver la salle", None, "le 31/02", "le 31/02"),  # no marker either
    ("Book the room 02/30", "en", "Book the room", None, "02/30", "02/30"),
    # --- figures before a day word are the title's (before: "Version 1.2 demain" was titled "Version") ---
    ("Publier la version 1.2 demain", "fr", "Publier la version 1.2", "2026-11-27", "demain", None),
    ("Salle 2/3 demain", "fr", "Salle 2/3", "2026-11-27", "demain", None),
    ("Release 2.0 tomorrow", "en", "Release 2.0", "2026-11-27", "tomorrow", None),
    ("Réunion 15/12 à 14h", "fr", "Réunion", "2026-12-15T14:00", "15/12 à 14h", None),
]


def _expected(expected: str) -> datetime:
    text = expected if "T" in expected else expected + "T00:00"
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(PARIS))


@pytest.mark.parametrize(
    ("text", "language", "title", "expected", "due_text", "not_understood"),
    CASES,
    ids=[f"{case[1]}:{case[0][:50]}" for case in CASES],
)
def test_split_due(
    text: str,
    language: str,
    title: str,
    expected: str | None,
    due_text: str | None,
    not_understood: str | None,
) -> None:
    split = split_due(text, NOW, PARIS, language)
    assert split.title == title
    assert split.not_understood == not_understood
    if expected is None:
        assert split.when is None
    else:
        assert split.when is not None
        assert split.when.at.isoformat() == _expected(expected).isoformat()
        assert split.when.has_time is ("T" in expected)
    if due_text is not None or expected is not None:
        assert split.due_text == due_text
    else:
        assert split.due_text is None


def test_cases_count() -> None:
    assert len(CASES) >= 30
    assert {case[1] for case in CASES} == {"fr", "en"}


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_text(text: str) -> None:
    empty = DueSplit(title="", when=None, due_text=None, not_understood=None)
    assert split_due(text, NOW, PARIS, "fr") == empty


def test_past_due_is_returned_for_the_caller_to_refuse() -> None:
    split = split_due("Envoyer le budget hier", NOW, PARIS, "fr")
    assert split.title == "Envoyer le budget"
    assert split.when is not None and split.when.at < NOW


def test_whole_text_is_a_date() -> None:
    split = split_due("demain 14h", NOW, PARIS, "fr")
    assert split.title == "" and split.when is not None and split.due_text == "demain 14h"


@pytest.mark.parametrize(
    "text",
    [
        "x" * 10_000,
        "mot " * 2_500,
        ("lundi " * 1_700) + "demain",
        "9" * 10_000,
        "🎉" * 3_000 + " avant lundi",
        "שלום עולם לפני מחר",
        "'; DROP TABLE commitments; -- d'ici lundi",
        "<script>alert('x')</script> by Friday",
        '"Quoted" «guillemets» d’ici vendredi',
        "\u202e\u200f avant \u200e 15/12",
        "avant",
        "d'ici",
        "by",
        "\x00\x01\x02",
        "le le le le le le le le le le le le le le 3",
        "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16",
        "((((((((((((((((((((((((((((((( lundi",
        "d'ici " + "très " * 5_000,
    ],
)
def test_hostile_input_never_raises_and_stays_fast(text: str) -> None:
    for language in ("fr", "en"):
        started = time.perf_counter()
        split = split_due(text, NOW, PARIS, language)
        assert isinstance(split, DueSplit)
        assert time.perf_counter() - started < 0.25
        assert split.when is not None or split.title or split.not_understood or not text.strip("\x00\x01\x02")


def test_hostile_text_keeps_its_title() -> None:
    split = split_due("<b>Fête</b> 🎉 '; DROP TABLE t; -- by tomorrow", NOW, PARIS, "en")
    assert split.title == "<b>Fête</b> 🎉 '; DROP TABLE t"
    assert split.due_text == "by tomorrow"
    assert split.when is not None and split.when.at.date().isoformat() == "2026-11-27"


def test_typical_sentence_is_fast() -> None:
    sentences = [text for text, *_rest in CASES]
    for text in sentences:  # warm up dateparser's language data
        split_due(text, NOW, PARIS, "fr")
    started = time.perf_counter()
    for text, language, *_rest in CASES:
        split_due(text, NOW, PARIS, language)
    average = (time.perf_counter() - started) / len(CASES)
    assert average < 0.05


@pytest.mark.parametrize("text", ["'; DROP TABLE items; --", "Relire le « guide » :", "Voir (lundi ?)-"])
def test_title_without_due_is_kept_intact(text: str) -> None:
    split = split_due(text, NOW, PARIS, "fr")
    if split.when is None and split.not_understood is None:
        assert split.title == text
