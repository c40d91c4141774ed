"""When a due date written in the other language, at the end of a title, is plainly one (bot.dates.due_split,
for /engage and /meeting). A text that is all date (/edit #N due …, the form's due field: bot.dates.core.parse_when)
is read in the other language whatever its words, never its figures (DATE_FIGURES).

A community that speaks both languages writes in both, but a single word or a name of the other language is
not a date ("Black Friday", "à May", "Le Soir", "Dimanche"), nor are figures, whose order is that language's
("12/03").  What is plainly a date: after one of that language's due-date markers ("d'ici vendredi", "by
Friday"), or a relative phrase ("mardi prochain", "next Tuesday"), and not a name after a marker: "Lyon by Night",
"Energy for Tomorrow" (a capitalised word that is no weekday, month or holiday).  Where the member's language reads
only a time at the end ("COPIL mardi prochain 14h", "Call Ann demain 14h" from a member in English), the other
language's longer reading wins only when the words it adds are a date on their own naming a day (plainly_before).
"""

from __future__ import annotations

import re

from bot.dates.repairs import extract_clock
from bot.dates.vocab import pattern_form
from bot.dates.words import HOLIDAYS, MONTHS_ABBR, MONTHS_FULL, WEEKDAYS_FULL

OTHER_LANGUAGE = {"fr": "en", "en": "fr"}
_MARKERS = {
    "fr": {"d'ici", "avant", "pour", "au plus tard", "date limite", "dernier delai", "echeance", "jusqu'au"},
    "en": {"by", "before", "due", "for", "no later than", "until", "till"},
}
_CONNECTORS = {"on", "at", "le", "a", "vers", "around"}
_ARTICLES = {"le", "la", "l'", "les", "the", "on"}
_RELATIVE = {"prochain", "prochaine", "next"}
DATE_FIGURES = re.compile(r"\d[/.\-]\d(?!\d*\s*(?:heures?|hours?|hrs?|h|minutes?|mins?|jours?|days?|j)(?![\w.]))")
_DAY_WORDS = {"demain", "apres-demain", "aujourd'hui", "ce soir", "ce matin", "demain matin", "demain soir"}
_DAY_WORDS |= {"tomorrow", "today", "tonight", "this morning", "this evening", "tomorrow morning", "tomorrow evening"}
_STARTS = {"tomorrow", "demain", "today", "aujourd'hui", "end", "fin", "mid", "mi", "early", "debut", "late"}
_NAMED = {
    lang: {
        *WEEKDAYS_FULL[lang],
        *MONTHS_FULL[lang],
        *MONTHS_ABBR[lang],
        *(word for name in HOLIDAYS[lang] for word in name.split()),
    }
    for lang in ("fr", "en")
}


def plainly_due(due_text: str, lang: str, title_end: str = "") -> bool:
    """due_text, read in the other language than `lang` (the member's), is plainly a due date there; title_end is
    the title's last word, as written."""
    due = pattern_form(due_text)
    words = due.split()
    if len(words) < 2 or DATE_FIGURES.search(due):
        return False
    other = OTHER_LANGUAGE[lang]
    marker = next((marker for marker in _MARKERS[other] if due.startswith(marker + " ")), None)
    if marker is None:
        return any(word in _RELATIVE for word in words) and not any(_name(w, other) for w in due_text.split()[1:])
    after = due_text.split()[len(marker.split()) :]
    return not _name_after_marker(after, other, title_end)


def _name(word: str, lang: str) -> bool:
    """A capitalised word that is no weekday, month or holiday of lang ("Night"; not "EOD", "Dec", "Friday")."""
    return word[:1].isupper() and not word.isupper() and pattern_form(word).rstrip(".") not in _NAMED[lang]


def _name_after_marker(after: list[str], lang: str, title_end: str) -> bool:
    """The words after the marker start with a name: "Lyon by Night", "Energy for Tomorrow"; not "by Next Friday",
    "by Monday Morning", "by Tomorrow Noon", "by End of March", "by Mid-December", "d'ici Fin Janvier", nor a day
    word after a title in lowercase ("the report By Tomorrow", "le rapport Pour Demain")."""
    first = after[0] if after else ""
    form = pattern_form(first).rstrip(".")
    if not _name(first, lang) or form in _RELATIVE or any(part in _NAMED[lang] for part in form.split("-")):
        return False
    if form in _STARTS and len(after) > 1:
        return False  # "Tomorrow Noon", "End of March", "Fin Janvier"
    return not (form in _DAY_WORDS and title_end[:1].islower())


def plainly_before(extra_text: str, plain: bool, timed: bool, lang: str) -> bool:
    """The other language's words before the member's own due phrase ("mardi prochain" before "14h"), in a phrase
    plainly a due date there (`plain`), name a day (a weekday, a month, next/prochain) or are only its marker ("by
    the 15th"); or they are a day word in lowercase before a time (`timed`: "demain 14h")."""
    other = OTHER_LANGUAGE[lang]
    words = pattern_form(extra_text).split()
    bare = [word for word in words if word not in _CONNECTORS]
    if timed and " ".join(bare) in _DAY_WORDS and extra_text.strip().islower():
        return True  # "Call Ann demain 14h" from a member in English: tomorrow at 14:00
    if timed and len(bare) == 1 and bare[0] in WEEKDAYS_FULL[other] and len(words) > 1:
        return True  # "Call Paul on Monday at 9.30" from a member in French (not "Black Friday 14h")
    if " ".join(word for word in words if word not in _ARTICLES) in _MARKERS[other] | {""}:
        return plain  # "by the 15th" from a member in French, who reads "the 15th": the marker goes with it
    named = {*WEEKDAYS_FULL[other], *MONTHS_FULL[other], *_RELATIVE}
    return plain and any(word in named for word in words)


# a weekday in a name, not a day: "Préparer le Black Friday 14h" is today at 14:00, its title keeps the name
NAMED_DAYS = {"black friday", "cyber monday", "good friday", "super tuesday", "ash wednesday", "maundy thursday"}
NAMED_DAYS |= {"holy thursday", "palm sunday", "easter sunday", "easter monday", "vendredi saint", "jeudi saint"}


def weekday_left(title: str, due_text: str, lang: str) -> bool:
    """The member's language read only a time and left a weekday of either language at the end of the title, right
    before it ("Call Paul Monday 14h" from a member in French, "Meet Dimanche 14h" from one in English): the day must
    be read with the time, or no date at all, never today at that time."""
    words = [pattern_form(word) for word in title.split()]  # "Lire « Avant lundi » avant midi": no weekday left
    words = words[:-1] if words[-1:] in (["a"], ["at"]) else words  # "Call Paul Monday à 14h"
    if (
        not words
        or all(words[-1] not in WEEKDAYS_FULL[each] for each in OTHER_LANGUAGE)
        or (" ".join(words[-2:]) in NAMED_DAYS)
    ):
        return False
    extracted = extract_clock(pattern_form(due_text), lang)
    return extracted is not None and extracted[0] is not None and not extracted[1]


def reads_weekday_left(other_title: str, other_due: str, title: str) -> bool:
    """The other language's reading takes that weekday with the time, and only it ("Monday 14h")."""
    first = (pattern_form(other_due).split() or [""])[0]
    return title.startswith(other_title) and any(first in WEEKDAYS_FULL[each] for each in OTHER_LANGUAGE)
