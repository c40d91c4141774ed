"""Words (months, weekdays, numbers, holidays) and text normalisation shared by the date parser
(bot.dates.repairs, bot.dates.days) and bot.dates.due_split.

Everything here works on *folded* text: NFKC, lowercase, no accents, typographic apostrophes and
dashes made plain, commas and stray colons turned into spaces, whitespace collapsed.  Regular
expressions are built once, anchored and without nested quantifiers, so that they stay linear on
hostile input.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date, timedelta

from dateutil.easter import easter

from bot.text import strip_accents

LANGS = ("fr", "en")

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"})
_DASHES = re.compile(r"[\u2010-\u2015\u2212]")
_LOOSE_PUNCT = re.compile(r"[,;\"\u00ab\u00bb\u201c\u201d()\[\]{}!?\u2026]|(?<!\d):|:(?!\d)")
_SPACES = re.compile(r"\s+")
_EDGE = re.compile(r"^[\s.'-]+|[\s.'-]+$")


def lang_of(language: str) -> str:
    """ "fr", "fr-FR", "fr_CA"… → "fr"; anything else → "en"."""
    return "fr" if str(language).lower().startswith("fr") else "en"


def clean(text: str) -> str:
    """Lowercase, NFKC, plain apostrophes and dashes, single spaces, no edge punctuation (accents kept)."""
    text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES)
    text = _DASHES.sub("-", text.lower())
    text = _LOOSE_PUNCT.sub(" ", text)
    text = _SPACES.sub(" ", text)
    return _EDGE.sub("", text)


def pattern_form(text: str) -> str:
    """clean() then without accents: the form every pattern below is written for."""
    return strip_accents(clean(text))


def _alt(words: object) -> str:
    """A regex alternation, longest words first so that "sept" does not shadow "septembre"."""
    return "|".join(sorted((re.escape(str(word)) for word in words), key=len, reverse=True))


MONTHS_FULL: dict[str, dict[str, int]] = {
    "fr": {
        "janvier": 1,
        "fevrier": 2,
        "mars": 3,
        "avril": 4,
        "mai": 5,
        "juin": 6,
        "juillet": 7,
        "aout": 8,
        "septembre": 9,
        "octobre": 10,
        "novembre": 11,
        "decembre": 12,
    },
    "en": {
        "january": 1,
        "february": 2,
        "march": 3,
        "april": 4,
        "may": 5,
        "june": 6,
        "july": 7,
        "august": 8,
        "september": 9,
        "october": 10,
        "november": 11,
        "december": 12,
    },
}
MONTHS_ABBR: dict[str, dict[str, int]] = {
    "fr": {"janv": 1, "fev": 2, "fevr": 2, "avr": 4, "juil": 7, "sept": 9, "oct": 10, "nov": 11, "dec": 12},
    "en": {
        "jan": 1,
        "feb": 2,
        "mar": 3,
        "apr": 4,
        "jun": 6,
        "jul": 7,
        "aug": 8,
        "sep": 9,
        "sept": 9,
        "oct": 10,
        "nov": 11,
        "dec": 12,
    },
}
WEEKDAYS_FULL: dict[str, dict[str, int]] = {
    "fr": {"lundi": 0, "mardi": 1, "mercredi": 2, "jeudi": 3, "vendredi": 4, "samedi": 5, "dimanche": 6},
    "en": {
        "monday": 0,
        "tuesday": 1,
        "wednesday": 2,
        "thursday": 3,
        "friday": 4,
        "saturday": 5,
        "sunday": 6,
    },
}
WEEKDAYS_ABBR: dict[str, dict[str, int]] = {
    "fr": {"lun": 0, "mar": 1, "mer": 2, "jeu": 3, "ven": 4, "sam": 5, "dim": 6},
    "en": {
        "mon": 0,
        "tue": 1,
        "tues": 1,
        "wed": 2,
        "thu": 3,
        "thur": 3,
        "thurs": 3,
        "fri": 4,
        "sat": 5,
        "sun": 6,
    },
}
NUMBER_WORDS: dict[str, dict[str, int]] = {
    "fr": {
        "un": 1,
        "une": 1,
        "deux": 2,
        "trois": 3,
        "quatre": 4,
        "cinq": 5,
        "six": 6,
        "sept": 7,
        "huit": 8,
        "neuf": 9,
        "dix": 10,
        "onze": 11,
        "douze": 12,
        "treize": 13,
        "quatorze": 14,
        "quinze": 15,
        "seize": 16,
        "vingt": 20,
        "trente": 30,
        "quarante-huit": 48,
        "quarante": 40,
    },
    "en": {
        "a": 1,
        "an": 1,
        "one": 1,
        "two": 2,
        "three": 3,
        "four": 4,
        "five": 5,
        "six": 6,
        "seven": 7,
        "eight": 8,
        "nine": 9,
        "ten": 10,
        "eleven": 11,
        "twelve": 12,
        "thirteen": 13,
        "fourteen": 14,
        "fifteen": 15,
        "sixteen": 16,
        "twenty": 20,
        "thirty": 30,
        "forty-eight": 48,
        "a couple of": 2,
    },
}


def _fixed(month: int, day: int) -> Callable[[int], date]:
    return lambda year: date(year, month, day)


def _easter(offset: int) -> Callable[[int], date]:
    return lambda year: easter(year) + timedelta(days=offset)


HOLIDAYS: dict[str, dict[str, Callable[[int], date]]] = {
    "fr": {
        "noel": _fixed(12, 25),
        "jour de noel": _fixed(12, 25),
        "reveillon": _fixed(12, 24),
        "reveillon de noel": _fixed(12, 24),
        "nouvel an": _fixed(1, 1),
        "jour de l'an": _fixed(1, 1),
        "saint sylvestre": _fixed(12, 31),
        "reveillon du nouvel an": _fixed(12, 31),
        "toussaint": _fixed(11, 1),
        "paques": _easter(0),
        "lundi de paques": _easter(1),
        "ascension": _easter(39),
        "pentecote": _easter(49),
        "lundi de pentecote": _easter(50),
        "saint valentin": _fixed(2, 14),
        "fete du travail": _fixed(5, 1),
        "fete nationale": _fixed(7, 14),
        "armistice": _fixed(11, 11),
        "halloween": _fixed(10, 31),
    },
    "en": {
        "christmas": _fixed(12, 25),
        "christmas day": _fixed(12, 25),
        "xmas": _fixed(12, 25),
        "christmas eve": _fixed(12, 24),
        "new year": _fixed(1, 1),
        "new year's day": _fixed(1, 1),
        "new years day": _fixed(1, 1),
        "new year's eve": _fixed(12, 31),
        "new years eve": _fixed(12, 31),
        "nye": _fixed(12, 31),
        "easter": _easter(0),
        "easter sunday": _easter(0),
        "easter monday": _easter(1),
        "good friday": _easter(-2),
        "halloween": _fixed(10, 31),
        "valentine's day": _fixed(2, 14),
        "valentines day": _fixed(2, 14),
    },
}


def month_number(word: str, lang: str) -> int:
    word = word.rstrip(".")
    return MONTHS_FULL[lang].get(word) or MONTHS_ABBR[lang][word]


def weekday_number(word: str, lang: str) -> int:
    word = word.rstrip(".")
    return WEEKDAYS_FULL[lang].get(word, WEEKDAYS_ABBR[lang].get(word, -1))


def number_value(word: str, lang: str) -> int:
    return int(word) if word.isdigit() else NUMBER_WORDS[lang][word]


class Vocab:
    """Regex fragments for one language (built once per language, see VOCAB)."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.month_full = _alt(MONTHS_FULL[lang])
        self.month_any = _alt([*MONTHS_FULL[lang], *MONTHS_ABBR[lang]])
        self.weekday_full = _alt(WEEKDAYS_FULL[lang])
        self.weekday_any = _alt([*WEEKDAYS_FULL[lang], *WEEKDAYS_ABBR[lang]])
        self.number = r"\d{1,3}|" + _alt(NUMBER_WORDS[lang])
        hint_words = _HINT_WORDS[lang]
        # A cheap test run before any real parsing: a digit, a month or weekday name, or a relative word.
        self.hint = re.compile(
            r"\d|\b(?:" + _alt([*MONTHS_FULL[lang], *MONTHS_ABBR[lang], *WEEKDAYS_FULL[lang], *hint_words]) + r")\b"
        )
        # What dateparser may be asked about: only phrases made of date words (see bot.dates.core).
        self.token_ok = re.compile(
            r"(?:\d{1,4}(?:st|nd|rd|th|er|e|eme|h|am|pm|j)?|\d{1,2}[h:.]\d{2}(?:am|pm)?"
            r"|\d{1,4}(?:[/.-]\d{1,4}){1,2}|"
            + _alt(
                [
                    *MONTHS_FULL[lang],
                    *MONTHS_ABBR[lang],
                    *WEEKDAYS_FULL[lang],
                    *WEEKDAYS_ABBR[lang],
                    *NUMBER_WORDS[lang],
                    *hint_words,
                    *_SMALL_WORDS[lang],
                ]
            )
            + r")\.?"
        )
        # What makes a phrase worth asking dateparser: a full month or weekday name, a day word, or a
        # leading duration preposition ("dans 2 semaines et 3 jours"); never numbers alone ("3 jours").
        self.strong_hint = re.compile(
            r"^(?:dans|sous|d'ici|in|within)\s|\b(?:"
            + _alt([*MONTHS_FULL[lang], *WEEKDAYS_FULL[lang], *_DAY_WORDS[lang]])
            + r")\b"
        )


_DAY_WORDS = {
    "fr": ["aujourd'hui", "demain", "apres-demain", "hier", "avant-hier"],
    "en": ["today", "tomorrow", "yesterday", "tonight"],
}
_HINT_WORDS = {
    "fr": [
        *_DAY_WORDS["fr"],
        "auj",
        "soir",
        "matin",
        "midi",
        "minuit",
        "apres-midi",
        "aprem",
        "semaine",
        "semaines",
        "mois",
        "trimestre",
        "annee",
        "an",
        "ans",
        "jour",
        "jours",
        "journee",
        "heure",
        "heures",
        "minutes",
        "week-end",
        "weekend",
        "fin",
        "debut",
        "mi",
        "milieu",
        "noel",
        "paques",
        "toussaint",
        "nouvel",
        "sylvestre",
        "reveillon",
        "valentin",
        "ascension",
        "pentecote",
        "armistice",
        "halloween",
        "huitaine",
        "quinzaine",
        "prochain",
        "prochaine",
        "fete",
        "jour",
    ],
    "en": [
        *_DAY_WORDS["en"],
        "tmrw",
        "tmw",
        "noon",
        "midnight",
        "morning",
        "evening",
        "afternoon",
        "night",
        "week",
        "weeks",
        "month",
        "months",
        "quarter",
        "year",
        "years",
        "day",
        "days",
        "hour",
        "hours",
        "minutes",
        "weekend",
        "end",
        "beginning",
        "start",
        "early",
        "mid",
        "middle",
        "late",
        "christmas",
        "xmas",
        "easter",
        "halloween",
        "valentine's",
        "valentines",
        "new",
        "eod",
        "eow",
        "eom",
        "eoq",
        "eoy",
        "cob",
        "fortnight",
        "next",
        "overmorrow",
        "nye",
    ],
}
_SMALL_WORDS = {
    "fr": [
        "le",
        "la",
        "les",
        "l'",
        "de",
        "du",
        "des",
        "d'",
        "a",
        "au",
        "aux",
        "et",
        "dans",
        "il",
        "y",
        "ya",
        "dernier",
        "derniere",
        "apres",
        "avant",
        "en",
        "ce",
        "cet",
        "cette",
        "qui",
        "vient",
        "plus",
        "tard",
        "depuis",
        "d'ici",
        "sous",
        "pour",
        "vers",
        "h",
        "min",
        "mn",
        "sem",
        "huit",
        "quinze",
        "suivant",
        "suivante",
    ],
    "en": [
        "the",
        "of",
        "on",
        "at",
        "in",
        "and",
        "next",
        "last",
        "this",
        "after",
        "before",
        "from",
        "now",
        "ago",
        "later",
        "by",
        "within",
        "for",
        "until",
        "am",
        "pm",
        "a",
        "an",
        "coming",
        "following",
        "h",
        "min",
        "mins",
        "hr",
        "hrs",
        "week's",
        "days'",
        "weeks'",
        "time",
    ],
}

VOCAB = {lang: Vocab(lang) for lang in LANGS}
