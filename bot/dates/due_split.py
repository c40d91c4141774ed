"""split_due: separate the title of an /engage argument from its due date (see bot.dates for the rules).

How it works, cheaply: only the last MAX_WORDS words are looked at.  Every suffix of them is a
candidate, longest first; a candidate is parsed only when it contains something date-like (a digit,
a month or weekday name, a relative word), so parse_when runs a few times at most and dateparser
almost never.  The first candidate that parses decides:

* it starts with a marker ("d'ici", "pour", "by", "in"…): it is the due part;
* it has no marker: it is the due part unless the word before binds it to the title ("la réunion
  *du* 15 janvier", "the fête *of* Monday", "lundi *et* mardi") or it is only a month or a holiday
  name ("Observer Mars", "Préparer Noël"), which need a marker ("pour Noël", "by March"), or a bare
  early hour ("Animer l'atelier 2h" is a length: "à 2h" is a time).

Labels stay in the title.  A number before a weekday or a day word is a label or a quantity, never a
date ("Salle 12 lundi", "Atelier 3 jeudi 10h", "Lot 2 vendredi", "Room 12 tomorrow": the title keeps
the number, the due part starts after it); a number before a month is a date ("Lot 2 3 décembre" is
due 3 December, "Salle 12 décembre" is due 12 December).  An uppercase "A" after a word is a label
("Plan A", "Dossier A mardi", "Bâtiment A 14h", "Plan A Monday"); only a lowercase "a" is read as "à"
("Appeler Paul a 14h"), and a leading "A" too ("A demain").  A number with dots after a word such as version,
article, résolution, section or bug is its number, not a date ("Publier la version 1.2", "l'article 4.2"); after
a product's name it is a date ("Formation Moodle 15.12": trainings are named after software; "Python 3.10" too).
Words in quotes are the title's ("Lire « Avant lundi »", "Read “Before Monday” by Friday": bot.dates.quotes).

A candidate whose weekday and date never agree ("Réunion jeudi 12 novembre", see bot.dates) stops the
search: when is None, due_text is the candidate and not_understood its words after the marker.

When nothing parses and a clear marker (d'ici, avant, au plus tard, échéance, by, before, due) is
followed by words, those words are returned as not_understood instead of being lost in the title,
except where the marker is plainly not about time ("avant de partir", "due to rain", "before
leaving", "avant tout").
"""

from __future__ import annotations

import logging
import re
from collections import deque
from dataclasses import dataclass
from datetime import datetime

from bot.dates.core import When, local_now, read_local, zone_of
from bot.dates.plain import NAMED_DAYS, OTHER_LANGUAGE, plainly_before, plainly_due, reads_weekday_left, weekday_left
from bot.dates.quotes import quotes_in
from bot.dates.repairs import extract_clock
from bot.dates.vocab import VOCAB, clock_shaped, lang_of, pattern_form
from bot.dates.words import HOLIDAYS, MONTHS_ABBR, MONTHS_FULL, WEEKDAYS_FULL, exists

log = logging.getLogger(__name__)

MAX_WORDS = 12  # a due phrase is never longer ("au plus tard le vendredi 27 novembre 2026 à 14h30")
MAX_CANDIDATE_CHARS = 160


@dataclass(frozen=True)
class DueSplit:
    title: str  # the text without the due phrase (stripped, no trailing marker/punctuation)
    when: When | None
    due_text: str | None  # the phrase taken as the due part (incl. marker), as typed
    not_understood: str | None  # words after a CLEAR marker that could not be parsed, else None


_MARKERS: dict[str, dict[str, list[tuple[str, ...]]]] = {
    "fr": {
        "clear": [
            ("au", "plus", "tard"),
            ("date", "limite"),
            ("dernier", "delai"),
            ("d'ici",),
            ("avant",),
            ("echeance",),
        ],
        "weak": [("pour",), ("dans",), ("sous",), ("en",), ("jusqu'au",), ("jusqu'a",), ("jusqu'en",)],
    },
    "en": {
        "clear": [("no", "later", "than"), ("by",), ("before",), ("due",)],
        "weak": [("in",), ("on",), ("within",), ("for",), ("until",), ("till",), ("deadline",)],
    },
}
_BINDING = {
    "fr": {
        "de",
        "du",
        "des",
        "d'",
        "l'",
        "et",
        "ou",
        "entre",
        "apres",
        "depuis",
        "chaque",
        "tous",
        "toutes",
        "sauf",
        "dont",
        "comme",
    },
    "en": {"of", "the", "and", "or", "between", "after", "since", "from", "every", "each", "except", "like", "than"},
}
_NOT_TIME_AFTER = {
    "fr": re.compile(r"(?:de|que|tout|toute|tous|toutes|cela|ca|ceci)(?:\s|$)|d'|qu'"),
    "en": re.compile(r"(?:to|that|all|anything|everything|means)(?:\s|$)|\w+ing(?:\s|$)"),
}
_TIME_INGS = {"morning", "evening", "spring", "beginning", "starting"}
_TRAILING_JUNK = re.compile(r"[\s,;:\-\u2013\u2014(\[/|]+$")


def _weak_alone(lang: str) -> re.Pattern[str]:
    names = [*MONTHS_FULL[lang], *HOLIDAYS[lang]]
    alternation = "|".join(sorted((re.escape(name) for name in names), key=len, reverse=True))
    # A month or holiday alone, or an early bare hour ("Animer l'atelier 2h" is a length, not a time).
    return re.compile(r"(?:(?:le|la|l'|the|en|in)\s*)?(?:" + alternation + r")(?:\s+\d{4})?|0?[0-6]\s*h")


_WEAK_ALONE = {lang: _weak_alone(lang) for lang in ("fr", "en")}


def split_due(text: str, now: datetime, tz: str, language: str) -> DueSplit:
    """Split "<what> [due]" into a title and a due date (When), never raising on odd text. A due date is looked
    for in the member's language, then in the other one (a community that speaks both writes in both), but only
    when it is plainly a due date there (see _plainly_due) and the member's language did not keep a date in the
    title on purpose ("la réunion du 03/12", "Préparer Noël"); the other language's reading also wins where it is
    plainly a due date that ends with the member's ("COPIL mardi prochain 14h" from a member in English)."""
    zone = zone_of(tz)
    if not isinstance(text, str) or not text.strip():
        return DueSplit(title="", when=None, due_text=None, not_understood=None)
    try:
        lang, local = lang_of(language), local_now(now, zone)
        found, kept = _split(text, local, lang)
        nothing = found.when is None and found.due_text is None and found.not_understood is None
        if not kept and (nothing or found.when is not None):
            other, _ = _split(text, local, OTHER_LANGUAGE[lang])
            plain = _plainly_due(other, lang) or _timed_day(other, lang) if nothing else _covers(other, found, lang)
            if other.when is not None and plain:
                return other
        if not kept and found.when is not None and weekday_left(found.title, found.due_text or "", lang):
            other, _ = _split(text, local, OTHER_LANGUAGE[lang])  # "Call Paul Monday 14h": Monday, or no date
            covered = other.when is not None and reads_weekday_left(other.title, other.due_text or "", found.title)
            return other if covered else DueSplit(title=text.strip(), when=None, due_text=None, not_understood=None)
        return found
    except Exception:  # never break /engage: keep the whole text as the title
        log.exception("could not split a due date out of %r", text[:200])
        return DueSplit(title=text.strip(), when=None, due_text=None, not_understood=None)


def _plainly_due(other: DueSplit, lang: str) -> bool:
    """A due date read in the other language is kept only where plainly one (bot.dates.plain) and not bound to
    the title by the member's language ("de 2nd")."""
    before = pattern_form(other.title).split()[-1:] or [""]
    title_end = (other.title.split()[-1:] or [""])[0]
    return plainly_due(other.due_text or "", lang, title_end) and not _binds(before[0], lang)


def _timed_day(other: DueSplit, lang: str) -> bool:
    """The other language's due phrase is a day and a time the member's language reads nothing of ("vendredi à 14 h
    30", "demain 14 h 30" from a member in English)."""
    extracted = extract_clock(pattern_form(other.due_text or ""), OTHER_LANGUAGE[lang])
    timed = other.when is not None and other.when.has_time and extracted is not None and extracted[0] is not None
    before = pattern_form(other.title).split()[-1:] or [""]
    return timed and not _binds(before[0], lang) and plainly_before(extracted[1] + " ", False, True, lang)


def _covers(other: DueSplit, found: DueSplit, lang: str) -> bool:
    """The other language's due phrase ends with the member's and starts before it with words naming a day: "mardi
    prochain 14h" from a member in English, whose language alone reads "14h" and leaves "mardi prochain" in the
    title; not "Lyon by Night 20h" from a member in French (bot.dates.plain)."""
    due, own = other.due_text or "", found.due_text or "\0"
    if len(other.title) >= len(found.title) or not due.endswith(own):
        return False
    before = pattern_form(other.title).split()[-1:] or [""]
    timed = other.when is not None and other.when.has_time
    extra = due[: -len(own)].strip()
    if timed and extra.islower() and extra in WEEKDAYS_FULL[OTHER_LANGUAGE[lang]]:
        return not _binds(before[0], lang)  # "COPIL lundi 14h" from a member in English: lundi is no name
    return not _binds(before[0], lang) and plainly_before(due[: -len(own)], _plainly_due(other, lang), timed, lang)


def _split(text: str, now: datetime, lang: str) -> tuple[DueSplit, bool]:
    """The split in `lang`, and whether a date was kept in the title on purpose ("du 15 janvier", "Noël")."""
    window: deque[tuple[int, int]] = deque(maxlen=MAX_WORDS + 1)
    for match in re.finditer(r"\S+", text):
        window.append(match.span())
    spans = list(window)
    previous = spans.pop(0) if len(spans) > MAX_WORDS else None
    quotes = quotes_in(text)
    while spans and spans[0][0] < quotes.end:  # "Lire « Avant lundi »": words in quotes are the title's
        previous = spans.pop(0)
    if quotes.open_at is not None:  # a quote left open: its first word is the title's, and all of it if a date
        inside = text[quotes.open_at :]
        if any(read_local(inside, now, lang)) or any(read_local(inside, now, OTHER_LANGUAGE[lang])):
            return DueSplit(title=text.strip(), when=None, due_text=None, not_understood=None), True
        while spans and spans[0][0] <= quotes.open_at:
            previous = spans.pop(0)
    words = [pattern_form(text[start:end]) for start, end in spans]
    hint = VOCAB[lang].hint
    failed_marker: int | None = None  # a clear marker whose date could not be read ("d'ici le 32 décembre")
    for index, (start, end) in enumerate(spans):
        candidate = text[start:].strip()
        folded = " ".join(word for word in words[index:] if word)
        if not words[index] or len(candidate) > MAX_CANDIDATE_CHARS or not hint.search(folded):
            continue
        if text[start:end] == "A" and (index or previous):
            continue  # "Plan A", "Dossier A mardi": a label, not "à" (typed "a 14h" without its accent)
        marker = _marker_at(words, index, lang)
        if marker is None and _binds(words[index], lang):
            continue  # "of Monday", "du 15 janvier": judged from the next word on
        if marker is None and index and _NUMBERED.fullmatch(words[index]) and _is_label(words, index - 1):
            continue  # "la version 1.2", "l'article 4.2", "Salle 12.15": a number, not 1 February
        if marker is None and index and words[index - 1] in _ARTICLES and _clock_shaped(words[index]):
            continue  # "le 9.30": no day and month in the member's order (never swapped), nor a time after "le"
        if marker is None and index and f"{words[index - 1]} {words[index]}" in NAMED_DAYS:
            continue  # "Black Friday 14h": a name, not Friday
        if marker is None and words[index] in _BARE_UNITS and _units_of_title(words, index, lang):
            continue  # "minutes by Friday", "de 1,5 heure vendredi": the unit is the title's, not a time
        when, conflict = read_local(candidate, now, lang)
        if when is None and not conflict:
            if marker is not None and marker[0] == "clear" and failed_marker is None:
                failed_marker = index
            continue
        if failed_marker is not None and _date_words_between(words, failed_marker, index, lang):
            return _not_understood(text, spans, words, failed_marker, lang), False
        if marker is None and _cut_from_its_day(words, index, lang):
            # a shorter ending of an impossible date ("32 décembre 10h" read as "décembre 10h")
            return _not_understood(text, spans, words, index, lang), False
        if marker is None:
            before = words[index - 1] if index else (pattern_form(text[previous[0] : previous[1]]) if previous else "")
            if _binds(before, lang) or _WEAK_ALONE[lang].fullmatch(folded.replace("-", " ")):
                return _split_left(text, spans, words, lang), True
        if conflict:  # "jeudi 12 novembre" is a wrong date, not "12 novembre" with "jeudi" in the title
            after = spans[index + (marker[1] if marker else 0)][0]
            wrong = text[after:].strip().rstrip(" .!?;,")
            return DueSplit(title=_tidy(text[:start]), when=None, due_text=candidate, not_understood=wrong), False
        return DueSplit(title=_tidy(text[:start]), when=when, due_text=candidate, not_understood=None), False
    return _split_left(text, spans, words, lang), False


def _split_left(text: str, spans: list[tuple[int, int]], words: list[str], lang: str) -> DueSplit:
    """No date read: the words after a clear marker, or a date that does not exist ("… le 31/02"), are said."""
    left = _clear_marker_left(text, spans, words, lang)
    if left.not_understood is None and spans and _impossible_figures(words[-1], lang, _word_before(words, -1)):
        return _not_understood(text, spans, words, _date_start(words, len(words), lang), lang)
    return left


_NUMBERED = re.compile(r"\d{1,3}(?:\.\d{1,3})+")  # "1.2", "4.2.1": with dots only ("Lot 15/12" may be a date)
_LABELS = {"version", "v", "article", "art", "resolution", "bug", "section", "chapitre", "chapter", "paragraphe"}
_LABELS |= {"alinea", "annexe", "release", "ticket", "issue", "page", "pages", "p"}
# a place or a part, a label only without an article ("Salle 12.15"; "Faire le point 15.12" is 15 December)
_BARE_LABELS = {"salle", "room", "point", "etape", "table", "figure", "diapo", "slide", "lot", "question", "tableau"}


def _clock_shaped(word: str) -> bool:
    return bool(re.fullmatch(r"\d{1,2}\.\d\d", word)) and clock_shaped(*word.split("."))


def _is_label(words: list[str], index: int) -> bool:
    word = words[index].rstrip(".")
    if word in _BARE_LABELS:
        return not index or words[index - 1] not in {*_ARTICLES, "a", "au", "de", "des", "une", "un", "sa", "ma"}
    return word.rsplit("'", 1)[-1] in _LABELS


_ARTICLES = {"le", "la", "les", "l'", "the", "on", "du"}


_BARE_UNITS = {"minute", "minutes", "heure", "heures", "hour", "hours", "jour", "jours", "day", "days"}
_AMOUNT = re.compile(r"\d+(?:[., ]\d+)?|(?:d')?(?:une?|deux|trois|quatre|a|an|one|two|three|four|half)")


def _date_words_between(words: list[str], marker_index: int, index: int, lang: str) -> bool:
    """Between a marker whose date failed and a shorter ending that parsed, only pieces of a date were left out

    ("d'ici | le 32 | décembre 10h", "by | February 30 | 2pm"): the date is impossible, not elsewhere.
    """
    found = _marker_at(words, marker_index, lang)
    start = marker_index + (found[1] if found else 0)
    skipped = [word for word in words[start:index] if word not in _ARTICLES]
    return bool(skipped) and all(_is_month(word, lang) or _DAY_NUMBER.fullmatch(word) for word in skipped)


def _units_of_title(words: list[str], index: int, lang: str) -> bool:
    found = (_marker_at(words, later, lang) for later in range(index + 1, len(words)))  # "minutes by Friday"
    after_number = bool(index and _AMOUNT.fullmatch(words[index - 1]))  # "de 1,5 heure vendredi"
    return after_number or any(marker is not None and marker[0] == "clear" for marker in found)


_DAY_NUMBER = re.compile(r"\d{1,2}(?:er|e|st|nd|rd|th)?")
_FIGURES = re.compile(r"(\d{1,2})/(\d{1,2})(?:/(\d{2}|\d{4}))?")  # with slashes: "2.0" is a version


def _is_month(word: str, lang: str) -> bool:
    return word in MONTHS_FULL[lang] or word.rstrip(".") in MONTHS_ABBR[lang]


def _impossible_figures(word: str, lang: str, before: str = "") -> bool:
    """Figures shaped like a day and a month in the language's own order (French day/month, English month/day),
    or in either after "le"/"the"/"on", that are no day ("31/02", "31/04", "le 02/31"): "50/50", "14/20" and,
    in French, "4/31" are ratios, marks or scores (title text)."""
    found = _FIGURES.fullmatch(word)
    if found is None:
        return False
    first, second = int(found[1]), int(found[2])
    orders = [(second, first) if lang == "en" else (first, second)]
    orders += [orders[0][::-1]] if before in ("le", "the", "on") else []
    shaped = [(day, month) for day, month in orders if 1 <= month <= 12 and 1 <= day <= 31]
    year = int(found[3] or 2028)  # a leap year: 29/02 is a day
    year += 2000 if year < 100 else 0
    return bool(shaped) and not any(exists(year, month, day) for day, month in shaped)


def _cut_from_its_day(words: list[str], index: int, lang: str) -> bool:
    """The candidate lost the day number that made it a date ("31 | février 14h", "February 30 | 2pm"), or the
    impossible date in figures before it ("31/02 | à 14h")."""
    if index == 0:
        return False
    before = words[index - 1]
    if _impossible_figures(before, lang, _word_before(words, index - 1)):
        return True
    if not _DAY_NUMBER.fullmatch(before):
        return False
    return _is_month(words[index], lang) or (index >= 2 and _is_month(words[index - 2], lang))


def _not_understood(text: str, spans: list[tuple[int, int]], words: list[str], index: int, lang: str) -> DueSplit:
    """The due phrase starting at `index` is a date that does not exist: nothing is guessed."""
    marker = _marker_at(words, index, lang)
    after = index + (marker[1] if marker else 0)
    start = spans[index][0]
    if _cut_from_its_day(words, index, lang) and marker is None:
        start = spans[_date_start(words, index, lang)][0]
    wrong_from = spans[min(after, len(spans) - 1)][0] if marker else start
    title = _tidy(text[:start])
    if not title:
        return DueSplit(title=text.strip(), when=None, due_text=None, not_understood=None)
    return DueSplit(
        title=title, when=None, due_text=text[start:].strip(), not_understood=text[wrong_from:].strip().rstrip(" .!?;,")
    )


def _word_before(words: list[str], index: int) -> str:
    index %= len(words)
    return words[index - 1] if index > 0 else ""


def _date_start(words: list[str], index: int, lang: str) -> int:
    """Back from `index` over the day number and month name that belong to the date ("le 31 février")."""
    start = index
    while start > 0 and (
        _is_month(words[start - 1], lang)
        or _DAY_NUMBER.fullmatch(words[start - 1])
        or _impossible_figures(words[start - 1], lang, _word_before(words, start - 1))
    ):
        start -= 1
    if start > 0 and words[start - 1] in ("le", "the", "on", "du"):
        start -= 1
    return start


def _clear_marker_left(text: str, spans: list[tuple[int, int]], words: list[str], lang: str) -> DueSplit:
    """No date found: keep the words after the last clear marker as not understood."""
    for index in range(len(spans) - 1, -1, -1):
        found = _marker_at(words, index, lang)
        if found is None or found[0] != "clear":
            continue
        after = index + found[1]
        if after >= len(spans):
            break
        rest = " ".join(word for word in words[after:] if word)
        first = rest.split(" ", 1)[0] if rest else ""
        if not rest or _NOT_TIME_AFTER[lang].match(rest) and first not in _TIME_INGS:
            break
        start = spans[index][0]
        if not _tidy(text[:start]):
            break  # "Avant l'arrêt": the marker is the title's first word
        return DueSplit(
            title=_tidy(text[:start]),
            when=None,
            due_text=text[start:].strip(),
            not_understood=text[spans[after][0] :].strip().rstrip(" .!?;,"),
        )
    return DueSplit(title=text.strip(), when=None, due_text=None, not_understood=None)  # kept intact


def _marker_at(words: list[str], index: int, lang: str) -> tuple[str, int] | None:
    for kind in ("clear", "weak"):
        for marker in _MARKERS[lang][kind]:
            if tuple(words[index : index + len(marker)]) == marker:
                return kind, len(marker)
    return None


def _binds(word: str, lang: str) -> bool:
    return word in _BINDING[lang] or word.endswith(("d'", "l'"))


def _tidy(text: str) -> str:
    return _TRAILING_JUNK.sub("", text.strip()).strip()
