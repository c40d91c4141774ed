"""The words of dates in French and English: months, weekdays, numbers written out, holidays.

Keys are in pattern form (lowercase, no accents: bot.dates.vocab.pattern_form).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from dateutil.easter import easter

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


def exists(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True
