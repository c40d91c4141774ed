"""Recurrence rules ("mon 09:00", "monday 9am", "Mondays at 9:30", "lun,jeu 9h", "le lundi à 9 h 30",
"daily 09:30", "mon-fri 08:00"), computed in local time.

A value of the configuration ([schedules], a circle's recap); schedules/ turns rules into occurrences.

An occurrence is a local calendar day plus a wall-clock time in the community's IANA zone, turned
into an instant only at the end: a Monday 09:00 recap stays at 09:00 across the DST changes, and
is never a fixed number of seconds after the previous one. A wall time that does not exist (the
spring-forward gap) moves forward by the gap; one that happens twice (fall back) is the first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.cldr import day_name
from bot.i18n import Translator, listing
from bot.text import fold

DAYS = {
    "mon": 0, "monday": 0, "lun": 0, "lundi": 0,
    "tue": 1, "tues": 1, "tuesday": 1, "mar": 1, "mardi": 1,
    "wed": 2, "wednesday": 2, "mer": 2, "mercredi": 2,
    "thu": 3, "thur": 3, "thurs": 3, "thursday": 3, "jeu": 3, "jeudi": 3,
    "fri": 4, "friday": 4, "ven": 4, "vendredi": 4,
    "sat": 5, "saturday": 5, "sam": 5, "samedi": 5,
    "sun": 6, "sunday": 6, "dim": 6, "dimanche": 6,
}  # fmt: skip
EVERY_DAY = ("daily", "every day", "everyday", "tous les jours", "chaque jour", "quotidien", "*")
WEEKDAYS = ("weekdays", "working days", "en semaine", "jours ouvres", "jours ouvrables")
OFF = ("off", "none", "no", "never", "non", "aucun", "aucune", "jamais", "-", "false", "0")
# 09:00, 9h, 9 h 30, 9.30, 9am, 9:30 pm, 9 a.m.: hour, minutes, then am/pm (after minutes, or alone)
_TIME = re.compile(
    r"(?<![\d:.])(\d{1,2})(?:\s*(?::|h|\.)\s*(\d{2})?(?:\s*([ap])\.?m\b\.?)?|\s*([ap])\.?m\b\.?)(?![\d:])"
)
_NAMED_TIMES = {"noon": "12:00", "midday": "12:00", "midi": "12:00", "midnight": "00:00", "minuit": "00:00"}
MAX_RULE = 100


class RuleError(ValueError):
    """A rule that cannot be read; the message says what is expected.

    Like ConfigError, `message` is an English msgid and `values` fill it (the command line translates it).
    """

    def __init__(self, message: str, **values: object) -> None:
        super().__init__(message.format(**values) if values else message)
        self.message = message
        self.values = values


@dataclass(frozen=True)
class Rule:
    days: frozenset[int]  # 0 = Monday … 6 = Sunday
    at: time

    def instant(self, day: date, zone: ZoneInfo) -> datetime:
        """The UTC instant of this rule's wall-clock time on a local day."""
        return local_instant(day, self.at, zone)

    def between(self, after: datetime, upto: datetime, zone: ZoneInfo) -> list[datetime]:
        """Occurrences t with after < t <= upto, as UTC instants, oldest first."""
        if upto <= after:
            return []
        found = []
        day = after.astimezone(zone).date() - timedelta(days=1)
        last = upto.astimezone(zone).date() + timedelta(days=1)
        while day <= last:
            if day.weekday() in self.days:
                moment = self.instant(day, zone)
                if after < moment <= upto:
                    found.append(moment)
            day += timedelta(days=1)
        return found

    def next_after(self, moment: datetime, zone: ZoneInfo) -> datetime:
        """The first occurrence strictly after `moment`."""
        day = moment.astimezone(zone).date() - timedelta(days=1)
        for _ in range(16):
            if day.weekday() in self.days:
                candidate = self.instant(day, zone)
                if candidate > moment:
                    return candidate
            day += timedelta(days=1)
        raise AssertionError("a rule with days always has an occurrence within a week")  # pragma: no cover

    def previous(self, moment: datetime, zone: ZoneInfo) -> datetime:
        """The last occurrence at or before `moment`."""
        day = moment.astimezone(zone).date() + timedelta(days=1)
        for _ in range(16):
            if day.weekday() in self.days:
                candidate = self.instant(day, zone)
                if candidate <= moment:
                    return candidate
            day -= timedelta(days=1)
        raise AssertionError("a rule with days always has an occurrence within a week")  # pragma: no cover

    def text(self) -> str:
        """Canonical form, stored in the database: "mon,thu 09:00"."""
        names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        days = "daily" if len(self.days) == 7 else ",".join(names[day] for day in sorted(self.days))
        return f"{days} {self.at:%H:%M}"

    def describe(self, tr: Translator) -> str:
        """ "every Monday at 09:00" / "chaque lundi à 09:00"."""
        clock = f"{self.at:%H:%M}"
        if len(self.days) == 7:
            return tr.t("every day at {time}", time=clock)
        if self.days == frozenset(range(5)):
            return tr.t("Monday to Friday at {time}", time=clock)
        days = [day_name(day, tr.language) for day in sorted(self.days)]
        return tr.t("every {days} at {time}", days=listing(tr, days), time=clock)


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """Wall-clock `at` on `day` in `zone`, as UTC; a time in the DST gap moves forward by the gap."""
    naive = datetime.combine(day, at)
    return naive.replace(tzinfo=zone, fold=0).astimezone(UTC)


def parse_rule(text: str) -> Rule | None:
    """Read a rule; None means "off". Raises RuleError with a readable message."""
    folded = fold(text or "").replace("\u00a0", " ")
    if len(folded) > MAX_RULE:
        raise RuleError('a rule is short, like "mon 09:00"')
    if folded in OFF:
        return None
    folded = re.sub(r"\b(?:noon|midday|midi|midnight|minuit)\b", lambda named: _NAMED_TIMES[named.group(0)], folded)
    match = _TIME.search(folded)
    if match is None:
        raise RuleError('no time in “{rule}”: write it like "mon 09:00" or "lundi 9h"', rule=text)
    hour, minute, half = int(match.group(1)), int(match.group(2) or 0), match.group(3) or match.group(4)
    if hour > 23 or minute > 59 or (half and not 1 <= hour <= 12):
        raise RuleError("“{time}” is not a time of day", time=match.group(0).strip())
    if half:  # 12am is midnight, 12pm noon
        hour = hour % 12 + (12 if half == "p" else 0)
    days_text = (folded[: match.start()] + " " + folded[match.end() :]).strip(" ,;")
    days_text = re.sub(r"\b(?:a|at|à|every|chaque|le|les|tous)\b\s*$", "", days_text).strip(" ,;")
    return Rule(days=_days(days_text, text), at=time(hour, minute))


def _days(days_text: str, original: str) -> frozenset[int]:
    if not days_text or days_text in EVERY_DAY:
        return frozenset(range(7))
    if days_text in WEEKDAYS:
        return frozenset(range(5))
    days: set[int] = set()
    for part in re.split(r"[,;\s]+|\bet\b|\band\b", days_text):
        part = part.strip().strip(".")
        if not part or part in ("every", "chaque", "tous", "les", "le", "on"):
            continue
        if "-" in part:
            first, _, last = part.partition("-")
            if first not in DAYS or last not in DAYS:
                raise RuleError("unknown days “{days}” in “{rule}”", days=part, rule=original)
            start, end = DAYS[first], DAYS[last]
            days.update(range(start, end + 1) if start <= end else [*range(start, 7), *range(0, end + 1)])
            continue
        if part.endswith("s") and part[:-1] in DAYS:  # "mondays", "lundis"
            part = part[:-1]
        if part not in DAYS:
            raise RuleError("unknown day “{day}” in “{rule}”: use mon, tue… or lun, mar…", day=part, rule=original)
        days.add(DAYS[part])
    if not days:
        raise RuleError("no day in “{rule}”", rule=original)
    return frozenset(days)
