"""Configuration: a TOML file (UTF-8), every known key overridable by RELAIS_<SECTION>_<KEY>.

Defaults: French, Europe/Paris, an SQLite file in the working directory. A Config is checked
when it is made: [community], [database], [[circles]], [log] and [schedules] (bot.config.schedules)
are read once, and a wrong value (a section that is not a table, text where a list is expected, an
address without its platform: bot.config.addresses) raises ConfigError naming its key. Unknown
sections, keys and RELAIS_… variables (bot.config.keys) are not errors: they are the Config's
`notes`, which the command line shows. The platforms' own sections (matrix, slack) are read by
their adapters at start, with the same rules (bot.config.values).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.config import addresses as address
from bot.config.keys import check_shape, from_environment
from bot.config.schedules import ScheduleSettings, schedule_settings
from bot.config.toml_errors import toml_error
from bot.config.values import ConfigError, ConfigNote, Section, as_text, os_reason, shown
from bot.text import slugify

DEFAULT_CONFIG_FILE = "relais.toml"
LANGUAGES = ("fr", "en")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
CORE = frozenset({"community", "database", "circles"})  # read here; the other sections are kept as they are


@dataclass(frozen=True)
class CircleConfig:
    name: str
    channels: tuple[str, ...] = ()
    recap: str | None = None  # None: the [schedules] recap rule


@dataclass(frozen=True)
class Config:
    community_name: str = "Communauté d'action"
    language: str = "fr"
    timezone: str = "Europe/Paris"
    database_url: str = "sqlite:///relais.db"
    facilitators: tuple[str, ...] = ()
    default_circle: str = "Général"
    circles: tuple[CircleConfig, ...] = ()
    late_joiner_items: int = 5
    name_members_behind: bool = False
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: tuple[ConfigNote, ...] = field(default=(), compare=False)  # what was ignored (unknown names)
    file: str | None = field(default=None, compare=False)  # the file read, if any
    schedules: ScheduleSettings = field(init=False)  # [schedules], read from `sections` when made

    def __post_init__(self) -> None:
        own_recaps = {circle.name: circle.recap for circle in self.circles if circle.recap is not None}
        settings = schedule_settings(self.section("schedules"), own_recaps, self.name_members_behind)
        object.__setattr__(self, "schedules", settings)

    def section(self, name: str) -> dict[str, Any]:
        """A table as read (for the platforms' sections, which their adapters read at start)."""
        return self.sections.get(name, {})

    def enabled(self, platform: str) -> bool:
        """The platform's section is there, and not `enabled = false`."""
        section = self.section(platform)
        return bool(section) and Section(platform, section).flag("enabled", True)


def _env_overrides(data: dict[str, Any], environ: Mapping[str, str]) -> tuple[dict[str, Any], list[ConfigNote]]:
    """The file's tables with the known RELAIS_<SECTION>_<KEY> variables applied over them."""
    merged = {key: dict(value) if isinstance(value, dict) else value for key, value in data.items()}
    values, notes = from_environment(environ)
    for section, keys in values.items():
        target = merged.setdefault(section, {})
        if isinstance(target, dict):
            target.update(keys)
    return merged, notes


def read_file(file: Path) -> dict[str, Any]:
    """The TOML tables of a file; what stops it being read is a ConfigError naming the file."""
    try:
        raw = file.read_bytes()
    except OSError as error:
        raise ConfigError("cannot read {file}: {reason}", file=str(file), reason=os_reason(error)) from error
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise ConfigError(
            "{file} is not UTF-8 text (line {line}): save it again as UTF-8", file=str(file), line=line
        ) from error
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise toml_error(str(file), text, error) from error


def load_config(path: str | Path | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """Read the TOML file (if any) and apply environment overrides.

    A wrong value raises ConfigError; unknown sections, keys and RELAIS_… variables are in `notes`.
    """
    environ = os.environ if environ is None else environ
    file = Path(path) if path else Path(DEFAULT_CONFIG_FILE)
    data: dict[str, Any] = {}
    if file.exists():
        data = read_file(file)
    elif path:
        raise ConfigError("configuration file not found: {file}", file=str(file))
    merged, env_notes = _env_overrides(data, environ)
    config = config_from_dict(merged, notes=env_notes)
    return replace(config, file=str(file) if file.exists() else None)


def ignored(path: str | Path | None = None, environ: Mapping[str, str] | None = None) -> list[ConfigNote]:
    """What a configuration has that Relais ignores, even when the rest cannot be loaded (for
    `relais config check`, which says both); nothing when the file cannot be read."""
    environ = os.environ if environ is None else environ
    file = Path(path) if path else Path(DEFAULT_CONFIG_FILE)
    notes = from_environment(environ)[1]
    try:
        data = read_file(file) if file.exists() else {}
        return [*check_shape(data), *notes]
    except ConfigError:
        return notes


def declared_language(path: str | Path | None = None, environ: Mapping[str, str] | None = None) -> str | None:
    """The community.language that the file and environment ask for, even when the rest is wrong
    (French, the default, when they ask for none).

    For messages about a configuration that cannot be loaded; None when the file cannot be read
    or asks for a language Relais does not speak.
    """
    environ = os.environ if environ is None else environ
    file = Path(path) if path else Path(DEFAULT_CONFIG_FILE)
    data: dict[str, Any] = {}
    asked = from_environment(environ)[0].get("community", {}).get("language")
    if file.exists() or path:
        try:
            data = read_file(file)
        except ConfigError:
            if asked is None:  # a file that cannot be read says no language (RELAIS_COMMUNITY_LANGUAGE may)
                return None
    community = data.get("community")
    if asked is None and isinstance(community, dict):
        asked = community.get("language")
    if asked is None:
        return Config.language
    language = str(asked).strip().lower()
    return language if language in LANGUAGES else None


def _circle(item: dict[str, Any], number: int) -> CircleConfig:
    if not str(item.get("name") or "").strip():
        raise ConfigError('each [[circles]] entry needs a name: name = "COPIL"')
    name = as_text(item["name"], f"circles.{number}.name").strip()
    section = Section(f"circles.{name}", item)
    key = section.key("channels")
    channels = tuple(address.channel(value, key) for value in section.words("channels", '["console:copil"]'))
    recap = section.text("recap", "") if item.get("recap") is not None else None
    return CircleConfig(name=name, channels=channels, recap=recap)


def _circles(entries: list[dict[str, Any]]) -> tuple[CircleConfig, ...]:
    circles = tuple(_circle(entry, number) for number, entry in enumerate(entries, 1))
    slugs: dict[str, str] = {}
    for circle in circles:  # the same slug is the same circle (bot.services.community): two entries would merge
        if slugify(circle.name) in slugs:
            raise ConfigError(
                "two [[circles]], “{first}” and “{second}”, are one circle (a name is the same whatever its capitals "
                "and accents): keep one, with the channels of both",
                first=shown(slugs[slugify(circle.name)]),
                second=shown(circle.name),
            )
        slugs[slugify(circle.name)] = circle.name
    owners: dict[str, str] = {}
    for circle in circles:
        for channel in circle.channels:
            if owners.setdefault(channel, circle.name) != circle.name:
                raise ConfigError(
                    "the channel {channel} is in two circles, “{first}” and “{second}”: keep it in one",
                    channel=channel,
                    first=owners[channel],
                    second=circle.name,
                )
    return circles


def _timezone(name: str) -> str:
    """An IANA timezone; a city or a zone Relais can guess ("Paris", "europe/paris") is refused with it."""
    try:
        ZoneInfo(name)
        return name
    except (ZoneInfoNotFoundError, ValueError):
        pass
    from zoneinfo import available_timezones

    wanted = name.replace(" ", "_").casefold()
    guesses = sorted(
        zone for zone in available_timezones() if wanted in (zone.casefold(), zone.rsplit("/", 1)[-1].casefold())
    )
    if guesses and "/" in guesses[0]:
        raise ConfigError(
            "community.timezone is not an IANA timezone: “{timezone}”; write “{guess}”", timezone=name, guess=guesses[0]
        )
    raise ConfigError(
        "community.timezone is not an IANA timezone: “{timezone}”; write one such as “Europe/Paris”", timezone=name
    )


def _default_circle(name: str, circles: tuple[str, ...], written: bool) -> str:
    """community.default_circle, spelled as its circle is when it is one of `circles` (the [[circles]] and those
    of [slack.channels]: "copil" is "COPIL"). Written close to one of them but spelled otherwise, it is a typo,
    refused with it. Far from all (a circle made by /map, "Bureau", "Général"), it is the circle of direct chats,
    found or made at start, as it always was."""
    import difflib

    names = {slugify(circle): circle for circle in circles}
    if slugify(name) in names:
        return names[slugify(name)]
    guess = difflib.get_close_matches(slugify(name), sorted(names), n=1, cutoff=0.75) if written else []
    if guess:
        raise ConfigError(
            "community.default_circle: there is no circle “{name}”; did you mean “{guess}”?",
            name=name,
            guess=names[guess[0]],
        )
    return name


def _circles_elsewhere(data: dict[str, Any]) -> tuple[str, ...]:
    """The circles [slack.channels] names (a name there is a circle, as in [[circles]]; checked by the adapter)."""
    slack = data.get("slack")
    channels = slack.get("channels") if isinstance(slack, dict) else None
    if not isinstance(channels, dict):
        return ()
    return tuple(value.strip() for value in channels.values() if isinstance(value, str) and value.strip())


def config_from_dict(data: dict[str, Any], notes: tuple[ConfigNote, ...] | list[ConfigNote] = ()) -> Config:
    """A checked Config from the file's tables (environment variables already applied).

    A wrong value raises ConfigError naming its key; unknown names become the Config's notes.
    """
    noted = (*check_shape(data), *notes)
    community = data.get("community", {})
    section = Section("community", community)
    language = section.text("language", "fr").strip().lower()
    if language not in LANGUAGES:
        raise ConfigError("community.language must be fr or en, not “{language}”", language=language)
    timezone = _timezone(section.text("timezone", "Europe/Paris").strip())
    key = section.key("facilitators")
    facilitators = tuple(address.identity(value, key) for value in section.words("facilitators", '["console:camille"]'))
    database = Section("database", data.get("database", {}))
    circles = _circles(data.get("circles", []))
    default_circle = section.text("default_circle", Config.default_circle).strip() or Config.default_circle
    level = Section("log", data.get("log", {})).text("level", "INFO")
    if level.strip().upper() not in LOG_LEVELS:
        raise ConfigError(
            "log.level must be one of {levels}, not “{value}”", levels=", ".join(LOG_LEVELS), value=shown(level)
        )
    return Config(
        community_name=section.text("name", Config.community_name).strip() or Config.community_name,
        language=language,
        timezone=timezone,
        database_url=database.text("url", Config.database_url).strip(),
        facilitators=facilitators,
        default_circle=_default_circle(
            default_circle,
            (*(circle.name for circle in circles), *_circles_elsewhere(data)),
            bool(str(community.get("default_circle") or "").strip()),
        ),
        circles=circles,
        late_joiner_items=section.whole("late_joiner_items", 5),
        name_members_behind=section.flag("name_members_behind", False),
        sections={key: value for key, value in data.items() if key not in CORE and isinstance(value, dict)},
        notes=tuple(noted),
    )
