"""The `[schedules]` section of relais.toml, with its defaults.

    [schedules]
    recap = "mon 09:00"              # default weekly recap of every circle ("off": none);
                                     # a circle's own `recap` in [[circles]] wins over it
    digest = "mon 08:30"             # personal digests (members opt in with /digest me on)
    nudges = "daily 09:30"           # the daily round of nudges (one grouped message per member)
    recap_grace_hours = 12           # a recap missed by less than this is posted late, else reported missed
    digest_grace_hours = 12
    nudge_grace_hours = 12
    reminder_grace_minutes = 30      # meeting reminders; an agenda can be late until the meeting starts
    late_after_minutes = 10          # posted later than this after its time: marked late
    agenda_lead_hours = 24           # the agenda is posted this long before the meeting
    reminder_offsets_hours = [24, 1] # meeting reminders
    nudge_due_days = [3, 1]          # nudge a commitment's owner this many days before it is due
    overdue_nudge_days = 7           # then every N days while it is overdue
    unread_nudge_days = 3            # nudge about items still unacknowledged after N days
    low_coverage = 0.5               # an item read by less than this share is "little read"
    meeting_minutes = 120            # default length of a meeting (calendar export)
    lookback_days = 35               # how far back a restart looks for missed occurrences
    resync_seconds = 60              # how often the scheduler re-reads the database

    [schedules.circles]              # recap per circle, overriding everything else
    "GT Mobilité" = "fri 16:00"

Every key can also be set by environment (RELAIS_SCHEDULES_RECAP_GRACE_HOURS=6; lists as "24,1").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from bot.config import Config, ConfigError
from bot.text import fold
from schedules.rules import Rule, RuleError, parse_rule

DEFAULT_RECAP = "mon 09:00"


def _number(data: Mapping[str, Any], key: str, default: float) -> float:
    value = data.get(key, default)
    try:
        number = float(value)
    except (TypeError, ValueError) as error:
        raise ConfigError("schedules.{key} must be a number, not “{value}”", key=key, value=value) from error
    if number < 0:
        raise ConfigError("schedules.{key} must not be negative", key=key)
    return number


def _numbers(data: Mapping[str, Any], key: str, default: tuple[float, ...]) -> tuple[float, ...]:
    value = data.get(key, default)
    if isinstance(value, str):
        value = [part for part in value.replace(";", ",").split(",") if part.strip()]
    if isinstance(value, int | float):
        value = [value]
    try:
        numbers = tuple(sorted({float(part) for part in value}, reverse=True))
    except (TypeError, ValueError) as error:
        raise ConfigError("schedules.{key} must be a list of numbers, not “{value}”", key=key, value=value) from error
    if any(number <= 0 for number in numbers):
        raise ConfigError("schedules.{key} must hold positive numbers", key=key)
    return numbers


def _rule(key: str, text: Any) -> Rule | None:
    try:
        return parse_rule(str(text))
    except RuleError as error:
        raise ConfigError("schedules.{key}: {problem}", key=key, problem=str(error)) from error


@dataclass(frozen=True)
class Settings:
    recap: Rule | None = field(default_factory=lambda: parse_rule(DEFAULT_RECAP))
    digest: Rule | None = field(default_factory=lambda: parse_rule("mon 08:30"))
    nudges: Rule | None = field(default_factory=lambda: parse_rule("daily 09:30"))
    recap_grace: timedelta = timedelta(hours=12)
    digest_grace: timedelta = timedelta(hours=12)
    nudge_grace: timedelta = timedelta(hours=12)
    reminder_grace: timedelta = timedelta(minutes=30)
    late_after: timedelta = timedelta(minutes=10)
    agenda_lead: timedelta = timedelta(hours=24)
    reminder_offsets: tuple[timedelta, ...] = (timedelta(hours=24), timedelta(hours=1))
    nudge_due_days: tuple[int, ...] = (3, 1)
    overdue_nudge_days: int = 7
    unread_nudge_days: int = 3
    low_coverage: float = 0.5
    meeting_minutes: int = 120
    lookback: timedelta = timedelta(days=35)
    resync_seconds: float = 60.0
    circle_recaps: dict[str, Rule | None] = field(default_factory=dict)  # folded circle name -> rule
    name_members_behind: bool = False

    def recap_rule(self, circle_name: str, circle_rules: Mapping[str, str]) -> Rule | None:
        """The recap rule of a circle: [schedules.circles] > its [[circles]] recap > [schedules] recap."""
        folded = fold(circle_name)
        if folded in self.circle_recaps:
            return self.circle_recaps[folded]
        own = circle_rules.get(folded)
        if own is not None:
            return _rule(f"circles.{circle_name}.recap", own)
        return self.recap


def load_settings(config: Config) -> Settings:
    data = config.section("schedules")
    hours = timedelta(hours=1)
    circles = data.get("circles", {})
    if not isinstance(circles, Mapping):
        raise ConfigError('schedules.circles must be a table: "circle name" = "mon 09:00"')
    return Settings(
        recap=_rule("recap", data.get("recap", DEFAULT_RECAP)),
        digest=_rule("digest", data.get("digest", "mon 08:30")),
        nudges=_rule("nudges", data.get("nudges", "daily 09:30")),
        recap_grace=hours * _number(data, "recap_grace_hours", 12),
        digest_grace=hours * _number(data, "digest_grace_hours", 12),
        nudge_grace=hours * _number(data, "nudge_grace_hours", 12),
        reminder_grace=timedelta(minutes=_number(data, "reminder_grace_minutes", 30)),
        late_after=timedelta(minutes=_number(data, "late_after_minutes", 10)),
        agenda_lead=hours * _number(data, "agenda_lead_hours", 24),
        reminder_offsets=tuple(hours * value for value in _numbers(data, "reminder_offsets_hours", (24, 1))),
        nudge_due_days=tuple(int(value) for value in _numbers(data, "nudge_due_days", (3, 1))),
        overdue_nudge_days=max(int(_number(data, "overdue_nudge_days", 7)), 1),
        unread_nudge_days=max(int(_number(data, "unread_nudge_days", 3)), 1),
        low_coverage=min(_number(data, "low_coverage", 0.5), 1.0),
        meeting_minutes=max(int(_number(data, "meeting_minutes", 120)), 1),
        lookback=timedelta(days=max(_number(data, "lookback_days", 35), 1)),
        resync_seconds=max(_number(data, "resync_seconds", 60), 1.0),
        circle_recaps={fold(str(name)): _rule(f"circles.{name}", rule) for name, rule in circles.items()},
        name_members_behind=config.name_members_behind,
    )


def circle_rules(config: Config) -> dict[str, str]:
    """The `recap` of each [[circles]] entry, by folded circle name."""
    return {fold(circle.name): circle.recap for circle in config.circles if circle.recap is not None}
