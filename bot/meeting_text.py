"""Reading `/meeting <title> <when> [#circle] [place or link]` in one line.

"COPIL de rentrée jeudi 14h #copil salle du conseil" -> title "COPIL de rentrée", when next
Thursday 14:00, circle "copil", place "salle du conseil". The #circle word may stand anywhere;
without it the place is what follows the date: the longest start of the line that ends with a
date (bot.dates.split_due) gives the title and the date, the rest is the place. A place never starts with
a time ("Faire le point demain matin 9.30" is not 9:00 in a place called "9.30"): such a line has no date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from bot.dates import When, split_due
from bot.dates.quotes import quotes_in

_CIRCLE = re.compile(r"(?<!\S)#([^\d\s#]\S*)")
_WORD = re.compile(r"\S+")
_TIME_FIRST = re.compile(r"(?:(?:à|a|at|@)\s+)?\d{1,2}(?:[.:h]\d\d|h)(?!\S)", re.IGNORECASE)  # "9.30", "à 14h"
_CLOCK = r"\d{1,2}(?:[h:]\d\d|h)?(?:\s*(?:am|pm))?"
# "14h à 16h", "de 14h à 16h", "14h-16h", "2-4pm", "from 2pm to 4pm": the meeting starts at the first time
_RANGE = re.compile(
    rf"(?<!\S)(?:de\s+|from\s+)?(?P<start>{_CLOCK})\s*(?:-|–|—|à|a|to)\s*(?P<end>{_CLOCK})(?!\S)", re.IGNORECASE
)
_UNIT = re.compile(r"[h:]|am|pm", re.IGNORECASE)
_EARLIER_TIME = re.compile(r"\d\s*h|\d:\d\d|\d\s*(?:am|pm)\b", re.IGNORECASE)
MAX_WORDS = 60


@dataclass(frozen=True)
class MeetingText:
    title: str
    when: When | None
    circle: str | None
    place: str | None
    date_text: str | None = None


def parse_meeting_text(text: str, now: datetime, tz: str, language: str) -> MeetingText:
    circle = None
    found = _CIRCLE.search(text)
    if found:
        circle = found.group(1)
        text = text[: found.start()] + " " + text[found.end() :]
    text = " ".join(text.split())
    started, hours = _start_of_range(text)
    if hours:  # read from its start; the hours as written lead the place
        found = _read(started, now, tz, language, circle)
        place = " ".join(part for part in (hours, found.place or "") if part)
        if found.when:
            return MeetingText(found.title, found.when, circle, place, found.date_text)
    return _read(text, now, tz, language, circle)  # no range, or no date with it: the text as written


def _start_of_range(text: str) -> tuple[str, str | None]:
    """The text with a range of hours ("14h à 16h", "2-4pm") cut to its start ("14h", "2pm"), and the range as
    written; the text itself and None when there is none, or when neither end has a unit ("10-12", "15-16 mai")."""
    found = _RANGE.search(text)
    if not found or _EARLIER_TIME.search(text[: found.start()]):
        return text, None  # none, or after a time already given ("lundi 14h, pause 15h-15h15")
    start, end = found["start"], found["end"]
    if start.isdigit() and not (found.group(0).lower().startswith(("de ", "from ")) and _UNIT.search(end)):
        # "le 3 à 14h", "Sprint 12 - 14h", "2-3h" (a length) are no range; "2-4pm", "14-16h" are
        last = int(re.match(r"\d+", end)[0])
        ampm = end.lower().endswith(("am", "pm")) and int(start) < last
        if not ampm and not (re.fullmatch(r"\d+-\d+h", found.group(0)) and 6 <= int(start) < last <= 23):
            return text, None  # "14-16h" is a range, "2-3h" a length
    if start.isdigit():  # "2-4pm": the start takes the end's half of the day, "14-16h" its hour mark
        start += re.sub(r"^\d{1,2}(?:[h:]\d\d)?\s*", "", end) if not end.lower().endswith("h") else "h"
    return text[: found.start()] + start + text[found.end() :], found.group(0).strip()


def _read(text: str, now: datetime, tz: str, language: str, circle: str | None) -> MeetingText:
    words = list(_WORD.finditer(text))[:MAX_WORDS]
    untitled = None
    left_open = quotes_in(text).open_at
    for count in range(len(words), 0, -1):
        end = words[count - 1].end()
        if quotes_in(text[:end]).open_at not in (None, left_open):
            continue  # "Atelier « Demain 14h » jeudi 14h" is not cut inside its quote
        split = split_due(text[:end], now, tz, language)
        if split.when is None and split.not_understood:
            # a date was clearly meant but not understood ("jeudi 12" when the 12th is a Saturday):
            # say so rather than fall back to a shorter reading that drops words
            return MeetingText(split.title, None, circle, None, split.not_understood)
        if split.when is None:
            continue
        place = text[end:].strip(" ,;-—–") or None
        if place and _TIME_FIRST.match(place):
            break  # the time was not read with the date: no date rather than the wrong hour
        if split.title:
            return MeetingText(split.title, split.when, circle, place, split.due_text)
        untitled = untitled or MeetingText("", split.when, circle, place, split.due_text)
    return untitled or MeetingText(text, None, circle, None, None)
