"""The deterministic grammar that repairs what raw dateparser gets wrong or does not know.

Input is folded text (bot.dates.vocab.pattern_form) and the current local time; output is a Hit (a local day,
with or without a clock time, or an exact instant for "in 3 hours"). The meanings chosen here are documented in
bot.dates. Nothing here raises on odd text: a phrase it does not know gives None, and bot.dates.core asks dateparser.
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta

from bot.dates.days import CONFLICT, PERIOD_WORDS, named_day, period_point
from bot.dates.vocab import VOCAB, number_value

EVENING = time(20, 0)
END_OF_DAY = time(18, 0)
MIDNIGHT_DEADLINE = time(23, 59)


@dataclass(frozen=True)
class Hit:
    day: date
    clock: time | None = None
    instant: datetime | None = None  # aware; only for durations in hours/minutes


REJECTED = Hit(date.min)  # the phrase is surely wrong: no fallback to dateparser
CONFLICTING = Hit(CONFLICT)  # a date whose typed parts disagree ("jeudi 12 novembre" in 2026): surely wrong


def parse_rules(text: str, lang: str, now: datetime) -> Hit | None:
    """Parse folded text; now is the aware local time.

    None when the grammar does not know the phrase, REJECTED when it knows the phrase is not a date,
    CONFLICTING when it is a date whose weekday does not agree with it.
    """
    t = _LATEST[lang].sub("", text)
    if lang == "en":
        t = re.sub(r"\btonight\b", "this evening", t)
    for _ in range(4):
        hit = _duration(t, lang, now)
        if hit:
            return hit
        stripped = _MARKER[lang].sub("", t, count=1)
        if stripped == t:
            break
        t = stripped
    if dotted := _dotted_clock(t, lang, now):  # before a part of the day: "demain matin 9.30", "ce soir 20.30"
        return dotted
    extracted = extract_clock(t, lang)
    if extracted is None:
        return REJECTED  # two clock times, or an impossible one ("25h"): do not ask dateparser either
    clock, rest = extracted
    rest, article = _strip_fillers(rest, lang)
    iso = _ISO.fullmatch(rest)
    if iso:
        return _iso(iso, clock)
    found = named_day(rest, lang, now.date(), article, clock is not None)
    if found is None:
        return None
    day, bare = found
    if day == CONFLICT:
        return CONFLICTING
    if clock is None:
        return Hit(day)
    moment = datetime.combine(day, clock)
    if bare and moment <= now.replace(tzinfo=None):
        moment += timedelta(days=1)
    return Hit(moment.date(), clock)


_DOTTED = re.compile(r"(?<=\S)\s+(\d{1,2})\.([0-5][05])(?!\S)")  # a time's minutes: 9.30, 14.05 (not 7.12)
_DATE_BEFORE = {"le", "la", "l'", "du", "au", "en", "des", "the", "on", "of", "in"}


def _dotted_clock(text: str, lang: str, now: datetime) -> Hit | None:
    """A time with a dot after a word ("demain 14.30", "à 9.30"), unless a date ("vendredi 11.12", "demain 27.11")
    or an amount ("lundi 1.15", "demain 2.50": no time before 6). Alone or first ("12.50 by Friday"), it is an
    amount, a room, a price: never a time."""
    found = _DOTTED.search(text)
    before = text[: found.start()].split() if found else []
    if found is None or not 6 <= int(found[1]) <= 23 or set(before[-1:]) & _DATE_BEFORE:
        return None  # "le 15.12": a date
    day, month = (int(found[1]), int(found[2]))[:: 1 if lang == "fr" else -1]
    if 1 <= month <= 12 and day <= monthrange(2028, month)[1]:  # a date in the member's order, unless its day
        first, second = (found[2], found[1]) if lang == "en" else (found[1], found[2])  # disagrees ("demain 10.05")
        as_date = parse_rules(f"{text[: found.start()]} {first}/{second}{text[found.end() :]}", lang, now)
        if not before or as_date not in (None, REJECTED, CONFLICTING):  # "vendredi 11.12": a Friday
            return None
    hit = parse_rules(f"{text[: found.start()]} {found[1]}:{found[2]}{text[found.end() :]}", lang, now)
    return None if hit in (None, REJECTED, CONFLICTING) else hit


# --- markers, fillers -------------------------------------------------------------------------

_LATEST = {
    "fr": re.compile(r"\s+(?:au plus tard|dernier delai|maximum|max|grand max)$"),
    "en": re.compile(r"\s+(?:at the latest|latest|at the very latest|max)$"),
}
_MARKER = {
    "fr": re.compile(
        r"^(?:au plus tard|d'ici|avant|pour|jusqu'(?:a|au|en)|echeance|date limite|dernier delai"
        r"|dans|sous|en)(?:\s+|$)"
    ),
    "en": re.compile(
        r"^(?:no later than|not later than|by|before|due(?: on| by| date)?|until|till|for|on|in|within"
        r"|deadline)(?:\s+|$)"
    ),
}
_FILLER = {
    "fr": re.compile(r"^(?:(l')|(?:(le|la|les|au)|a|aux|en|vers|d'ici)\s+)"),
    "en": re.compile(r"^(?:(the|on)|at|in|around|by|of)\s+"),
}


def _strip_fillers(text: str, lang: str) -> tuple[str, bool]:
    article = False
    for _ in range(4):
        match = _FILLER[lang].match(text)
        if not match:
            break
        article = article or any(match.groups())
        text = text[match.end() :]
    return text.strip(), article


# --- exact forms ------------------------------------------------------------------------------

_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[t ](\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?)?")


def _iso(match: re.Match[str], clock: time | None) -> Hit | None:
    year, month, day, hour, minute = match.groups()
    if hour is not None and clock is not None:
        return None
    try:
        found = date(int(year), int(month), int(day))
        clock = time(int(hour), int(minute)) if hour is not None else clock
    except ValueError:
        return None
    return Hit(found, clock)


# --- durations: "dans 3 jours", "sous 48h", "within 2 weeks", "in 3 hours" -------------------

_UNITS = {
    "fr": {
        "jour": "days",
        "jours": "days",
        "j": "days",
        "semaine": "weeks",
        "semaines": "weeks",
        "sem": "weeks",
        "mois": "months",
        "an": "years",
        "ans": "years",
        "annee": "years",
        "annees": "years",
        "heure": "hours",
        "heures": "hours",
        "h": "hours",
        "minute": "minutes",
        "minutes": "minutes",
        "min": "minutes",
        "mn": "minutes",
        "jours ouvres": "workdays",
        "jours ouvrables": "workdays",
    },
    "en": {
        "day": "days",
        "days": "days",
        "d": "days",
        "week": "weeks",
        "weeks": "weeks",
        "wk": "weeks",
        "wks": "weeks",
        "month": "months",
        "months": "months",
        "year": "years",
        "years": "years",
        "yr": "years",
        "yrs": "years",
        "hour": "hours",
        "hours": "hours",
        "hr": "hours",
        "hrs": "hours",
        "h": "hours",
        "minute": "minutes",
        "minutes": "minutes",
        "min": "minutes",
        "mins": "minutes",
        "business days": "workdays",
        "working days": "workdays",
        "business day": "workdays",
        "working day": "workdays",
    },
}


def _unit_alt(lang: str) -> str:
    return "|".join(sorted((re.escape(unit) for unit in _UNITS[lang]), key=len, reverse=True))


_DURATION = {
    "fr": [
        re.compile(
            r"(?:dans|sous|d'ici|en|d'ici a)\s+(?:les\s+|le\s+|l')?(?:prochaine?s?\s+)?(?P<n>"
            + VOCAB["fr"].number
            + r")\s*(?P<u>"
            + _unit_alt("fr")
            + r")(?:\s+qui viennent)?"
        ),
        re.compile(r"(?:sous|dans|d'ici)\s+(?:une\s+)?(?P<w>huitaine|quinzaine)(?:\s+de jours)?"),
        re.compile(r"(?:dans|sous|d'ici)\s+une\s+(?P<half>demi-?\s*heure)"),
    ],
    "en": [
        re.compile(
            r"(?:in|within|after)\s+(?:the\s+next\s+|the\s+coming\s+|the\s+)?(?P<n>"
            + VOCAB["en"].number
            + r")\s*(?P<u>"
            + _unit_alt("en")
            + r")(?:'s?\s+time)?"
        ),
        re.compile(
            r"(?P<n>"
            + VOCAB["en"].number
            + r")\s*(?P<u>"
            + _unit_alt("en")
            + r")\s+(?:from\s+(?:now|today)|later|hence)"
        ),
        re.compile(r"(?:in|within)\s+a\s+(?P<w>fortnight)"),
        re.compile(r"(?:in|within)\s+(?P<half>half\s+an\s+hour)"),
    ],
}
_WITHIN_PERIOD = {
    "fr": re.compile(
        r"(?:dans|durant|pendant)\s+(?:la|le|l')\s*(?P<p>journee|semaine|mois|trimestre|annee)"
        r"(?:\s+en cours)?"
    ),
    "en": re.compile(r"(?:within|during|in)\s+the\s+(?P<p>day|week|month|quarter|year)|later\s+(?P<t>today)"),
}


def _duration(text: str, lang: str, now: datetime) -> Hit | None:
    for pattern in _DURATION[lang]:
        match = pattern.fullmatch(text)
        if not match:
            continue
        groups = match.groupdict()
        if groups.get("half"):
            return _after(now, "minutes", 30)
        if groups.get("w"):
            return _after(now, "days", {"huitaine": 8, "quinzaine": 15, "fortnight": 14}[groups["w"]])
        amount = number_value(groups["n"], lang)
        return _after(now, _UNITS[lang][groups["u"]], amount)
    match = _WITHIN_PERIOD[lang].fullmatch(text)
    if match:
        kind = PERIOD_WORDS[match.group("p") or match.group("t")]
        if kind == "day":
            return Hit(now.date(), END_OF_DAY)
        return Hit(period_point(kind, "end", 0, now.date(), explicit=True))
    return None


def _after(now: datetime, unit: str, amount: int) -> Hit | None:
    if amount <= 0 or amount > 999:
        return None
    today = now.date()
    if unit == "hours" or unit == "minutes":
        instant = (now.astimezone(UTC) + timedelta(**{unit: amount})).astimezone(now.tzinfo)
        instant = instant.replace(second=0, microsecond=0)
        return Hit(instant.date(), instant.time(), instant)
    if unit == "workdays":
        day = today
        while amount:
            day += timedelta(days=1)
            amount -= day.weekday() < 5
        return Hit(day)
    if unit == "years" and amount > 100:
        return None
    return Hit(today + relativedelta(**{unit: amount}))


# --- clock times ------------------------------------------------------------------------------

_SUFFIX_FR = r"(?:\s+(?P<part>du matin|du soir|de l'apres-midi|de l'aprem))?"
_DAY_WORDS_FR = ("demain", "aujourd'hui", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
_SUFFIX_EN = r"(?:\s+(?:in\s+the\s+)?(?P<part>morning|evening|afternoon))?"
_CLOCKS = {
    "fr": [
        r"(?:(?:a|vers|des|pour|avant|@)\s+)?(?P<h>\d{1,2})\s*h\s*(?P<m>\d{2})?" + _SUFFIX_FR,
        r"(?:a|vers|des|pour|avant)\s+(?P<h>\d{1,2})\s*heures?(?:\s*(?P<m>\d{2}))?" + _SUFFIX_FR,
        r"(?P<h>\d{1,2})\s*heures?\s*(?P<m>\d{2})" + _SUFFIX_FR,
        # right after a day, "demain 9 heures" is 9:00 (dateparser: 9 hours later); "de 2 heures vendredi" is a length
        "(?:" + "|".join(f"(?<={day} )" for day in _DAY_WORDS_FR) + r")(?P<h>0?[6-9]|1\d|2[0-3])\s*heures?"
        r"(?!\s+(?:de|d'|max|maximum|minimum|environ)(?!\S))" + _SUFFIX_FR,  # 6-23: "samedi 2 heures de chant" a length
        r"(?:(?:a|vers|des|pour|avant|@)\s+)?(?P<h>\d{1,2}):(?P<m>\d{2})" + _SUFFIX_FR,
        r"(?:(?:a|vers|des|pour|avant|@)\s+)?(?P<word>midi|minuit)",
        r"(?:a|vers|des|pour|avant|@)\s+(?P<h>0?[6-9]|1\d|2[0-3])\.(?P<m>[0-5][05])" + _SUFFIX_FR,  # "à 9.30"
    ],
    "en": [
        r"(?:(?:at|around|by|for|before|@)\s+)?(?P<h>\d{1,2})(?:[:.h](?P<m>\d{2}))?\s*(?P<ampm>am|pm|a\.m\.?|p\.m\.?)",
        r"(?:(?:at|around|by|for|before|@)\s+)?(?P<h>\d{1,2}):(?P<m>\d{2})" + _SUFFIX_EN,
        r"(?:(?:at|around|by|for|before|@)\s+)?(?P<word>noon|midday|midnight)",
        r"(?:at|around|by|for|before|@)\s+(?P<h>0?[6-9]|1\d|2[0-3])\.(?P<m>[0-5][05])" + _SUFFIX_EN,  # "at 9.30"
        r"(?:at|around|@)\s+(?P<h>\d{1,2})(?P<bare>)" + _SUFFIX_EN,
        r"(?:(?:at|around|by|for|before|@)\s+)?(?P<h>\d{1,2})\s*h(?P<m>\d{2})?",
    ],
}
_CLOCK_RES = {lang: [re.compile(r"(?<!\S)" + body + r"(?!\S)") for body in bodies] for lang, bodies in _CLOCKS.items()}
_PARTS = {
    "fr": {
        "matin": time(9),
        "matinee": time(9),
        "apres-midi": time(14),
        "aprem": time(14),
        "soir": EVENING,
        "soiree": EVENING,
        "fin de journee": END_OF_DAY,
        "fin de la journee": END_OF_DAY,
    },
    "en": {
        "morning": time(9),
        "afternoon": time(14),
        "evening": EVENING,
        "night": EVENING,
        "end of day": END_OF_DAY,
        "end of the day": END_OF_DAY,
        "eod": END_OF_DAY,
        "cob": END_OF_DAY,
        "close of business": END_OF_DAY,
        "lunchtime": time(12),
    },
}
_PART_RES = {
    "fr": re.compile(
        r"(?<!\S)(?:(?:dans la|en|le|au|du|a la|la)\s+|(?:dans |a )?l')?(?P<part>"
        + "|".join(sorted(_PARTS["fr"], key=len, reverse=True))
        + r")(?!\S)"
    ),
    "en": re.compile(
        r"(?<!\S)(?:(?:in the|at the|by the|by|at|during the|the)\s+)?(?P<part>"
        + "|".join(sorted(_PARTS["en"], key=len, reverse=True))
        + r")(?!\S)"
    ),
}
_LATE_PARTS = {"du soir", "de l'apres-midi", "de l'aprem", "soir", "soiree", "apres-midi", "aprem"}
_LATE_PARTS |= {"evening", "afternoon", "night"}
_NO_CLOCK: tuple[time | None, str] = (None, "")


def extract_clock(text: str, lang: str) -> tuple[time | None, str] | None:
    """Take one clock time (and/or part of the day) out of text; None when two or an invalid one."""
    clock: time | None = None
    late = False
    for pattern in _CLOCK_RES[lang]:
        match = pattern.search(text)
        if match:
            clock = _clock(match.groupdict())
            if clock is None:
                return None
            late = (match.groupdict().get("part") or "") in _LATE_PARTS
            text = (text[: match.start()] + " " + text[match.end() :]).strip()
            break
    part = _PART_RES[lang].search(text)
    if part:
        word = part.group("part")
        late = late or word in _LATE_PARTS
        text = (text[: part.start()] + " " + text[part.end() :]).strip()
        if clock is None:
            clock = _PARTS[lang][word]
    if clock is not None and late and clock.hour < 12:
        clock = clock.replace(hour=clock.hour + 12)
    if clock is not None and any(pattern.search(text) for pattern in _CLOCK_RES[lang]):
        return None
    return clock, " ".join(text.split())


def _clock(groups: dict[str, str | None]) -> time | None:
    word = groups.get("word")
    if word:
        return time(12) if word in ("midi", "noon", "midday") else MIDNIGHT_DEADLINE
    hour = int(groups["h"] or 0)
    minute = int(groups.get("m") or 0)
    ampm = groups.get("ampm")
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm.startswith("p") else 0)
    elif groups.get("bare") is not None and 1 <= hour <= 7 and not groups.get("part"):
        hour += 12  # "at 6" almost always means 6 pm in a to-do
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)
