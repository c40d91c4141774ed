"""When, parse_when and format_when (see bot.dates for the meanings and the public interface)."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date, format_datetime
from dateparser.date import DateDataParser

from bot.dates_repairs import REJECTED, Hit, parse_rules
from bot.dates_vocab import VOCAB, clean, lang_of, strip_accents

log = logging.getLogger(__name__)

MAX_PHRASE = 200  # longer text is not a date phrase: refuse it at once

_BARE_NUMBER = re.compile(r"\d{1,4}")
_TIME_HINT = re.compile(
    r"\d\s*h\b|\d\s*h\s*\d\d|\d:\d\d|\d\s*(?:am|pm)\b|\b(?:midi|minuit|noon|midnight|heures?|hours?|minutes?)\b"
)
# Not the start of a date phrase: "(la réunion) du 15 janvier", "(clean up) after Monday".
_NO_START = {
    "de", "du", "des", "d'", "l'", "et", "ou", "apres", "depuis", "entre", "sauf", "chaque", "tous",
    "dernier", "of", "and", "or", "after", "since", "from", "between", "except", "every", "each", "last",
}
_PATTERNS = {
    "fr": ("EEEE d MMMM y", "EEEE d MMMM y 'à' HH:mm"),
    "en": ("EEEE d MMMM y", "EEEE d MMMM y 'at' HH:mm"),
}


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
    Dates in the past are returned as they are, but the future reading is preferred.
    """
    zone = zone_of(tz)
    return parse_local(text, local_now(now, zone), lang_of(language))


def parse_local(text: str, now: datetime, lang: str) -> When | None:
    """parse_when with now already local and aware and lang already "fr"/"en"."""
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_PHRASE:
        return None
    cleaned = clean(text)
    folded = strip_accents(cleaned)
    if not folded or _BARE_NUMBER.fullmatch(folded):  # "2", "2026": a number, not a date
        return None
    try:
        hit = parse_rules(folded, lang, now) or _dateparser(cleaned, folded, lang, now)
        if hit is REJECTED:
            return None
    except Exception:  # a parsing bug must never break a command: the phrase is just not understood
        log.exception("date phrase %r could not be parsed", text)
        return None
    return _when(hit, now) if hit else None


def _when(hit: Hit, now: datetime) -> When:
    zone = now.tzinfo
    if hit.instant is not None:
        return When(at=hit.instant.astimezone(zone), has_time=True)
    naive = datetime.combine(hit.day, hit.clock or time(0))
    # fold=0 then a round trip through UTC: a clock time that does not exist (DST gap) moves forward.
    at = naive.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)
    return When(at=at, has_time=hit.clock is not None)


def _dateparser(cleaned: str, folded: str, lang: str, now: datetime) -> Hit | None:
    """Ask dateparser (DATE_ORDER pinned per language, future preferred), only about date-like words."""
    vocab = VOCAB[lang]
    tokens = folded.replace("'", "' ").split()
    if not tokens or tokens[0] in _NO_START or not vocab.strong_hint.search(folded):
        return None
    if not all(vocab.token_ok.fullmatch(token) for token in tokens):
        return None
    settings = {
        "DATE_ORDER": "DMY" if lang == "fr" else "MDY",
        "RELATIVE_BASE": now.replace(tzinfo=None),
        "PREFER_DATES_FROM": "future",
        "PREFER_DAY_OF_MONTH": "first",
        "RETURN_AS_TIMEZONE_AWARE": False,
    }
    data = DateDataParser(languages=[lang], settings=settings).get_date_data(cleaned)
    found = data.date_obj
    if found is None or data.period == "year" or _BARE_NUMBER.fullmatch(folded):
        return None
    if found.tzinfo is not None:
        found = found.astimezone(now.tzinfo).replace(tzinfo=None)
    if _TIME_HINT.search(folded):
        return Hit(found.date(), found.time().replace(second=0, microsecond=0))
    return Hit(found.date())


def format_when(when: When, language: str) -> str:
    """Absolute and unambiguous: "vendredi 27 novembre 2026 à 14:00", "Friday 27 November 2026"."""
    lang = lang_of(language)
    date_pattern, datetime_pattern = _PATTERNS[lang]
    if not when.has_time:
        return format_date(_day_of(when), date_pattern, locale=lang)
    return format_datetime(when.at, datetime_pattern, tzinfo=when.at.tzinfo, locale=lang)


def _day_of(when: When) -> date:
    return when.at.date()
