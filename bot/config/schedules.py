"""The `[schedules]` section of relais.toml, read once when the configuration is loaded.

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
    recap_chart = true               # the recap carries a chart of the week (PNG; needs relais[chart])

    [schedules.circles]              # recap per circle, overriding everything else
    "GT Mobilité" = "fri 16:00"

Every key can also be set by environment (RELAIS_SCHEDULES_RECAP_GRACE_HOURS=6; lists as "24,1").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from bot.config.values import ConfigError, Section
from bot.recurrence import Rule, RuleError, parse_rule
from bot.text import fold

DEFAULT_RECAP = "mon 09:00"
HOUR = timedelta(hours=1)


def _rule(key: str, text: Any) -> Rule | None:
    try:
        return parse_rule(str(text))
    except RuleError as error:
        raise ConfigError("{key}: {problem}", key=key, problem=error) from error  # translated with it


@dataclass(frozen=True)
class ScheduleSettings:
    """What the bot posts by itself, and when: typed, checked, with the defaults above."""

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
    name_members_behind: bool = False  # community.name_members_behind: recaps name who is behind
    recap_chart: bool = True  # a chart of the week posted after the recap (bot.posts.chart)

    def recap_rule(self, circle_name: str) -> Rule | None:
        """The recap rule of a circle: [schedules.circles] > its [[circles]] recap > [schedules] recap."""
        return self.circle_recaps.get(fold(circle_name), self.recap)


def _sorted(numbers: tuple[float, ...]) -> tuple[float, ...]:
    return tuple(sorted(set(numbers), reverse=True))


def schedule_settings(
    data: Mapping[str, Any], own_recaps: Mapping[str, str], name_members_behind: bool = False
) -> ScheduleSettings:
    """Read [schedules]; `own_recaps` are the circles' own `recap` in [[circles]], by circle name.

    A wrong value raises ConfigError naming its key.
    """
    section = Section("schedules", data)
    circles = data.get("circles", {})
    if not isinstance(circles, Mapping):
        raise ConfigError('schedules.circles must be a table: "circle name" = "mon 09:00"')
    recaps = {fold(name): _rule(f"circles.{name}.recap", rule) for name, rule in own_recaps.items()}
    recaps |= {fold(str(name)): _rule(f"schedules.circles.{name}", rule) for name, rule in circles.items()}
    return ScheduleSettings(
        recap=_rule("schedules.recap", data.get("recap", DEFAULT_RECAP)),
        digest=_rule("schedules.digest", data.get("digest", "mon 08:30")),
        nudges=_rule("schedules.nudges", data.get("nudges", "daily 09:30")),
        recap_grace=HOUR * section.number("recap_grace_hours", 12),
        digest_grace=HOUR * section.number("digest_grace_hours", 12),
        nudge_grace=HOUR * section.number("nudge_grace_hours", 12),
        reminder_grace=timedelta(minutes=section.number("reminder_grace_minutes", 30)),
        late_after=timedelta(minutes=section.number("late_after_minutes", 10)),
        agenda_lead=HOUR * section.number("agenda_lead_hours", 24),
        reminder_offsets=tuple(HOUR * value for value in _sorted(section.numbers("reminder_offsets_hours", (24, 1)))),
        nudge_due_days=tuple(int(value) for value in _sorted(section.numbers("nudge_due_days", (3, 1)))),
        overdue_nudge_days=max(int(section.number("overdue_nudge_days", 7)), 1),
        unread_nudge_days=max(int(section.number("unread_nudge_days", 3)), 1),
        low_coverage=min(section.number("low_coverage", 0.5), 1.0),
        meeting_minutes=max(int(section.number("meeting_minutes", 120)), 1),
        lookback=timedelta(days=max(section.number("lookback_days", 35), 1)),
        resync_seconds=max(section.number("resync_seconds", 60), 1.0),
        recap_chart=section.flag("recap_chart", True),
        circle_recaps=recaps,
        name_members_behind=name_members_behind,
    )
