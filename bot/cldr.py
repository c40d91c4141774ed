"""Dates, counts and percentages in French and English exactly as Babel writes them (CLDR), from small tables.

Babel's locale data, once a date or a percentage is formatted, holds 4.8 MB of memory for French and
1.2 MB for English for as long as the process lives (the whole CLDR locale: currencies, territories,
calendars Relais never shows). The few names and formats Relais writes on the paths a running bot
takes (a command's dates, shares, recurring schedules, the recap's chart) are here; the web dashboard
and the translation tools keep Babel. tests/core/test_cldr.py checks every value against Babel.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal

DAYS = {  # Monday first, as date.weekday()
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
MONTHS = {
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
}  # fmt: skip
MONTHS_SHORT = {
    "fr": ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}
AT = {"fr": "à", "en": "at"}
GROUP = {"fr": "\u202f", "en": ","}  # thousands
PERCENT = {"fr": "\u00a0%", "en": "%"}


def lang(language: str) -> str:
    """French or English (any other language is written in English)."""
    return "fr" if language.lower().startswith("fr") else "en"


def day_name(weekday: int, language: str) -> str:
    """Babel's wide day name ("lundi", "Monday"); `weekday` as date.weekday() (Monday 0)."""
    return DAYS[lang(language)][weekday]


def long_date(day: date, language: str) -> str:
    """Babel's "EEEE d MMMM y": "vendredi 27 novembre 2026", "Friday 27 November 2026"."""
    code = lang(language)
    return f"{DAYS[code][day.weekday()]} {day.day} {MONTHS[code][day.month - 1]} {day.year}"


def long_datetime(moment: datetime, language: str) -> str:
    """Babel's "EEEE d MMMM y 'à' HH:mm" in the moment's own timezone: "vendredi 27 novembre 2026 à 14:00"."""
    return f"{long_date(moment.date(), language)} {AT[lang(language)]} {moment:%H:%M}"


def short_date(day: date, language: str) -> str:
    """Babel's "d MMM": "27 nov.", "27 Nov"."""
    return f"{day.day} {MONTHS_SHORT[lang(language)][day.month - 1]}"


def number(value: int, language: str) -> str:
    """Babel's format_decimal(value) for a whole count: "40 010" (narrow no-break space), "40,010"."""
    return f"{value:,}".replace(",", GROUP[lang(language)])


def percent(share: float, language: str) -> str:
    """Babel's format_percent(share): a whole percentage rounded half to even, "67 %" (no-break space), "67%"."""
    code = lang(language)
    if share in (float("inf"), float("-inf")):  # as Babel: "∞ %" (Decimal could not round it)
        return ("-" if share < 0 else "") + "∞" + PERCENT[code]
    scaled = Decimal(str(share)).scaleb(2)
    sign = "-" if scaled.is_signed() else ""  # as Babel: -0.4 % is "-0 %"
    whole = abs(scaled.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))
    return f"{sign}{whole:,}".replace(",", GROUP[code]) + PERCENT[code]
