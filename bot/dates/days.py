"""Which local day a phrase names: holidays, weekdays, calendar dates, months and periods.

Part of the date grammar (see bot.dates.repairs, which strips markers, fillers and clock times
first, and bot.dates for the meanings).  Input is folded text without any clock time; every
function returns a date, CONFLICT (a weekday and a date that never agree) or None, never raising.
"""

from __future__ import annotations

import re
from calendar import monthrange
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from itertools import islice

from dateutil.relativedelta import relativedelta

from bot.dates.vocab import VOCAB, clock_shaped, month_number, weekday_number
from bot.dates.words import HOLIDAYS, MONTHS_FULL

PERIOD_WORDS = {
    "journee": "day",
    "day": "day",
    "semaine": "week",
    "week": "week",
    "mois": "month",
    "month": "month",
    "trimestre": "quarter",
    "quarter": "quarter",
    "annee": "year",
    "an": "year",
    "year": "year",
    "week-end": "weekend",
    "weekend": "weekend",
    "today": "day",
}
LOOK_AHEAD_MONTHS = 14  # "le 31": the next month that has a 31st, searched this far at most
CONFLICT = date.max  # a weekday and a date typed together that never agree: surely not a date


def named_day(text: str, lang: str, today: date, article: bool, has_clock: bool) -> tuple[date, bool] | None:
    """The local day named by text (fillers already stripped); the flag is True for "no day given"."""
    if not text:
        return (today, True) if has_clock else None
    if text in _TODAY[lang] or (has_clock and text in _THIS[lang]):
        return today, False
    if text in _RELATIVE_DAYS[lang]:
        return today + timedelta(days=_RELATIVE_DAYS[lang][text]), False
    with_figures = _day_word_with_figures(text, lang, today)
    if with_figures is not None:
        return with_figures, False
    found = day_of(text, lang, today, article)
    return (found, False) if found is not None else None


_TODAY = {"fr": {"aujourd'hui", "aujourd hui", "aujourdhui", "auj", "ce jour"}, "en": {"today"}}
_THIS = {"fr": {"ce", "cet", "cette"}, "en": {"this"}}
_RELATIVE_DAYS = {
    "fr": {"demain": 1, "apres-demain": 2, "apres demain": 2, "hier": -1, "avant-hier": -2, "avant hier": -2},
    "en": {
        "tomorrow": 1,
        "tmrw": 1,
        "tmw": 1,
        "day after tomorrow": 2,
        "overmorrow": 2,
        "yesterday": -1,
        "day before yesterday": -2,
    },
}


_DAY_WORD_FIGURES = re.compile(r"(?P<word>.+?)\s+(?P<figures>\d{1,2}[/.-]\d{1,2}(?:[/.-](?P<y>\d{2}|\d{4}))?)")


def _day_word_with_figures(text: str, lang: str, today: date) -> date | None:
    """A day word and a date in figures ("demain 7.12") must name the same day, as a weekday and its date do
    ("vendredi 11.12"): else CONFLICT, never the date with the day word left aside.  None when the figures are
    no date ("demain 2.50") or the word no day word."""
    match = _DAY_WORD_FIGURES.fullmatch(text)
    if match is None:
        return None
    word = match.group("word")
    if word in _TODAY[lang]:
        day = today
    elif word in _RELATIVE_DAYS[lang]:
        day = today + timedelta(days=_RELATIVE_DAYS[lang][word])
    else:
        return None
    found = _calendar_date(match.group("figures"), lang, today, True)
    if found is None or found == CONFLICT:
        return None
    agree = (found.month, found.day) == (day.month, day.day) and (not match.group("y") or found.year == day.year)
    return day if agree else CONFLICT


def day_of(text: str, lang: str, today: date, article: bool) -> date | None:
    """The day named by text (no clock time in it); article tells that "le"/"the" was stripped."""
    for finder in _FINDERS:
        found = finder(text, lang, today, article)
        if found is not None:
            return found
    return None


def _holiday(text: str, lang: str, today: date, article: bool) -> date | None:
    match = re.fullmatch(r"(.+?)(?:\s+(\d{4}))?", text.replace("-", " "))
    if not match or match.group(1) not in HOLIDAYS[lang]:
        return None
    rule = HOLIDAYS[lang][match.group(1)]
    if match.group(2):
        return rule(int(match.group(2)))
    for year in (today.year, today.year + 1):
        if rule(year) >= today:
            return rule(year)
    return None


def _weekday(text: str, lang: str, today: date, article: bool) -> date | None:
    for pattern, rule in _WEEKDAY_RES[lang]:
        match = pattern.fullmatch(text)
        if match:
            wanted = weekday_number(match.group("wd"), lang)
            ahead = (wanted - today.weekday()) % 7
            monday = today - timedelta(days=today.weekday())
            if rule == "after":
                return today + timedelta(days=ahead or 7)
            if rule == "from_today":
                return today + timedelta(days=ahead)
            if rule == "next_week":
                return monday + timedelta(days=7 + wanted)
            if rule == "this_week":
                return monday + timedelta(days=wanted)
            if rule == "last":
                return today - timedelta(days=(today.weekday() - wanted) % 7 or 7)
            return today + timedelta(days=(ahead or 7) + int(rule))  # "lundi en huit": +7
    return None


def _weekday_patterns(lang: str) -> list[tuple[re.Pattern[str], str]]:
    wd = r"(?P<wd>" + VOCAB[lang].weekday_full + r")"
    if lang == "fr":
        forms = [
            (wd, "after"),
            (r"(?:ce|cette)\s+" + wd, "from_today"),
            (r"prochain\s+" + wd, "after"),
            (wd + r"\s+(?:prochain|suivant|de la semaine prochaine)", "next_week"),
            (wd + r"\s+qui vient", "after"),
            (wd + r"\s+en\s+huit", "7"),
            (wd + r"\s+en\s+quinze", "14"),
            (wd + r"\s+dernier", "last"),
            (wd + r"\s+de cette semaine", "this_week"),
        ]
    else:
        forms = [
            (wd, "after"),
            (r"this\s+" + wd, "from_today"),
            (r"(?:this\s+)?coming\s+" + wd, "after"),
            (r"next\s+" + wd, "next_week"),
            (wd + r"\s+(?:next|(?:of\s+)?next\s+week)", "next_week"),
            (r"last\s+" + wd, "last"),
            (wd + r"\s+(?:of\s+)?this\s+week", "this_week"),
            (wd + r"\s+week", "7"),
            (wd + r"\s+after\s+next", "7"),
        ]
    return [(re.compile(body), rule) for body, rule in forms]


_WEEKDAY_RES = {lang: _weekday_patterns(lang) for lang in ("fr", "en")}


def _year(text: str | None) -> int | None:
    if text is None:
        return None
    return int(text) + 2000 if len(text) == 2 else int(text)


def _day_number(text: str) -> int:
    return 1 if text in ("1er", "premier", "first") else int(text)


def _date_patterns(lang: str) -> dict[str, re.Pattern[str]]:
    v = VOCAB[lang]
    wp = r"(?:(?P<wd>" + v.weekday_any + r")\.?\s+)?"
    day = r"(?P<d>\d{1,2}|1er|premier|first)(?P<sfx>er|eme|e|st|nd|rd|th)?"
    month = r"(?P<mo>" + v.month_any + r")\.?"
    year = r"(?:\s+(?P<y>\d{4}))?"
    return {
        "dmy": re.compile(wp + day + r"\s+(?:de\s+|of\s+)?" + month + year),
        "mdy": re.compile(wp + month + r"\s+(?:the\s+)?" + day + year),
        "numeric": re.compile(wp + r"(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})(?:(?P=sep)(?P<y>\d{4}|\d{2}))?"),
        "dom": re.compile(
            wp + r"(?:(?:le|the)\s+)?" + day + r"(?:\s+(?P<of>du mois prochain|of next month|du mois|of the month))?"
        ),
    }


_DATE_RES = {lang: _date_patterns(lang) for lang in ("fr", "en")}


def _calendar_date(text: str, lang: str, today: date, article: bool) -> date | None:
    res = _DATE_RES[lang]
    match = res["dmy"].fullmatch(text) or res["mdy"].fullmatch(text)
    if match:
        month, day = month_number(match.group("mo"), lang), _day_number(match.group("d"))
        return _agreeing(match, lang, _dates(_year(match.group("y")), month, day, today), today)
    match = res["numeric"].fullmatch(text)
    if match:
        first, second = int(match.group("a")), int(match.group("b"))
        day, month = (first, second) if lang == "fr" else (second, first)
        dotted_clock = match.group("sep") == "." and clock_shaped(match.group("a"), match.group("b"))
        if dotted_clock and lang == "en":
            return None  # "9.30", "12.15": English writes a date with slashes and a time with a dot
        if month > 12 and day <= 12 and not dotted_clock:  # "15/12" in English: one reading ("9.30" in French: none)
            day, month = month, day
        if not 1 <= month <= 12:
            return None
        return _agreeing(match, lang, _dates(_year(match.group("y")), month, day, today), today)
    match = res["dom"].fullmatch(text)
    if match and (
        article
        or match.group("wd")
        or match.group("sfx") in ("st", "nd", "rd", "th", "er")
        or match.group("d") in ("1er", "premier")
    ):
        next_month = (match.group("of") or "").endswith(("prochain", "next month"))
        found = _days_of_month(_day_number(match.group("d")), today, next_month)
        return _agreeing(match, lang, found, today)
    return None


def _agreeing(match: re.Match[str], lang: str, found: Iterator[date], today: date) -> date | None:
    """The first date found. A weekday typed with it must agree with that date: "jeudi 12" when
    the next 12th is a Saturday gives CONFLICT (not understood, said to the member), rather than
    a guess months away.
    """
    dates = list(islice(found, 1))
    if not dates:
        return None
    if match.group("wd") and dates[0].weekday() != weekday_number(match.group("wd"), lang):
        return CONFLICT
    return dates[0]


def _dates(year: int | None, month: int, day: int, today: date) -> Iterator[date]:
    """That calendar date in the typed year, else from today on (the first one, then the next ones)."""
    years = [year] if year is not None and 1900 <= year <= 2999 else []
    for candidate_year in years if year is not None else range(today.year, today.year + 9):
        try:
            found = date(candidate_year, month, day)
        except ValueError:
            continue
        if year is not None or found >= today:
            yield found


def _days_of_month(day: int, today: date, next_month: bool) -> Iterator[date]:
    if not 1 <= day <= 31:
        return
    start = date(today.year, today.month, 1) + relativedelta(months=1 if next_month else 0)
    for months in range(LOOK_AHEAD_MONTHS + 1):
        first = start + relativedelta(months=months)
        if day <= monthrange(first.year, first.month)[1] and first.replace(day=day) >= today:
            yield first.replace(day=day)


# --- months, periods: "fin janvier", "mi-décembre", "fin du mois", "end of next quarter" -------

_POS = {
    "debut": "start",
    "mi": "mid",
    "milieu": "mid",
    "fin": "end",
    "beginning": "start",
    "start": "start",
    "early": "start",
    "mid": "mid",
    "middle": "mid",
    "end": "end",
    "late": "end",
}
_SHORT_ENDS = {"eow": "week", "eom": "month", "eoq": "quarter", "eoy": "year"}


def _period_patterns(lang: str) -> dict[str, re.Pattern[str]]:
    v = VOCAB[lang]
    if lang == "fr":
        pos = r"(?P<pos>debut|mi|milieu|fin)(?:\s+|-)"
        of_month = r"(?:de\s+|d'|du mois de\s+|du mois d')?"
        period = (
            r"(?:de\s+|du\s+|d')?(?:la\s+|l'|ce\s+|cette\s+|cet\s+)?(?P<p>semaine|mois|trimestre|annee|an)"
            r"(?P<this>-ci|\s+ci|\s+en cours|\s+courante?|\s+actuelle?)?"
            r"(?:\s+(?P<next>prochaine?|suivante?))?"
        )
        this_next = (
            r"(?:(?P<this>cette|ce|cet)\s+)?(?P<p>semaine|mois|trimestre|annee|week-end|weekend)"
            r"(?:-ci|\s+ci)?(?:\s+(?P<next>prochaine?|suivante?))?"
        )
    else:
        pos = r"(?P<pos>beginning|start|early|mid|middle|end|late)(?:\s+|-)(?:of\s+)?"
        of_month = ""
        period = (
            r"(?:(?P<this>this|the current)\s+|(?:the\s+)?(?P<next>next|following)\s+|the\s+)?"
            r"(?P<p>week|month|quarter|year)"
        )
        this_next = r"(?:(?P<this>this)\s+|(?P<next>next)\s+)?(?P<p>week|month|quarter|year|weekend|week-end)"
    return {
        "month": re.compile(
            r"(?:(?P<pos>"
            + ("debut|mi|milieu|fin" if lang == "fr" else "beginning|start|early|mid|middle|end|late")
            + r")(?:\s+|-)"
            + (of_month if lang == "fr" else r"(?:of\s+)?")
            + r")?(?P<mo>"
            + v.month_any
            + r")\.?(?:\s+(?P<y>\d{4}))?"
        ),
        "year": re.compile(pos + (r"(?:d'annee\s+|de l'annee\s+)?" if lang == "fr" else "") + r"(?P<y>\d{4})"),
        "pos_period": re.compile(pos + period),
        "period": re.compile(this_next),
    }


_PERIOD_RES = {lang: _period_patterns(lang) for lang in ("fr", "en")}


def period_point(kind: str, pos: str, offset: int, today: date, explicit: bool) -> date:
    """The start/middle/end of this period (+offset periods); an implicit one already past rolls on."""
    for extra in range(2):
        found = _period_point_at(kind, pos, offset + extra, today)
        if found >= today or explicit or offset:
            return found
    return found


def _period_point_at(kind: str, pos: str, offset: int, today: date) -> date:
    if kind in ("week", "weekend"):
        monday = today - timedelta(days=today.weekday()) + timedelta(weeks=offset)
        if kind == "weekend":
            return monday + timedelta(days={"start": 5, "mid": 5, "end": 6}[pos])
        return monday + timedelta(days={"start": 0, "mid": 2, "end": 4}[pos])
    months = {"month": 1, "quarter": 3, "year": 12}[kind]
    first_month = (today.month - 1) // months * months + 1 if kind != "month" else today.month
    start = date(today.year, first_month, 1) + relativedelta(months=months * offset)
    if pos == "start":
        return start
    end = start + relativedelta(months=months) - timedelta(days=1)
    if pos == "end":
        return end
    if kind == "month":
        return start.replace(day=15)
    if kind == "quarter":
        return (start + relativedelta(months=1)).replace(day=15)
    return date(start.year, 6, 30)


def _month_or_period(text: str, lang: str, today: date, article: bool) -> date | None:
    res = _PERIOD_RES[lang]
    if text in _SHORT_ENDS and lang == "en":
        return period_point(_SHORT_ENDS[text], "end", 0, today, explicit=False)
    match = res["month"].fullmatch(text)
    if match:
        pos = _POS.get(match.group("pos") or "", "start")
        month = month_number(match.group("mo"), lang)
        alone = match.group("pos") is None and match.group("y") is None
        if alone and match.group("mo") not in MONTHS_FULL[lang]:
            return None  # "déc" or "sept" alone is not a date
        year = _year(match.group("y"))
        if year is not None and not 1900 <= year <= 2999:
            return None
        for candidate in [year] if year else [today.year, today.year + 1]:
            first = date(candidate, month, 1)
            found = _period_point_at("month", pos, 0, first)
            if year or found >= today:
                return found
        return None
    match = res["year"].fullmatch(text)
    if match:
        year = int(match.group("y"))
        if not 1900 <= year <= 2999:
            return None
        return _period_point_at("year", _POS[match.group("pos")], 0, date(year, 1, 1))
    match = res["pos_period"].fullmatch(text)
    if match:
        kind = PERIOD_WORDS[match.group("p")]
        offset = 1 if match.group("next") else 0
        explicit = bool(match.group("this"))
        return period_point(kind, _POS[match.group("pos")], offset, today, explicit=explicit)
    match = res["period"].fullmatch(text)
    if match and (match.group("this") or match.group("next") or match.group("p") in ("week-end", "weekend")):
        kind = PERIOD_WORDS[match.group("p")]
        return period_point(kind, "end", 1 if match.group("next") else 0, today, explicit=False)
    return None


_FINDERS: list[Callable[[str, str, date, bool], date | None]] = [
    _holiday,
    _weekday,
    _calendar_date,
    _month_or_period,
]
