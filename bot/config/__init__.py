"""Configuration: a TOML file, every key overridable by RELAIS_<SECTION>_<KEY>.

Defaults: French, Europe/Paris, an SQLite file in the working directory. A Config is checked
when it is made: [community], [database], [[circles]] and [schedules] (bot.config.schedules) are
read once, and a wrong value raises ConfigError naming its key. The platforms' own sections
(matrix, slack…) are read by their adapters at start, with the same rules (bot.config.values).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.config.schedules import ScheduleSettings, schedule_settings
from bot.config.values import ConfigError, Section, as_list

DEFAULT_CONFIG_FILE = "relais.toml"
LANGUAGES = ("fr", "en")


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


def _env_overrides(data: dict[str, Any], environ: dict[str, str]) -> dict[str, Any]:
    merged = {key: dict(value) if isinstance(value, dict) else value for key, value in data.items()}
    for name, raw in environ.items():
        if not name.startswith("RELAIS_") or name.count("_") < 2:
            continue
        section, _, key = name[len("RELAIS_") :].lower().partition("_")
        if not key:
            continue
        target = merged.setdefault(section, {})
        if isinstance(target, dict):
            target[key] = raw
    return merged


def load_config(path: str | Path | None = None, environ: dict[str, str] | None = None) -> Config:
    """Read the TOML file (if any) and apply environment overrides."""
    environ = dict(os.environ if environ is None else environ)
    file = Path(path) if path else Path(DEFAULT_CONFIG_FILE)
    data: dict[str, Any] = {}
    if file.exists():
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as error:
            raise ConfigError("{file}: {problem}", file=str(file), problem=str(error)) from error
    elif path:
        raise ConfigError("configuration file not found: {file}", file=str(file))
    return config_from_dict(_env_overrides(data, environ))


def declared_language(path: str | Path | None = None, environ: dict[str, str] | None = None) -> str | None:
    """The community.language that the file and environment ask for, even when the rest is wrong
    (French, the default, when they ask for none).

    For messages about a configuration that cannot be loaded; None when the file cannot be read
    or asks for a language Relais does not speak.
    """
    environ = dict(os.environ if environ is None else environ)
    file = Path(path) if path else Path(DEFAULT_CONFIG_FILE)
    data: dict[str, Any] = {}
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        if path:
            return None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    community = _env_overrides(data, environ).get("community")
    if not isinstance(community, dict) or "language" not in community:
        return Config.language
    language = str(community["language"]).lower()
    return language if language in LANGUAGES else None


def _circle(item: Any) -> CircleConfig:
    if not isinstance(item, dict) or not str(item.get("name") or "").strip():
        raise ConfigError('each [[circles]] entry needs a name: name = "COPIL"')
    return CircleConfig(
        name=str(item["name"]).strip(),
        channels=as_list(item.get("channels")),
        recap=str(item["recap"]) if item.get("recap") is not None else None,
    )


def config_from_dict(data: dict[str, Any]) -> Config:
    community = data.get("community", {})
    section = Section("community", community)
    database = data.get("database", {})
    language = str(community.get("language", "fr")).lower()
    if language not in LANGUAGES:
        raise ConfigError("community.language must be fr or en, not “{language}”", language=language)
    timezone = str(community.get("timezone", "Europe/Paris"))
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ConfigError("community.timezone is not an IANA timezone: “{timezone}”", timezone=timezone) from error
    circles = tuple(_circle(item) for item in data.get("circles", []))
    known = {"community", "database", "circles"}
    return Config(
        community_name=str(community.get("name", Config.community_name)),
        language=language,
        timezone=timezone,
        database_url=str(database.get("url", Config.database_url)),
        facilitators=section.words("facilitators"),
        default_circle=str(community.get("default_circle", Config.default_circle)),
        circles=circles,
        late_joiner_items=section.whole("late_joiner_items", 5),
        name_members_behind=section.flag("name_members_behind", False),
        sections={key: value for key, value in data.items() if key not in known and isinstance(value, dict)},
    )
