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

from bot.dates.words import MONTHS_ABBR, MONTHS_FULL, NUMBER_WORDS, WEEKDAYS_ABBR, WEEKDAYS_FULL
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


def clock_shaped(hours: str, minutes: str) -> bool:
    """Figures with a dot that may be a time ("9.30", "20.05"): never read as a date in the other order."""
    return int(hours) <= 23 and len(minutes) == 2 and int(minutes) % 5 == 0


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
