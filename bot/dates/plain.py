"""When a due date written in the other language, at the end of a title, is plainly one (bot.dates.due_split,
for /engage and /meeting). A text that is all date (/edit #N due …, the form's due field: bot.dates.core.parse_when)
is read in the other language whatever its words, never its figures (DATE_FIGURES).

A community that speaks both languages writes in both, but a single word or a name of the other language is
not a date ("Black Friday", "à May", "Le Soir", "Dimanche"), nor are figures, whose order is that language's
("12/03").  What is plainly a date: after one of that language's due-date markers ("d'ici vendredi", "by
Friday"), or a relative phrase ("mardi prochain", "next Tuesday").
"""

from __future__ import annotations

import re

from bot.dates.vocab import pattern_form

OTHER_LANGUAGE = {"fr": "en", "en": "fr"}
_MARKERS = {
    "fr": {"d'ici", "avant", "pour", "au plus tard", "date limite", "dernier delai", "echeance", "jusqu'au"},
    "en": {"by", "before", "due", "for", "no later than", "until", "till"},
}
_RELATIVE = {"prochain", "prochaine", "next"}
DATE_FIGURES = re.compile(r"\d[/.\-]\d")


def plainly_due(due_text: str, lang: str) -> bool:
    """due_text, read in the other language than `lang` (the member's), is plainly a due date there."""
    due = pattern_form(due_text)
    words = due.split()
    if len(words) < 2 or DATE_FIGURES.search(due):
        return False
    marked = any(due.startswith(marker + " ") for marker in _MARKERS[OTHER_LANGUAGE[lang]])
    return marked or any(word in _RELATIVE for word in words)
