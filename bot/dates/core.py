"""When, parse_when and format_when (see bot.dates for the meanings and the public interface)."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.cldr import long_date, long_datetime
from bot.dates.plain import DATE_FIGURES, OTHER_LANGUAGE
from bot.dates.repairs import CONFLICTING, REJECTED, Hit, extract_clock, parse_rules
from bot.dates.vocab import VOCAB, clean, clock_shaped, lang_of, strip_accents
from bot.dates.words import MONTHS_ABBR, MONTHS_FULL, WEEKDAYS_FULL

log = logging.getLogger(__name__)
DateDataParser: Any = None  # see _date_data_parser

MAX_PHRASE = 200  # longer text is not a date phrase: refuse it at once
FALLBACK_MAX_DAYS = 3 * 366  # dateparser's answers further from now need the year typed

_BARE_NUMBER = re.compile(r"\d{1,4}")
_YEAR = re.compile(r"(?<!\d)\d{4}(?!\d)")
_FIGURES = re.compile(r"(\d{1,2})[/.](\d{1,2})(?:[/.]\d{2,4})?")  # "15/12", "1.2", "31/02/2027"
_DECIMAL_DURATION = re.compile(
    r"\b(dans|sous|d'ici|en|in|within|after)\s+(\d{1,2})\.(\d)\s*(?:(heures?|hours?|hrs?|h)|jours?|days?|j)(?![\w.])"
)
_DECIMAL_COMMA = re.compile(r"(?<![\d.,])(\d{1,2}),(\d)(?=\s*(?:heures?|hours?|hrs?|h|jours?|days?|j)(?![\w.]))", re.I)
_TIME_HINT = re.compile(
    r"\d\s*h\b|\d\s*h\s*\d\d|\d:\d\d|\d\s*(?:am|pm)\b|\b(?:midi|minuit|noon|midnight|heures?|hours?|minutes?)\b"
)
# Not the start of a date phrase: "(la réunion) du 15 janvier", "(clean up) after Monday".
_NO_START = {
    "de",
    "du",
    "des",
    "d'",
    "l'",
    "et",
    "ou",
    "apres",
    "depuis",
    "entre",
    "sauf",
    "chaque",
    "tous",
    "dernier",
    "of",
    "and",
    "or",
    "after",
    "since",
    "from",
    "between",
    "except",
    "every",
    "each",
    "last",
}
_UNIT_WORDS = {
    "fr": {
        "jour",
        "jours",
        "j",
        "semaine",
        "semaines",
        "sem",
        "mois",
        "an",
        "ans",
        "annee",
        "annees",
        "heure",
        "heures",
        "h",
        "minute",
        "minutes",
        "min",
        "mn",
    },
    "en": {
        "day",
        "days",
        "d",
        "week",
        "weeks",
        "wk",
        "wks",
        "month",
        "months",
        "year",
        "years",
        "yr",
        "yrs",
        "hour",
        "hours",
        "hr",
        "hrs",
        "h",
        "minute",
        "minutes",
        "min",
        "mins",
        "business",
        "working",
    },
}
_MONTHS = {lang: {*MONTHS_FULL[lang], *MONTHS_ABBR[lang]} for lang in ("fr", "en")}
# What may follow a bare number in a phrase for dateparser: "15 janvier", "2 semaines" ("12 jeudi": no).
_AFTER_NUMBER = {lang: _MONTHS[lang] | _UNIT_WORDS[lang] for lang in ("fr", "en")}


@dataclass(frozen=True)
class When:
    at: datetime  # timezone-aware, in the given IANA tz; for a date-only phrase: 00:00 local of that day
    has_time: bool  # False when the phrase gave only a day


def zone_of(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as error:
        raise ValueError(f"unknown time zone: {tz!r}") from error


def local_now(now: datetime, zone: ZoneInfo) -> datetime:
    """The injected clock's instant as local time in zone (a naive now is taken as already local)."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=zone)
    return now.astimezone(zone)


def parse_when(text: str, now: datetime, tz: str, language: str) -> When | None:
    """A due date from a phrase ("vendredi prochain", "demain 14h", "end of January"), None if not understood.

    now is the injected (aware) clock; tz an IANA zone name (ValueError if unknown); language "fr" or "en".
    Dates in the past are returned as they are, but the future reading is preferred. A phrase `language` does
    not read is read in the other one (a community that speaks both writes in both), unless it has figures.
    """
    zone = zone_of(tz)
    lang, local = lang_of(language), local_now(now, zone)
    when, conflicting = read_local(text, local, lang)
    if when is None and not conflicting and not DATE_FIGURES.search(str(text)):
        # the whole text is the date (/edit #N due …, the form's due field): written in the other language
        # ("demain 14h", "Dimanche" from a member in English) it is read there, unlike inside a title
        # (bot.dates.plain); never figures, whose order is the other language's ("03/12": 3 December in French)
        when = parse_local(text, local, OTHER_LANGUAGE[lang])
    return when


def parse_local(text: str, now: datetime, lang: str) -> When | None:
    """parse_when with now already local and aware and lang already "fr"/"en"."""
    return read_local(text, now, lang)[0]


def read_local(text: str, now: datetime, lang: str) -> tuple[When | None, bool]:
    """parse_local, and whether a None is a date whose weekday agrees with no day ("jeudi 12 novembre")."""
    hit = _hit(text, now, lang)
    if hit is None or hit is REJECTED or hit is CONFLICTING:
        return None, hit is CONFLICTING
    return _when(hit, now), False


def _hit(text: str, now: datetime, lang: str) -> Hit | None:
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_PHRASE:
        return None
    # "within 1.5 hours" is "within 90 minutes", "d'ici 1,5 jour" (a French decimal comma) "d'ici 36 h"
    cleaned = _DECIMAL_DURATION.sub(_in_smaller_units, clean(_DECIMAL_COMMA.sub(r"\1.\2", text)))
    folded = strip_accents(cleaned)
    if not folded or _BARE_NUMBER.fullmatch(folded):  # "2", "2026": a number, not a date
        return None
    try:
        return parse_rules(folded, lang, now) or _dateparser(cleaned, folded, lang, now)
    except Exception:  # a parsing bug must never break a command: the phrase is just not understood
        log.exception("date phrase %r could not be parsed", text)
        return None


def _in_smaller_units(found: re.Match[str]) -> str:
    tenths = int(found[2]) * 10 + int(found[3])
    if found[4]:  # hours
        return f"{found[1]} {tenths * 6} minutes"
    hours, rest = divmod(tenths * 24, 10)
    return f"{found[1]} {hours} h" if not rest else f"{found[1]} {tenths * 144} minutes"


def _when(hit: Hit, now: datetime) -> When:
    zone = now.tzinfo
    if hit.instant is not None:
        return When(at=hit.instant.astimezone(zone), has_time=True)
    naive = datetime.combine(hit.day, hit.clock or time(0))
    try:
        # fold=0 then a round trip through UTC: a clock time that does not exist (DST gap) moves forward.
        at = naive.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)
    except OverflowError:  # year 1 or 9999 seen from the other side of UTC: kept as typed, refused later
        at = naive.replace(tzinfo=zone)
    return When(at=at, has_time=hit.clock is not None)


def _date_data_parser() -> Any:
    """dateparser's DateDataParser, imported the first time a phrase needs it: with regex and its
    language data it is about 4 MB that an idle `relais run` does not hold."""
    global DateDataParser
    if DateDataParser is None:
        from dateparser.date import DateDataParser
    return DateDataParser


def _dateparser(cleaned: str, folded: str, lang: str, now: datetime) -> Hit | None:
    """Ask dateparser (DATE_ORDER pinned per language, future preferred), only about date-like words.

    Its answer is checked: a bare number must be a day next to its month, an amount before its unit
    or a year after a date ("12 jeudi", "le 12 jeudi", "demain 12" are refused), a weekday typed must
    be the answer's, so must a day and month typed in figures ("2/3 demain" is refused), a clock time
    typed must be the answer's time, and an answer more than ~3 years away needs its year typed.
    """
    vocab = VOCAB[lang]
    tokens = folded.replace("'", "' ").split()
    if not tokens or tokens[0] in _NO_START or not vocab.strong_hint.search(folded):
        return None
    if not all(vocab.token_ok.fullmatch(token) for token in tokens):
        return None
    if any(_loose_number(tokens, index, lang) for index in range(len(tokens))):
        return None
    settings = {
        "DATE_ORDER": "DMY" if lang == "fr" else "MDY",
        "RELATIVE_BASE": now.replace(tzinfo=None),
        "PREFER_DATES_FROM": "future",
        "PREFER_DAY_OF_MONTH": "first",
        "RETURN_AS_TIMEZONE_AWARE": False,
    }
    data = _date_data_parser()(languages=[lang], settings=settings).get_date_data(cleaned)
    found = data.date_obj
    if found is None or data.period == "year" or _BARE_NUMBER.fullmatch(folded):
        return None
    if found.tzinfo is not None:
        found = found.astimezone(now.tzinfo).replace(tzinfo=None)
    found = found.replace(second=0, microsecond=0)
    weekdays = {WEEKDAYS_FULL[lang][token] for token in tokens if token in WEEKDAYS_FULL[lang]}
    if weekdays and found.weekday() not in weekdays:
        return None  # "12 lundi" read as Thursday 12 November
    if not _figures_agree(tokens, found, lang):
        return None  # "2/3 demain", "1.2 demain" read as tomorrow: the figures were a label ("Salle 2/3")
    far = abs((found.date() - now.date()).days) > FALLBACK_MAX_DAYS
    if far and str(found.year) not in _YEAR.findall(folded):
        return None  # "12 jeudi 14h" read as 12 November 2114: a year that was not typed
    typed = extract_clock(folded, lang)
    if typed is None or (typed[0] is not None and typed[0] != found.time()):
        return None  # a clock time typed but not in the answer (read as a year, a day…)
    if typed[0] is not None or _TIME_HINT.search(folded):
        return Hit(found.date(), found.time())
    return Hit(found.date())


def _figures_agree(tokens: list[str], found: datetime, lang: str) -> bool:
    """Each date in figures typed is the answer's day and month (in either order: "15/12" in English; shaped like
    a time with a dot, only in the member's: "9.30" in French is no date); a decimal before its unit is an amount
    ("dans 1.5 heures")."""
    for index, token in enumerate(tokens):
        figures = _FIGURES.fullmatch(token)
        after = tokens[index + 1] if index + 1 < len(tokens) else ""
        if figures is None or ("." in token and after in _UNIT_WORDS[lang]):
            continue
        if {int(figures[1]), int(figures[2])} != {found.day, found.month}:
            return False
        if (
            "." in token
            and clock_shaped(figures[1], figures[2])
            and (lang == "en" or (int(figures[1]), int(figures[2])) != _in_order(found, lang))
        ):
            return False  # "9.30" is no 30 September: a time's shape, a date only in French order ("10.05")
    return True


def _in_order(found: datetime, lang: str) -> tuple[int, int]:
    return (found.day, found.month) if lang == "fr" else (found.month, found.day)


def _loose_number(tokens: list[str], index: int, lang: str) -> bool:
    """A bare number that is not a day next to its month, an amount before its unit or a year after a date."""
    if not _BARE_NUMBER.fullmatch(tokens[index]):
        return False
    after = tokens[index + 1] if index + 1 < len(tokens) else ""
    before = tokens[index - 1] if index else ""
    year_after_date = len(tokens[index]) == 4 and bool(before) and (before[0].isdigit() or before in _MONTHS[lang])
    return after not in _AFTER_NUMBER[lang] and before not in _MONTHS[lang] and not year_after_date


def format_when(when: When, language: str) -> str:
    """Absolute and unambiguous: "vendredi 27 novembre 2026 à 14:00", "Friday 27 November 2026" (as Babel
    writes them, without loading its locale data: bot.cldr)."""
    lang = lang_of(language)
    return long_datetime(when.at, lang) if when.has_time else long_date(_day_of(when), lang)


def _day_of(when: When) -> date:
    return when.at.date()
